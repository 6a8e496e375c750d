"""AWS: the dandiset bucket and the app's IAM user, as dandi-infrastructure's Terraform makes them.

Checked with boto3, setting by setting, what modules/dandiset_bucket makes: the bucket exists,
versioning is on, public access is allowed (the archive serves public dandisets from it), AES256
default encryption, object ownership enforced, Terraform's CORS rule, the bucket policy (public
read, the embargo deny, full access for the app's IAM user, the deny on deleting object versions),
server access logging into the log bucket (encrypted, writable by the logging service), the two
lifecycle rules, and the inventories (blobs/ and zarr/ daily, the log bucket weekly) into the
inventory bucket (writable by S3 inventory); then the IAM user exists with an active access key,
and that key is the one in the app's AWS_ACCESS_KEY_ID. Each missing setting is one planned
change. The log and inventory buckets are the ones the bucket already logs and reports into,
else `<bucket>-logs` and `<bucket>-inventory` (answers `aws.log_bucket`, `aws.inventory_bucket`).
When Terraform manages the environment (terraform_dir) this step only checks: drift is fixed in
Terraform.

Keys this step creates are recorded (steps/access_keys.py); one left in no config var by an
interrupted or failed run is deleted by the next run, before a new key is made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Literal

from dandiops.app.questions import Question
from dandiops.archive.infrastructure import (
    CORS_RULE,
    DANDISET_INVENTORIES,
    ENCRYPTION_ALGORITHM,
    INVENTORY_SERVICE,
    LOG_DELIVERY_SERVICE,
    LOG_INVENTORY,
    OBJECT_OWNERSHIP,
    PUBLIC_ACCESS_BLOCK,
    TERRAFORM_ONLY,
    InventorySpec,
    bucket_from_arn,
    bucket_policy,
    companion_bucket,
    cors_findings,
    default_iam_user,
    inventory_bucket_statement,
    lifecycle_findings,
    log_bucket_statement,
    merged_cors,
    merged_lifecycle,
    merged_policy,
    policy_findings,
    service_grant_findings,
)
from dandiops.core.errors import DandiopsError, NotFoundError
from dandiops.core.words import noun, plural
from dandiops.steps.access_keys import CreatedKeys, create_recorded_key, delete_recorded_key
from dandiops.steps.base import Change, Check, Status, TerraformManagedStep

if TYPE_CHECKING:
    from dandiops.app.context import Context
    from dandiops.providers.aws import AwsClient, BucketReport, UserReport

KEY_VARS = "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY"


# What of the log and inventory buckets the step reads (each part is one request).
LOG_BUCKET_PARTS = ("encryption", "policy", "inventories")
INVENTORY_BUCKET_PARTS = ("policy",)


@dataclass
class AwsSurvey:
    bucket: "BucketReport"
    user: "UserReport"
    app_key_id: str | None
    log_bucket: "BucketReport | None" = None  # None: not known (Terraform's, and the bucket logs nowhere)
    inventory_bucket: "BucketReport | None" = None
    findings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # differences kept on purpose, reported with the check
    changes: list[Change] = field(default_factory=list)


def inventory_destination(bucket: "BucketReport") -> str | None:
    """The bucket that the dandiset bucket's inventories already report into, if any."""
    for spec in DANDISET_INVENTORIES:
        config = bucket.inventories.get(spec.id)
        if config:
            arn = config.get("Destination", {}).get("S3BucketDestination", {}).get("Bucket")
            if arn:
                return bucket_from_arn(arn)
    return None


