"""AWS: the dandiset bucket and the app's IAM user, as dandi-infrastructure's Terraform makes them.

Checked with boto3: the bucket exists, versioning is on, public access is allowed (the archive
serves public dandisets from it), the bucket policy has public read, the embargo deny, full
access for the app's IAM user and the deny on deleting object versions; the IAM user exists with
an active access key, and that key is the one in the app's AWS_ACCESS_KEY_ID. When Terraform
manages the environment (terraform_dir) this step only checks: drift is fixed in Terraform.

Keys this step creates are recorded (steps/access_keys.py); one left in no config var by an
interrupted or failed run is deleted by the next run, before a new key is made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dandiops.app.questions import Answers, Question
from dandiops.archive.infrastructure import PUBLIC_ACCESS_BLOCK, bucket_policy, default_iam_user, policy_findings
from dandiops.core.errors import DandiopsError, NotFoundError
from dandiops.steps.access_keys import CreatedKeys, create_recorded_key, delete_recorded_key
from dandiops.steps.base import Change, Check, InitStep, Status

if TYPE_CHECKING:
    from dandiops.app.context import Context
    from dandiops.providers.aws import BucketReport, UserReport

KEY_VARS = "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY"


@dataclass
class AwsSurvey:
    bucket: "BucketReport"
    user: "UserReport"
    app_key_id: str | None
    findings: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)


class AwsStep(InitStep):
    name = "aws"
    title = "S3 bucket and the app's IAM user"

    def __init__(self, answers: Answers, *, manage: bool = True):
        self.answers = answers
        self.manage = manage

    def _ask(self, ctx: "Context", question: Question) -> str:
        answer: str = self.answers.ask(question)
        return answer

    def bucket_name(self, ctx: "Context") -> str:
        return ctx.env.bucket or self._ask(ctx, Question("aws.bucket", "Dandiset bucket name"))

    def user_name(self, ctx: "Context") -> str:
        return ctx.env.iam_user or self._ask(
            ctx, Question("aws.iam_user", "IAM user the app uses for S3", default=default_iam_user(ctx.env.heroku_app))
        )

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
        # a user created now gets this ARN, so a policy naming it is already right
        user_arn = user.arn or f"arn:aws:iam::{aws.caller_identity()['account']}:user/{user_name}"
        policy_problems = policy_findings(bucket.policy, bucket_name, user_arn) if bucket.exists else []
        if policy_problems or not bucket.exists:
            survey.findings.extend(f"bucket {bucket_name}: {p}" for p in policy_problems)
            add(Change(f"policy of bucket {bucket_name}", "set", after="Terraform's dandiset bucket policy"))
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
            survey.findings.append(f"the app has no AWS_ACCESS_KEY_ID (IAM user {user_name} has {len(active)} key(s))")
        if not active or app_key_id not in active:
            add(Change(f"access key of IAM user {user_name}", "create", secret=True))
            add(Change(f"config vars {KEY_VARS}", "set", secret=True))
        return survey

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
                f"access key(s) {', '.join(candidates)} of IAM user {user.name}, created by dandiops, kept: "
                f"could not read the config vars of {', '.join(unread)} to see whether they hold them"
            ]
        return [k for k in candidates if k not in held], []

    def check(self, ctx: "Context") -> Check:
        survey = self.survey(ctx)
        if not survey.findings and not survey.changes:
            key = survey.app_key_id or "?"
            return Check(
                Status.OK,
                f"bucket {survey.bucket.name} versioned and public-read with Terraform's policy; "
                f"IAM user {survey.user.name} owns the app's key {key}",
            )
        details = survey.findings or [c.describe() for c in survey.changes]
        if not self.manage:
            return Check(
                Status.FAILED,
                f"{len(details)} difference(s) from Terraform's resources",
                details,
                hint="Terraform manages AWS here: fix the configuration in terraform_dir and apply",
            )
        return Check(Status.PENDING, f"{len(details)} difference(s) from what Terraform makes", details)

    def plan(self, ctx: "Context") -> list[Change]:
        if not self.manage:
            return []
        return self.survey(ctx).changes

    def apply(self, ctx: "Context", changes: list[Change]) -> list[Change]:
        if not changes:
            return []
        if not self.manage:
            raise DandiopsError(
                "AWS resources are managed by Terraform in this environment",
                hint="change them in terraform_dir and run `dandiops init --only infrastructure`",
            )
        aws = ctx.aws()
        bucket, user = self.bucket_name(ctx), self.user_name(ctx)
        targets = {change.target for change in changes}
        if f"IAM user {user}" in targets:
            aws.create_user(user)
            ctx.record("aws.iam-user.create", user=user)
        if f"bucket {bucket}" in targets:
            aws.create_bucket(bucket)
            ctx.record("aws.bucket.create", bucket=bucket, region=aws.region)
        if f"versioning of bucket {bucket}" in targets:
            aws.enable_versioning(bucket)
            ctx.record("aws.bucket.versioning", bucket=bucket)
        if f"public access block of bucket {bucket}" in targets:
            aws.put_public_access_block(bucket, PUBLIC_ACCESS_BLOCK)
            ctx.record("aws.bucket.public-access-block", bucket=bucket)
        if f"policy of bucket {bucket}" in targets:
            user_arn = aws.user(user).arn
            if user_arn is None:  # it existed, or was created above, a moment ago
                raise NotFoundError(
                    f"IAM user {user} is gone, so the bucket policy cannot grant it access",
                    hint="run `dandiops init --only aws` again to create it",
                )
            aws.put_bucket_policy(bucket, bucket_policy(bucket, user_arn))
            ctx.record("aws.bucket.policy", bucket=bucket, user=user_arn)
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
