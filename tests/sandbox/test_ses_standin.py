"""The sandbox's SES: what moto lacks (v2 GetAccount) answered as botocore's model says, and its SMTP
interface, which signs in and refuses as SES's does."""

from __future__ import annotations

import smtplib
import ssl
from urllib.parse import unquote, urlsplit

import pytest

from dandiops.providers.aws import ses_smtp_password

pytestmark = pytest.mark.sandbox

STAGING_APP = "dandi-sandbox-api-staging"
SENDER = "admin@api.staging.dandi.test"


def test_get_account_answers_in_the_models_shape_with_production_access_as_set(aws):
    from dandiops.sandbox.aws import model_problems

    sesv2 = aws.client("sesv2")
    granted = sesv2.get_account()
    aws.set_ses_production_access(False)
    sandboxed = sesv2.get_account()
    for answer in (granted, sandboxed):
        body = {k: v for k, v in answer.items() if k != "ResponseMetadata"}
        assert model_problems("sesv2", "GetAccount", body) == []
    assert (granted["ProductionAccessEnabled"], granted["SendingEnabled"]) == (True, True)
    assert sandboxed["ProductionAccessEnabled"] is False
    assert sandboxed["SendQuota"]["Max24HourSend"] == 200.0 and sandboxed["SendQuota"]["MaxSendRate"] == 1.0


def test_model_problems_names_what_breaks_the_output_shape():
    from dandiops.sandbox.aws import model_problems

    problems = model_problems(
        "sesv2", "GetAccount", {"ProductionAccessEnabled": "yes", "SendQuota": {"Max24HourSend": True}, "Extra": 1}
    )
    assert sorted(problems) == [
        "GetAccount.Extra: not a member of GetAccountResponse",
        "GetAccount.ProductionAccessEnabled: str where the model has a boolean",
        "GetAccount.SendQuota.Max24HourSend: bool where the model has a double",
    ]


def _credentials(heroku_state):
    url = urlsplit(heroku_state.apps[STAGING_APP].config["DJANGO_EMAIL_URL"])
    return url.port, unquote(url.username), unquote(url.password)


def _session(smtp, port, tls=True):
    client = smtplib.SMTP("127.0.0.1", port, timeout=10)
    if tls:
        client.starttls(context=ssl.create_default_context(cafile=str(smtp.cert_path)))
    return client


def test_smtp_signs_in_with_the_ses_password_of_a_moto_key_and_appends_what_it_accepts(
    smtp, aws, heroku_state, mailbox
):
    port, key_id, password = _credentials(heroku_state)
    with _session(smtp, port, tls=False) as plain:
        with pytest.raises(smtplib.SMTPException):  # no AUTH before STARTTLS
            plain.login(key_id, password)
    iam = aws.client("iam")
    secret = iam.create_access_key(UserName="dandi-sandbox-api-staging-smtp")["AccessKey"]
    for login, wrong in [
        (key_id, password[:-2] + "xx"),
        (secret["AccessKeyId"], secret["SecretAccessKey"]),  # the secret itself is not the SMTP password
        (secret["AccessKeyId"], ses_smtp_password(secret["SecretAccessKey"], "us-west-1")),  # another region's
    ]:
        with _session(smtp, port) as client, pytest.raises(smtplib.SMTPAuthenticationError) as refused:
            client.login(login, wrong)
        assert (refused.value.smtp_code, refused.value.smtp_error) == (535, b"Authentication Credentials Invalid")
    with _session(smtp, port) as client:
        client.login(secret["AccessKeyId"], ses_smtp_password(secret["SecretAccessKey"], "us-east-2"))
        client.sendmail(
            SENDER, ["someone@example.org"], b"Subject: hello\r\nFrom: " + SENDER.encode() + b"\r\n\r\nFrom here\r\n"
        )
    [message] = mailbox()
    assert message["Subject"] == "hello" and message.get_content() == ">From here\n"


def test_smtp_refuses_as_ses_does(smtp, aws, heroku_state, mailbox):
    port, key_id, password = _credentials(heroku_state)

    def send(sender, recipients):
        with _session(smtp, port) as client:
            client.login(key_id, password)
            with pytest.raises(smtplib.SMTPDataError) as refused:
                client.sendmail(sender, recipients, b"Subject: x\r\n\r\nbody\r\n")
        return refused.value.smtp_code, refused.value.smtp_error.decode()

    assert send("admin@elsewhere.example", ["someone@example.org"]) == (
        554,
        "Message rejected: Email address is not verified. The following identities failed the check in region "
        "US-EAST-2: admin@elsewhere.example",
    )
    aws.set_ses_production_access(False)
    assert send(SENDER, ["someone@example.org", "ok@api.staging.dandi.test"])[1].endswith(
        "in region US-EAST-2: someone@example.org"
    )
    aws.set_ses_production_access(True)
    aws.client("iam").delete_user_policy(UserName="dandi-sandbox-api-staging-smtp", PolicyName="ses-send-raw-email")
    code, text = send(SENDER, ["someone@example.org"])
    assert code == 554 and text.startswith(
        "Access denied: User `arn:aws:iam::123456789012:user/dandi-sandbox-api-staging-smtp' is not authorized to "
        "perform `ses:SendRawEmail'"
    )
    assert mailbox() == []
