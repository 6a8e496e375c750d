"""The aws step on its own, against moto seeded as Terraform makes the buckets and users."""

from __future__ import annotations

import json

import pytest

from dandiops.app.questions import Answers
from dandiops.archive.infrastructure import policy_findings
from dandiops.core.errors import NotFoundError
from dandiops.steps.aws import AwsStep
from dandiops.steps.base import Status


@pytest.fixture
def names(sandbox):
    from dandiops.core.settings import load_settings

    env = load_settings(sandbox.config_path).environment("staging")
    return env.bucket, env.iam_user, env.heroku_app


def test_seeded_bucket_and_user_pass(scripted, aws, writes):
    ctx = scripted().ctx
    before = writes()
    check = AwsStep(Answers(ctx)).check(ctx)
    assert check.status == Status.OK, check
    assert "versioning" in check.summary and "inventories into" in check.summary
    assert any("prevent_destroy" in line for line in check.details)  # what only Terraform makes, said plainly
    assert writes() == before


def test_bucket_without_versioning_fails_the_check_and_apply_enables_it(scripted, aws, names):
    bucket, user, _ = names
    s3 = aws.client("s3")
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    ctx = scripted().ctx
    step = AwsStep(Answers(ctx))
    check = step.check(ctx)
    assert check.status == Status.PENDING
    assert any("versioning suspended" in line for line in check.details), check.details
    changes = step.plan(ctx)
    assert [c.target for c in changes] == [f"versioning of bucket {bucket}"]
    step.apply(ctx, changes)
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert step.check(ctx).status == Status.OK


def test_missing_iam_user_fails_the_check_and_apply_creates_user_key_and_config(scripted, aws, names, heroku_state):
    bucket, user, app = names
    iam = aws.client("iam")
    for key in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]:
        iam.delete_access_key(UserName=user, AccessKeyId=key["AccessKeyId"])
    iam.delete_user(UserName=user)
    script = scripted()
    ctx = script.ctx
    step = AwsStep(Answers(ctx))
    check = step.check(ctx)
    assert check.status == Status.PENDING
    assert f"IAM user {user} does not exist" in check.details
    changes = step.plan(ctx)
    assert [c.target for c in changes] == [
        f"IAM user {user}",
        f"access key of IAM user {user}",
        "config vars AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY",
    ]
    assert all(c.to_dict()["after"] is None for c in changes if c.secret)
    step.apply(ctx, changes)
    [key] = iam.list_access_keys(UserName=user)["AccessKeyMetadata"]
    config = heroku_state.find_app(app).config
    assert config["AWS_ACCESS_KEY_ID"] == key["AccessKeyId"]
    secret = config["AWS_SECRET_ACCESS_KEY"]
    # the new secret went to Heroku only: not to the output, not to the audit log
    audit = (ctx.settings.root / "audit.log").read_text()
    assert secret not in audit and key["AccessKeyId"] in audit
    assert secret not in script.stdout.getvalue() + script.stderr.getvalue()
    assert step.check(ctx).status == Status.OK


def test_app_key_that_belongs_to_someone_else_is_reported(scripted, aws, names, heroku_state):
    _, user, app = names
    heroku_state.find_app(app).config["AWS_ACCESS_KEY_ID"] = "AKIAOPERATORSOWNKEY0"
    ctx = scripted().ctx
    check = AwsStep(Answers(ctx)).check(ctx)
    assert check.status == Status.PENDING
    assert any("AKIAOPERATORSOWNKEY0" in line and f"not an active key of {user}" in line for line in check.details)


