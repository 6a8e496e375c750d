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
    assert "versioned" in check.summary
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