class AwsStep(TerraformManagedStep):
    name = "aws"
    title = "S3 bucket and the app's IAM user"
    terraform_refusal = (
        "AWS resources are managed by Terraform in this environment",
        "change them in terraform_dir and run `dandiops init --only infrastructure`",
    )

    def _ask(self, ctx: "Context", question: Question) -> str:
        answer: str = self.answers.ask(question)
        return answer

    def bucket_name(self, ctx: "Context") -> str:
        return ctx.env.bucket or self._ask(ctx, Question("aws.bucket", "Dandiset bucket name"))

    def user_name(self, ctx: "Context") -> str:
        return ctx.env.iam_user or self._ask(
            ctx, Question("aws.iam_user", "IAM user the app uses for S3", default=default_iam_user(ctx.env.heroku_app))
        )

    def log_bucket_name(self, bucket: "BucketReport") -> str | None:
        """The bucket it logs into; else, when dandiops manages AWS, the answer or `<bucket>-logs`."""
        return self._companion_bucket(
            bucket, "logs", bucket.log_target, "aws.log_bucket", "Bucket for the S3 access logs"
        )

    def inventory_bucket_name(self, bucket: "BucketReport") -> str | None:
        """The bucket its inventories report into; else, when dandiops manages AWS, the answer or
        `<bucket>-inventory`."""
        found = inventory_destination(bucket)
        return self._companion_bucket(
            bucket, "inventory", found, "aws.inventory_bucket", "Bucket for the S3 inventories"
        )

    def _companion_bucket(
        self, bucket: "BucketReport", purpose: Literal["logs", "inventory"], found: str | None, key: str, message: str
    ) -> str | None:
        if found or not self.manage:
            return found
        question = Question(key, message, default=companion_bucket(bucket.name, purpose))
        return str(self.answers.known(question) or question.default)

    def questions(self, ctx: "Context") -> list[Question]:
        found = []
        if not ctx.env.bucket:
            found.append(Question("aws.bucket", "Dandiset bucket name"))
        if not ctx.env.iam_user:
            found.append(Question("aws.iam_user", "IAM user the app uses for S3"))
        return found

    def survey(self, ctx: "Context") -> AwsSurvey:
        aws = ctx.aws()
        bucket_name, user_name = self.bucket_name(ctx), self.user_name(ctx)
        bucket, user = aws.bucket(bucket_name), aws.user(user_name)
        try:
            app_key_id = ctx.heroku().config_vars(ctx.env.heroku_app).get("AWS_ACCESS_KEY_ID")
        except NotFoundError:
            app_key_id = None  # the infrastructure step makes the app first
        survey = AwsSurvey(bucket, user, app_key_id)
        add = survey.changes.append
        if not bucket.exists:
            survey.findings.append(f"bucket {bucket_name} does not exist")
            add(Change(f"bucket {bucket_name}", "create", after=aws.region))
        if bucket.versioning != "Enabled":
            if bucket.exists:
                survey.findings.append(
                    f"bucket {bucket_name} has versioning "
                    f"{(bucket.versioning or 'never enabled').lower()}: deleted or overwritten "
                    "files could not be recovered"
                )
            add(Change(f"versioning of bucket {bucket_name}", "enable", before=bucket.versioning, after="Enabled"))
        if bucket.public_access_block != PUBLIC_ACCESS_BLOCK:
            if bucket.exists:
                blocking = sorted(k for k, v in (bucket.public_access_block or {}).items() if v)
                survey.findings.append(
                    f"bucket {bucket_name} public access block "
                    + (f"blocks {', '.join(blocking)}" if blocking else "is not set as Terraform sets it (all off)")
                )
            add(Change(f"public access block of bucket {bucket_name}", "set", after="all four settings off"))
        self._survey_bucket_settings(survey)
        # a user created now gets this ARN, so a policy naming it is already right
        user_arn = user.arn or f"arn:aws:iam::{aws.caller_identity()['account']}:user/{user_name}"
        policy_problems = policy_findings(bucket.policy, bucket_name, user_arn) if bucket.exists else []
        if policy_problems or not bucket.exists:
            survey.findings.extend(f"bucket {bucket_name}: {p}" for p in policy_problems)
            add(Change(f"policy of bucket {bucket_name}", "set", after="Terraform's dandiset bucket policy"))
        self._survey_log_bucket(ctx, survey)
        self._survey_lifecycle(survey)
        self._survey_inventories(ctx, survey)
        if not user.exists:
            survey.findings.append(f"IAM user {user_name} does not exist")
            add(Change(f"IAM user {user_name}", "create"))
        if self.manage and user.exists:
            orphans, unverified = self.orphaned_keys(ctx, user, app_key_id)
            for key_id in orphans:
                survey.findings.append(
                    f"access key {key_id} of IAM user {user_name} was created by dandiops and is in no config var"
                )
                add(Change(f"access key {key_id} of IAM user {user_name}", "delete", before=key_id))
            survey.findings.extend(unverified)
        active = user.active_keys
        if not active:
            if user.exists:
                survey.findings.append(f"IAM user {user_name} has no active access key")
        elif app_key_id and app_key_id not in active:
            survey.findings.append(f"the app's AWS_ACCESS_KEY_ID ({app_key_id}) is not an active key of {user_name}")
        elif not app_key_id:
            survey.findings.append(
                f"the app has no AWS_ACCESS_KEY_ID (IAM user {user_name} has {plural(len(active), 'key')})"
            )
        if not active or app_key_id not in active:
            add(Change(f"access key of IAM user {user_name}", "create", secret=True))
            add(Change(f"config vars {KEY_VARS}", "set", secret=True))
        return survey

    def _survey_bucket_settings(self, survey: AwsSurvey) -> None:
        """Default encryption, object ownership and CORS of the dandiset bucket."""
        bucket, add = survey.bucket, survey.changes.append
        name = bucket.name
        if bucket.encryption is None:
            if bucket.exists:
                survey.findings.append(f"bucket {name} has no default encryption (Terraform sets AES256)")
            add(Change(f"encryption of bucket {name}", "set", after=ENCRYPTION_ALGORITHM))
        elif ENCRYPTION_ALGORITHM not in bucket.encryption:
            # a KMS key is at least as strict: replacing it with AES256 is the operator's decision
            survey.notes.append(
                f"bucket {name} encrypts with {', '.join(bucket.encryption)} where Terraform sets "
                f"{ENCRYPTION_ALGORITHM}; left as it is"
            )
        if bucket.ownership != OBJECT_OWNERSHIP:
            if bucket.exists:
                survey.findings.append(
                    f"bucket {name} object ownership is {bucket.ownership or 'not set'} "
                    f"(Terraform sets {OBJECT_OWNERSHIP}: ACLs off)"
                )
            add(Change(f"object ownership of bucket {name}", "set", before=bucket.ownership, after=OBJECT_OWNERSHIP))
        problems = cors_findings(bucket.cors)
        if problems:
            if bucket.exists:
                survey.findings.extend(f"bucket {name}: {p}" for p in problems)
            methods = ", ".join(CORS_RULE["AllowedMethods"])
            add(
                Change(f"CORS of bucket {name}", "set", after=f"any origin may {methods}; ETag exposed; max age 3000 s")
            )

    def _survey_lifecycle(self, survey: AwsSurvey) -> None:
        bucket, name = survey.bucket, survey.bucket.name
        problems = lifecycle_findings(bucket.lifecycle)
        if problems:
            if bucket.exists:
                survey.findings.extend(f"bucket {name}: {p}" for p in problems)
            survey.changes.append(
                Change(
                    f"lifecycle rules of bucket {name}",
                    "set",
                    after="ExpireOldDeleteMarkers (blobs/, 30 days), "
                    "ExpireOldManifestFileVersions (dandisets/, newest old version kept, others after 1 day)",
                )
            )

    def _survey_service_bucket(
        self, ctx: "Context", survey: AwsSurvey, report: "BucketReport", role: str, service: str, sources: list[str]
    ) -> None:
        """A bucket an AWS service writes into for `sources` (access logs, inventories): it exists, and
        its policy lets the service write there; a log bucket is also encrypted, as Terraform makes it."""
        add, name = survey.changes.append, report.name
        what = "access logs" if role == "log" else "inventories"
        if not report.exists:
            survey.findings.append(f"{role} bucket {name} does not exist")
            add(Change(f"bucket {name}", "create", after=f"{ctx.aws().region}, for the {what} of {sources[0]}"))
        if role == "log" and report.encryption is None:
            if report.exists:
                survey.findings.append(f"log bucket {name} has no default encryption (Terraform sets AES256)")
            add(Change(f"encryption of bucket {name}", "set", after=ENCRYPTION_ALGORITHM))
        problems = service_grant_findings(report.policy, name, service, sources)
        if problems:
            if report.exists:
                survey.findings.extend(f"{role} bucket {name}: {p}" for p in problems)
            add(Change(f"policy of bucket {name}", "set", after=f"{service} writes {what} of {', '.join(sources)}"))

    def _survey_log_bucket(self, ctx: "Context", survey: AwsSurvey) -> None:
        """The log bucket (encrypted, the logging service may write into it) and the bucket's logging into it."""
        bucket = survey.bucket
        log = survey.log_bucket = self._read_bucket(
            ctx, survey, self.log_bucket_name(bucket), LOG_BUCKET_PARTS, "server access logging off (Terraform logs it)"
        )
        if log is None:
            return
        self._survey_service_bucket(ctx, survey, log, "log", LOG_DELIVERY_SERVICE, [bucket.name])
        if bucket.log_target != log.name:
            if bucket.exists:
                survey.findings.append(f"bucket {bucket.name} has server access logging off")
            survey.changes.append(Change(f"access logging of bucket {bucket.name}", "set", after=f"into {log.name}"))

    def _read_bucket(
        self, ctx: "Context", survey: AwsSurvey, name: str | None, parts: tuple[str, ...], without: str
    ) -> "BucketReport | None":
        """The settings `parts` of a bucket the dandiset bucket relies on; None, with a finding saying the
        dandiset bucket is `without` it, when there is no name for it."""
        if name is None:
            survey.findings.append(f"bucket {survey.bucket.name} has {without}")
            return None
        return ctx.aws().bucket(name, parts)

    def _survey_inventories(self, ctx: "Context", survey: AwsSurvey) -> None:
        """The inventory bucket (S3 inventory may write into it) and the three inventory configurations."""
        bucket, add = survey.bucket, survey.changes.append
        inventory = survey.inventory_bucket = self._read_bucket(
            ctx,
            survey,
            self.inventory_bucket_name(bucket),
            INVENTORY_BUCKET_PARTS,
            "no inventory of blobs/ or zarr/ (Terraform makes them)",
        )
        if inventory is None:
            return
        inventory_name = inventory.name
        sources = [bucket.name] + ([survey.log_bucket.name] if survey.log_bucket else [])
        self._survey_service_bucket(ctx, survey, inventory, "inventory", INVENTORY_SERVICE, sources)
        wanted: list[tuple[BucketReport, InventorySpec]] = [(bucket, spec) for spec in DANDISET_INVENTORIES]
        if survey.log_bucket is not None:
            wanted.append((survey.log_bucket, LOG_INVENTORY))
        for source, spec in wanted:
            if not spec.matches(source.inventories.get(spec.id), inventory_name):
                if source.exists:
                    state = "differs from Terraform's" if spec.id in source.inventories else "is missing"
                    survey.findings.append(f"inventory {spec.id} of bucket {source.name} {state}")
                add(
                    Change(
                        f"inventory {spec.id} of bucket {source.name}",
                        "set",
                        after=f"{spec.describe()} into {inventory_name}",
                    )
                )

    def orphaned_keys(self, ctx: "Context", user: "UserReport", app_key_id: str | None) -> tuple[list[str], list[str]]:
        """Keys of `user` that dandiops recorded creating and no config var holds; and why others were kept.

        "No config var" means neither this app's nor that of the app the key was made for nor that
        of any environment in dandiops.toml (two environments may share an IAM user). A key whose
        holders cannot all be read is kept. The operator's own key is never a candidate.
        """
        recorded = CreatedKeys.for_context(ctx).of_user(user.name)
        own_key = ctx.secrets.get("AWS_ACCESS_KEY_ID")
        candidates = [k.id for k in user.access_keys if k.id in recorded and k.id not in (app_key_id, own_key)]
        if not candidates:
            return [], []
        apps = {recorded[k].get("app") for k in candidates} | {e.heroku_app for e in ctx.settings.environments.values()}
        held, unread = set(), []
        for app in sorted(a for a in apps if a and a != ctx.env.heroku_app):
            try:
                held.add(ctx.heroku().config_vars(app).get("AWS_ACCESS_KEY_ID"))
            except NotFoundError:
                continue  # an app that does not exist holds no key
            except DandiopsError as exc:
                unread.append(f"{app} ({exc.message})")
        if unread:
            return [], [
                f"{noun(len(candidates), 'access key')} {', '.join(candidates)} of IAM user {user.name}, "
                "created by dandiops, kept: "
                f"could not read the config vars of {', '.join(unread)} to see whether they hold them"
            ]
        return [k for k in candidates if k not in held], []

    def check(self, ctx: "Context") -> Check:
        survey = self.survey(ctx)
        terraform_only = [] if not self.manage else [f"not made without Terraform: {item}" for item in TERRAFORM_ONLY]
        if not survey.findings and not survey.changes:
            key = survey.app_key_id or "?"
            assert survey.log_bucket is not None and survey.inventory_bucket is not None  # else a finding
            return Check(
                Status.OK,
                f"bucket {survey.bucket.name} as Terraform makes it (versioning, public read with its policy, "
                f"{ENCRYPTION_ALGORITHM}, CORS, {OBJECT_OWNERSHIP}, lifecycle rules; access logs into "
                f"{survey.log_bucket.name}, inventories into {survey.inventory_bucket.name}); "
                f"IAM user {survey.user.name} owns the app's key {key}",
                survey.notes + terraform_only,
            )
        details = (survey.findings or [c.describe() for c in survey.changes]) + survey.notes
        if not self.manage:
            missing = [f"bucket {survey.bucket.name}"] if not survey.bucket.exists else []
            missing += [f"IAM user {survey.user.name}"] if not survey.user.exists else []
            if missing:
                # not there yet rather than drifted: init checks again once Terraform has applied its plan
                raise NotFoundError(
                    f"{' and '.join(missing)} {'does' if len(missing) == 1 else 'do'} not exist",
                    hint="Terraform manages AWS here: make them in terraform_dir's configuration and apply it",
                )
            return Check(
                Status.FAILED,
                f"{plural(len(details), 'difference')} from Terraform's resources",
                details,
                hint="Terraform manages AWS here: fix the configuration in terraform_dir and apply",
            )
        return Check(
            Status.PENDING, f"{plural(len(details), 'difference')} from what Terraform makes", details + terraform_only
        )

    def make(self, ctx: "Context", changes: list[Change]) -> list[Change]:
        aws = ctx.aws()
        bucket, user = self.bucket_name(ctx), self.user_name(ctx)
        targets = {change.target for change in changes}
        if f"IAM user {user}" in targets:
            aws.create_user(user)
            ctx.record("aws.iam-user.create", user=user)
        # in dependency order: buckets before their settings, the log bucket's policy before logging
        # into it, versioning before the lifecycle rules that act on old versions
        for target, write in self._bucket_writes(ctx, aws, bucket, user):
            if target in targets:
                write()
        planned_deletions = [c.before for c in changes if c.action == "delete" and c.target.startswith("access key ")]
        if planned_deletions:
            self._delete_orphans(ctx, user, planned_deletions)
        if f"access key of IAM user {user}" in targets:
            key_id, secret = create_recorded_key(ctx, aws, user)
            app = ctx.env.heroku_app
            try:
                ctx.heroku().update_config_vars(app, {"AWS_ACCESS_KEY_ID": key_id, "AWS_SECRET_ACCESS_KEY": secret})
            except (DandiopsError, KeyboardInterrupt):
                ctx.reporter.warn(
                    f"access key {key_id} of IAM user {user} may not have reached the config vars of "
                    f"{app}; the next `dandiops init` deletes it unless a config var holds it"
                )
                raise
            ctx.record("config-vars.set", keys=["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"])
        return changes

    def _bucket_writes(
        self, ctx: "Context", aws: "AwsClient", bucket: str, user: str
    ) -> list[tuple[str, Callable[[], None]]]:
        """(change target, the write that makes it) for every bucket setting, in the order they must be made."""
        now = aws.bucket(bucket, ("logging", "inventories"))
        log = self.log_bucket_name(now) or companion_bucket(bucket, "logs")
        inventory = self.inventory_bucket_name(now) or companion_bucket(bucket, "inventory")

        def create(name: str) -> None:
            aws.create_bucket(name)
            ctx.record("aws.bucket.create", bucket=name, region=aws.region)

        def encrypt(name: str) -> None:
            aws.put_bucket_encryption(name, ENCRYPTION_ALGORITHM)
            ctx.record("aws.bucket.encryption", bucket=name, algorithm=ENCRYPTION_ALGORITHM)

        def policy() -> None:
            user_arn = aws.user(user).arn
            if user_arn is None:  # it existed, or was created above, a moment ago
                raise NotFoundError(
                    f"IAM user {user} is gone, so the bucket policy cannot grant it access",
                    hint="run `dandiops init --only aws` again to create it",
                )
            aws.put_bucket_policy(bucket, bucket_policy(bucket, user_arn))
            ctx.record("aws.bucket.policy", bucket=bucket, user=user_arn)

        def grant(name: str, statement: dict[str, Any]) -> None:
            # read just now and merged: the bucket's other statements stay
            current = aws.bucket(name, ("policy",)).policy
            aws.put_bucket_policy(name, merged_policy(current, statement))
            ctx.record("aws.bucket.policy", bucket=name, statement=statement["Sid"])

        def account() -> str:
            return aws.caller_identity()["account"]

        def cors() -> None:
            aws.put_bucket_cors(bucket, merged_cors(aws.bucket(bucket, ("cors",)).cors))
            ctx.record("aws.bucket.cors", bucket=bucket)

        def ownership() -> None:
            aws.put_bucket_ownership(bucket, OBJECT_OWNERSHIP)
            ctx.record("aws.bucket.ownership", bucket=bucket, ownership=OBJECT_OWNERSHIP)

        def logging() -> None:
            aws.put_bucket_logging(bucket, log)
            ctx.record("aws.bucket.logging", bucket=bucket, target=log)

        def lifecycle() -> None:
            aws.put_bucket_lifecycle(bucket, merged_lifecycle(aws.bucket(bucket, ("lifecycle",)).lifecycle))
            ctx.record("aws.bucket.lifecycle", bucket=bucket)

        def inventory_of(source: str, spec: InventorySpec) -> Callable[[], None]:
            def write() -> None:
                aws.put_bucket_inventory(source, spec.configuration(inventory))
                ctx.record("aws.bucket.inventory", bucket=source, inventory=spec.id, into=inventory)

            return write

        def versioning() -> None:
            aws.enable_versioning(bucket)
            ctx.record("aws.bucket.versioning", bucket=bucket)

        def public_access() -> None:
            aws.put_public_access_block(bucket, PUBLIC_ACCESS_BLOCK)
            ctx.record("aws.bucket.public-access-block", bucket=bucket)

        return [
            (f"bucket {bucket}", lambda: create(bucket)),
            (f"bucket {log}", lambda: create(log)),
            (f"bucket {inventory}", lambda: create(inventory)),
            (f"versioning of bucket {bucket}", versioning),
            (f"public access block of bucket {bucket}", public_access),
            (f"encryption of bucket {bucket}", lambda: encrypt(bucket)),
            (f"object ownership of bucket {bucket}", ownership),
            (f"CORS of bucket {bucket}", cors),
            (f"policy of bucket {bucket}", policy),
            (f"encryption of bucket {log}", lambda: encrypt(log)),
            (f"policy of bucket {log}", lambda: grant(log, log_bucket_statement(log, bucket, account()))),
            (
                f"policy of bucket {inventory}",
                lambda: grant(inventory, inventory_bucket_statement(inventory, [bucket, log], account())),
            ),
            (f"access logging of bucket {bucket}", logging),
            (f"lifecycle rules of bucket {bucket}", lifecycle),
            *((f"inventory {spec.id} of bucket {bucket}", inventory_of(bucket, spec)) for spec in DANDISET_INVENTORIES),
            (f"inventory {LOG_INVENTORY.id} of bucket {log}", inventory_of(log, LOG_INVENTORY)),
        ]

    def _delete_orphans(self, ctx: "Context", user_name: str, planned: list[str | None]) -> None:
        """Delete the planned keys that are still orphans now: another run may have put one to use since."""
        aws = ctx.aws()
        try:
            app_key_id = ctx.heroku().config_vars(ctx.env.heroku_app).get("AWS_ACCESS_KEY_ID")
        except NotFoundError:
            app_key_id = None
        user = aws.user(user_name)
        orphans, _ = self.orphaned_keys(ctx, user, app_key_id)
        listed = {key.id for key in user.access_keys}
        gone = {key_id for key_id in planned if key_id and key_id not in listed}
        if gone:
            CreatedKeys.for_context(ctx).forget(user_name, gone)  # deleted by someone else meanwhile
        for key_id in planned:
            if key_id in orphans:
                try:
                    delete_recorded_key(ctx, aws, user_name, key_id)
                except NotFoundError:
                    CreatedKeys.for_context(ctx).forget(user_name, {key_id})