def test_policy_and_public_access_drift(scripted, aws, names):
    bucket, user, _ = names
    s3 = aws.client("s3")
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": ["s3:Get*", "s3:List*"],
                        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                    }
                ],
            }
        ),
    )
    ctx = scripted().ctx
    step = AwsStep(Answers(ctx))
    check = step.check(ctx)
    assert check.status == Status.PENDING
    text = "\n".join(check.details)
    assert "blocks BlockPublicAcls" in text
    assert "embargoed=true" in text and "DeleteObjectVersion" in text and "s3:* statement" in text
    step.apply(ctx, step.plan(ctx))
    assert step.check(ctx).status == Status.OK
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    arn = aws.client("iam").get_user(UserName=user)["User"]["Arn"]
    assert policy_findings(policy, bucket, arn) == []


def test_iam_user_deleted_after_the_plan_stops_the_policy_write_with_its_name(scripted, aws, names):
    bucket, user, _ = names
    s3 = aws.client("s3")
    s3.delete_bucket_policy(Bucket=bucket)
    ctx = scripted().ctx
    step = AwsStep(Answers(ctx))
    changes = step.plan(ctx)
    assert f"policy of bucket {bucket}" in [c.target for c in changes]
    iam = aws.client("iam")  # someone else removes the user between the plan and its apply
    for key in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]:
        iam.delete_access_key(UserName=user, AccessKeyId=key["AccessKeyId"])
    iam.delete_user(UserName=user)
    with pytest.raises(NotFoundError, match=f"IAM user {user} is gone"):
        step.apply(ctx, changes)
    with pytest.raises(s3.exceptions.ClientError, match="NoSuchBucketPolicy"):
        s3.get_bucket_policy(Bucket=bucket)


def test_missing_bucket_is_created_as_terraform_makes_it(scripted, aws, sandbox, tmp_path):
    config = sandbox.config_path.read_text().replace(
        'bucket = "dandi-sandbox-staging-dandisets"', 'bucket = "dandi-sandbox-brand-new"'
    )
    sandbox.config_path.write_text(config)
    ctx = scripted().ctx
    step = AwsStep(Answers(ctx))
    check = step.check(ctx)
    assert check.status == Status.PENDING and "bucket dandi-sandbox-brand-new does not exist" in check.details
    step.apply(ctx, step.plan(ctx))
    s3 = aws.client("s3")
    assert s3.get_bucket_versioning(Bucket="dandi-sandbox-brand-new")["Status"] == "Enabled"
    assert step.check(ctx).status == Status.OK


def test_terraform_managed_environment_only_checks(scripted, aws, names, writes):
    bucket, _, _ = names
    aws.client("s3").put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    ctx = scripted().ctx
    step = AwsStep(Answers(ctx), manage=False)
    before = writes()
    check = step.check(ctx)
    assert check.status == Status.FAILED
    assert "Terraform manages AWS here" in check.hint
    assert step.plan(ctx) == []
    assert writes() == before


