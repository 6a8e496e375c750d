"""`dandiops email test`: one message through the app's own mail settings, into the sandbox's SES mailbox."""

from __future__ import annotations

import json
from urllib.parse import unquote, urlsplit

import pytest

pytestmark = pytest.mark.sandbox

STAGING_APP = "dandi-sandbox-api-staging"


def _record(sandbox) -> dict:
    return json.loads((sandbox.workdir / ".dandiops" / "email-tests.json").read_text())["environments"]["staging"]


def test_a_test_message_reaches_the_mailbox_and_is_recorded(cli, sandbox, heroku_state, mailbox, audit_lines):
    result = cli("email", "test", "-e", "staging", "--to", "someone@example.org", "--json")
    assert result.exit_code == 0, result
    data = result.json()
    smtp_host = sandbox.environment()["DANDIOPS_SMTP_HOST"]
    assert (data["delivered"], f"{data['host']}:{data['port']}", data["error"]) == (True, smtp_host, None)
    [message] = mailbox()
    assert (message["To"], message["From"], message["Subject"]) == (
        "someone@example.org",
        "admin@api.staging.dandi.test",
        "DANDI: test message from dandiops",
    )
    assert "dandi-sandbox-api-staging (staging)" in message.get_content()
    last = _record(sandbox)["last"]
    assert (last["to"], last["result"], last["app"]) == ("someone@example.org", "delivered", STAGING_APP)
    [line] = [entry for entry in audit_lines() if entry["action"] == "email.test"]
    assert line["result"] == "ok" and line["detail"]["to"] == "someone@example.org"
    password = unquote(urlsplit(heroku_state.apps[STAGING_APP].config["DJANGO_EMAIL_URL"]).password)
    everything = result.stdout + result.stderr + json.dumps(audit_lines()) + json.dumps(_record(sandbox))
    assert password not in everything


def test_with_ses_unreachable_or_refusing_it_exits_1_with_the_answer(cli, sandbox, heroku_state, smtp, mailbox):
    app = heroku_state.apps[STAGING_APP]
    url = urlsplit(app.config["DJANGO_EMAIL_URL"])
    app.config["DJANGO_EMAIL_URL"] = url._replace(netloc=url.netloc.replace(url.password, "Bwrong%2Fpassword")).geturl()
    refused = cli("email", "test", "-e", "staging", "--to", "someone@example.org")
    assert refused.exit_code == 1, refused
    assert "answered 535 Authentication Credentials Invalid" in refused.stderr
    assert "wrong" not in refused.stderr  # the password is masked like every secret config var value
    smtp.stop()
    unreachable = cli("email", "test", "-e", "staging", "--to", "someone@example.org")
    assert unreachable.exit_code == 1, unreachable
    assert (
        f"the test message to someone@example.org was not sent: cannot connect to the SMTP server "
        f"{smtp.address}: Connection refused"
    ) in unreachable.stderr
    last = _record(sandbox)["last"]
    assert (last["result"], last["detail"]) == (
        "failed",
        f"cannot connect to the SMTP server {smtp.address}: Connection refused",
    )
    assert mailbox() == []


def test_an_invalid_address_is_refused_before_any_dyno(cli, heroku_state):
    result = cli("email", "test", "-e", "staging", "--to", "not-an-address")
    assert result.exit_code == 2, result
    assert "invalid email address in --to: 'not-an-address' (no @)" in result.stderr
    assert heroku_state.writes() == []
    dry = cli("email", "test", "-e", "staging", "--to", "someone@example.org", "--dry-run")
    assert dry.exit_code == 0 and "would send a test message to someone@example.org" in dry.stderr
    assert heroku_state.writes() == []
