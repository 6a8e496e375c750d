"""init's `email` step: SES identity, SMTP user and DJANGO_EMAIL_URL made through boto3 and the Heroku API,
proved by a message through the app; and the `ses-production-access` manual item."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import pytest

pytestmark = pytest.mark.sandbox

DOMAIN = "mail.staging.dandi.test"


def _set_in_config(sandbox, line: str) -> None:
    text = sandbox.config_path.read_text()
    sandbox.config_path.write_text(text.replace("[environments.staging]\n", f"[environments.staging]\n{line}\n"))


def test_email_from_a_new_domain_is_set_up_sends_and_a_rerun_writes_nothing(
    cli, sandbox, staging_app, aws, writes, mailbox, tmp_path
):
    _set_in_config(sandbox, f'email_domain = "{DOMAIN}"')
    for name in ("DJANGO_EMAIL_URL", "DJANGO_DEFAULT_FROM_EMAIL"):
        del staging_app.config[name]
    answers = tmp_path / "answers.yaml"
    answers.write_text("email:\n  iam_user: staging-mailer\n")
    args = ("-e", "staging", "init", "--non-interactive", "--answers", str(answers), "--only", "email")

    first = cli(*args, "--json")
    assert first.exit_code == 0, first
    [step] = first.json()["steps"]
    assert step["status"] == "applied"
    assert [c["target"] for c in step["changes"]] == [
        f"SES identity {DOMAIN}",
        "IAM user staging-mailer",
        "policy ses-send-raw-email of IAM user staging-mailer",
        "access key of IAM user staging-mailer",
        "config var DJANGO_EMAIL_URL",
        "config var DJANGO_DEFAULT_FROM_EMAIL",
    ]
    tokens = aws.client("ses").get_identity_dkim_attributes(Identities=[DOMAIN])["DkimAttributes"][DOMAIN]["DkimTokens"]
    printed = " ".join(first.stderr.split())
    for token in tokens:
        assert f"{token}._domainkey.{DOMAIN} CNAME {token}.dkim.amazonses.com" in printed
    iam = aws.client("iam")
    [key] = iam.list_access_keys(UserName="staging-mailer")["AccessKeyMetadata"]
    assert iam.get_user_policy(UserName="staging-mailer", PolicyName="ses-send-raw-email")["PolicyDocument"] == {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "ses:SendRawEmail", "Resource": "*"}],
    }
    url = urlsplit(staging_app.config["DJANGO_EMAIL_URL"])
    assert (url.scheme, unquote(url.username), f"{url.hostname}:{url.port}") == (
        "smtp+tls",
        key["AccessKeyId"],
        sandbox.environment()["DANDIOPS_SMTP_HOST"],
    )
    assert staging_app.config["DJANGO_DEFAULT_FROM_EMAIL"] == f"admin@{DOMAIN}"
    password = unquote(url.password)
    kept = (sandbox.workdir / "audit.log").read_text() + (
        sandbox.workdir / ".dandiops" / "created-keys.json"
    ).read_text()
    assert password not in first.stdout + first.stderr + kept
    assert key["AccessKeyId"] in kept

    sent = cli("email", "test", "-e", "staging", "--to", "someone@example.org")
    assert sent.exit_code == 0, sent  # SES's SMTP took the derived password
    [message] = mailbox()
    assert message["From"] == f"admin@{DOMAIN}"

    before = writes()
    again = cli(*args, "--json")
    assert again.exit_code == 0, again
    assert again.json()["steps"][0]["status"] == "ok"
    assert writes() == before


def test_the_ses_sandbox_is_a_manual_item_with_the_console_link(cli, aws, tmp_path):
    aws.set_ses_production_access(False)
    args = ("-e", "staging", "init", "--only", "ses-production-access")
    planned = cli(*args, "--dry-run", "--json")
    [step] = planned.json()["steps"]
    assert step["status"] == "manual"
    assert "still in the SES sandbox: it delivers only to verified addresses" in step["detail"]
    assert "https://console.aws.amazon.com/ses/home?region=us-east-2#/account" in " ".join(step["details"])
    unanswered = cli(*args, "--non-interactive")
    assert unanswered.exit_code == 2 and "checklist.ses-production-access" in unanswered.stderr
    answers = tmp_path / "answers.yaml"
    answers.write_text("checklist:\n  ses-production-access: true\n")
    confirmed = cli(*args, "--non-interactive", "--answers", str(answers), "--json")
    assert confirmed.exit_code == 0, confirmed
    confirmed = cli(*args, "--json")
    [step] = confirmed.json()["steps"]
    assert step["status"] == "confirmed" and "still in the SES sandbox" in step["detail"]
    aws.set_ses_production_access(True)
    [step] = cli(*args, "--json").json()["steps"]
    assert (step["status"], step["detail"]) == (
        "ok",
        "the SES account in us-east-2 has production access: 50000 messages a day",
    )


def test_a_sender_outside_the_domain_fails_and_another_smtp_server_is_left_alone(cli, sandbox, staging_app, aws):
    args = ("-e", "staging", "init", "--non-interactive", "--only", "email", "--json")
    staging_app.config["DJANGO_DEFAULT_FROM_EMAIL"] = "info@staging.dandi.test"
    wrong_sender = cli(*args)
    assert wrong_sender.exit_code == 6, wrong_sender
    [step] = wrong_sender.json()["steps"]
    assert step["status"] == "failed"
    assert "DJANGO_DEFAULT_FROM_EMAIL is info@staging.dandi.test, not an address @api.staging.dandi.test" in " ".join(
        step["details"]
    )
    assert 'email_domain = "staging.dandi.test"' in " ".join(step["details"])

    staging_app.config["DJANGO_EMAIL_URL"] = "smtp+tls://apikey:provider-secret@smtp.provider.example:587"
    before = len(aws.writes())
    foreign = cli(*args)
    assert foreign.exit_code == 0, foreign
    [step] = foreign.json()["steps"]
    assert step["detail"] == "mail goes through smtp.provider.example:587"
    assert len(aws.writes()) == before


def test_with_terraform_the_step_only_checks(cli, sandbox, staging_app, aws, tmp_path):
    _set_in_config(sandbox, f'terraform_dir = "{tmp_path}"')
    del staging_app.config["DJANGO_EMAIL_URL"]
    before = len(aws.writes())
    result = cli("-e", "staging", "init", "--non-interactive", "--only", "email", "--json")
    assert result.exit_code == 6, result
    [step] = result.json()["steps"]
    assert step["status"] == "failed" and "the app has no DJANGO_EMAIL_URL" in step["details"]
    assert step["detail"] == "1 difference from Terraform's email setup"
    assert "Terraform manages email here" in " ".join(step["details"])
    assert len(aws.writes()) == before and "DJANGO_EMAIL_URL" not in staging_app.config