def test_unreachable_aws_is_a_clear_error(scripted, monkeypatch, sandbox):
    from dandiops.core.errors import UnavailableError

    script = scripted()
    script.ctx.environ["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9"  # nothing listens on the discard port
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    script.ctx.__dict__.pop("secrets", None)
    with pytest.raises(UnavailableError) as caught:
        script.ctx.aws().caller_identity()
    assert "could not reach http://127.0.0.1:9" in caught.value.message


def _new_bucket(sandbox, name: str) -> None:
    config = sandbox.config_path.read_text().replace('bucket = "dandi-sandbox-staging-dandisets"', f'bucket = "{name}"')
    sandbox.config_path.write_text(config)


def test_empty_bucket_name_gets_every_setting_of_the_module_and_a_second_run_plans_nothing(
    cli, aws, sandbox, writes, tmp_path
):
    bucket, logs, inventory = "dandi-sandbox-fresh", "dandi-sandbox-fresh-access-logs", "dandi-sandbox-fresh-inventory"
    _new_bucket(sandbox, bucket)
    answers = tmp_path / "answers.yaml"
    answers.write_text(f"aws:\n  log_bucket: {logs}\n")  # the inventory bucket keeps its default name
    before = writes()
    dry = cli("-e", "staging", "init", "--only", "aws", "--dry-run", "--json", "--answers", str(answers))
    assert dry.exit_code == 0, dry
    assert writes() == before
    [planned] = dry.json()["steps"]
    assert planned["status"] == "pending"
    assert [c["target"] for c in planned["changes"]] == [
        f"bucket {bucket}",
        f"versioning of bucket {bucket}",
        f"public access block of bucket {bucket}",
        f"encryption of bucket {bucket}",
        f"object ownership of bucket {bucket}",
        f"CORS of bucket {bucket}",
        f"policy of bucket {bucket}",
        f"bucket {logs}",
        f"encryption of bucket {logs}",
        f"policy of bucket {logs}",
        f"access logging of bucket {bucket}",
        f"lifecycle rules of bucket {bucket}",
        f"bucket {inventory}",
        f"policy of bucket {inventory}",
        f"inventory BlobDailyInventory of bucket {bucket}",
        f"inventory ZarrDailyInventory of bucket {bucket}",
        f"inventory LogBucketWeeklyInventory of bucket {logs}",
    ]

    applied = cli("-e", "staging", "init", "--only", "aws", "--yes", "--json", "--answers", str(answers))
    assert applied.exit_code == 0, applied
    assert applied.json()["steps"][0]["status"] == "applied"
    s3 = aws.client("s3")
    [rule] = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    [cors] = s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
    assert cors["AllowedOrigins"] == ["*"] and cors["ExposeHeaders"] == ["ETag"] and cors["MaxAgeSeconds"] == 3000
    assert set(cors["AllowedMethods"]) == {"PUT", "POST", "GET", "HEAD", "DELETE"}
    ownership = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
    assert ownership == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"]["TargetBucket"] == logs
    rules = {r["ID"]: r for r in s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]}
    assert rules["ExpireOldDeleteMarkers"]["Filter"] == {"Prefix": "blobs/"}
    assert rules["ExpireOldDeleteMarkers"]["NoncurrentVersionExpiration"]["NoncurrentDays"] == 30
    assert rules["ExpireOldManifestFileVersions"]["Filter"] == {"Prefix": "dandisets/"}
    inventories = {
        (name, c["Id"]): c
        for name in (bucket, logs)
        for c in s3.list_bucket_inventory_configurations(Bucket=name).get("InventoryConfigurationList", [])
    }
    assert sorted(inventories) == [
        (bucket, "BlobDailyInventory"),
        (bucket, "ZarrDailyInventory"),
        (logs, "LogBucketWeeklyInventory"),
    ]
    assert inventories[(logs, "LogBucketWeeklyInventory")]["Schedule"] == {"Frequency": "Weekly"}
    assert {c["Destination"]["S3BucketDestination"]["Bucket"] for c in inventories.values()} == {
        f"arn:aws:s3:::{inventory}"
    }
    [log_rule] = s3.get_bucket_encryption(Bucket=logs)["ServerSideEncryptionConfiguration"]["Rules"]
    assert log_rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    [grant] = json.loads(s3.get_bucket_policy(Bucket=inventory)["Policy"])["Statement"]
    assert grant["Condition"]["ArnLike"]["aws:SourceArn"] == [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{logs}"]

    counts = writes()
    again = cli("-e", "staging", "init", "--only", "aws", "--json")  # found from the bucket's logging now
    assert again.exit_code == 0, again
    assert again.json()["steps"][0]["status"] == "ok"
    assert writes() == counts


def test_drift_in_each_bucket_setting_is_reported_and_repaired_keeping_the_operators_own(scripted, aws, names):
    bucket, _, _ = names
    logs, inventory = f"{bucket}-logs", f"{bucket}-inventory"
    s3 = aws.client("s3")
    s3.delete_bucket_encryption(Bucket=bucket)
    s3.delete_bucket_cors(Bucket=bucket)
    s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={})
    operators_rule = {
        "ID": "OperatorsTmp",
        "Filter": {"Prefix": "tmp/"},
        "Status": "Enabled",
        "Expiration": {"Days": 7},
    }
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [operators_rule]})
    zarr = s3.get_bucket_inventory_configuration(Bucket=bucket, Id="ZarrDailyInventory")["InventoryConfiguration"]
    zarr["Schedule"] = {"Frequency": "Weekly"}  # (moto has no DeleteBucketInventoryConfiguration)
    s3.put_bucket_inventory_configuration(Bucket=bucket, Id="ZarrDailyInventory", InventoryConfiguration=zarr)
    operators_statement = {
        "Sid": "OperatorsReader",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:user/reader"},
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{logs}/*",
    }
    s3.put_bucket_policy(Bucket=logs, Policy=json.dumps({"Version": "2012-10-17", "Statement": [operators_statement]}))
    ctx = scripted().ctx
    step = AwsStep(Answers(ctx))
    check = step.check(ctx)
    assert check.status == Status.PENDING
    text = "\n".join(check.details)
    assert f"bucket {bucket} has no default encryption" in text
    assert f"bucket {bucket}: no CORS configuration" in text
    assert f"bucket {bucket} has server access logging off" in text
    assert (
        "no lifecycle rule ExpireOldDeleteMarkers" in text and "no lifecycle rule ExpireOldManifestFileVersions" in text
    )
    assert f"inventory ZarrDailyInventory of bucket {bucket} differs from Terraform's" in text
    assert f"log bucket {logs}: its policy does not let logging.s3.amazonaws.com write for {bucket}" in text
    assert [c.target for c in step.plan(ctx)] == [
        f"encryption of bucket {bucket}",
        f"CORS of bucket {bucket}",
        f"policy of bucket {logs}",
        f"access logging of bucket {bucket}",
        f"lifecycle rules of bucket {bucket}",
        f"inventory ZarrDailyInventory of bucket {bucket}",
    ]
    step.apply(ctx, step.plan(ctx))
    assert step.check(ctx).status == Status.OK
    assert step.plan(ctx) == []
    rules = [r["ID"] for r in s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]]
    assert sorted(rules) == ["ExpireOldDeleteMarkers", "ExpireOldManifestFileVersions", "OperatorsTmp"]
    sids = [s["Sid"] for s in json.loads(s3.get_bucket_policy(Bucket=logs)["Policy"])["Statement"]]
    assert sids == ["OperatorsReader", "S3ServerAccessLogsPolicy"]
    zarr = s3.get_bucket_inventory_configuration(Bucket=bucket, Id="ZarrDailyInventory")["InventoryConfiguration"]
    assert zarr["Schedule"] == {"Frequency": "Daily"}
    assert zarr["Destination"]["S3BucketDestination"]["Bucket"] == f"arn:aws:s3:::{inventory}"


def test_kms_encryption_is_kept_and_said(scripted, aws, names, writes):
    bucket, _, _ = names
    aws.client("s3").put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]
        },
    )
    ctx = scripted().ctx
    before = writes()
    check = AwsStep(Answers(ctx)).check(ctx)
    assert check.status == Status.OK, check
    assert f"bucket {bucket} encrypts with aws:kms where Terraform sets AES256; left as it is" in check.details
    assert writes() == before


def test_terraform_managed_bucket_without_logging_or_lifecycle_reports_both_and_writes_nothing(
    scripted, aws, names, writes
):
    bucket, _, _ = names
    s3 = aws.client("s3")
    s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={})
    s3.delete_bucket_lifecycle(Bucket=bucket)
    ctx = scripted().ctx
    step = AwsStep(Answers(ctx), manage=False)
    before = writes()
    check = step.check(ctx)
    assert check.status == Status.FAILED
    assert f"bucket {bucket} has server access logging off (Terraform logs it)" in check.details
    assert any("no lifecycle rule ExpireOldDeleteMarkers" in line for line in check.details)
    assert step.plan(ctx) == []
    assert writes() == before
