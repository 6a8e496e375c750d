"""Credentials, remembered dyno checks and the sandbox demo (the Actions secrets: test_fork_steps.py)."""

from __future__ import annotations

import json

import pytest

from dandiops.steps.base import Status
from dandiops.steps.credentials import CredentialsStep
from dandiops.wizard.init import run_init


def test_credentials_name_who_each_key_belongs_to(scripted, writes):
    ctx = scripted().ctx
    before = writes()
    check = CredentialsStep().check(ctx)
    assert check.status == Status.OK, check
    text = "\n".join(check.details)
    assert "Heroku: signed in as operator@example.org" in text
    assert "GitHub: admin access to dandi-sandbox/dandi-archive" in text and "repo" in text
    assert "AWS: arn:aws:" in text
    assert writes() == before


def test_a_rejected_heroku_key_fails_credentials_and_stops_init(cli, writes):
    before = writes()
    result = cli("-e", "staging", "init", "--non-interactive", "--json", env={"HEROKU_API_KEY": "HRKU-wrong-key"})
    assert result.exit_code == 4, result  # an authentication failure
    steps = result.json()["steps"]
    assert steps[0]["status"] == "failed" and "Heroku rejected the API key" in steps[0]["detail"]
    assert {s["status"] for s in steps[1:]} == {"skipped"}  # not reached: nothing else ran
    assert result.json()["verify"]["not_run"] == "init stopped at credentials before the clone was whole"
    assert "verify not run: init stopped at credentials" in result.stderr
    assert "HRKU-wrong-key" not in result.stdout + result.stderr
    assert writes() == before


def test_dyno_steps_are_remembered_per_database(scripted, staging_app, heroku_state, sandbox):
    """A new database (another Postgres add-on) makes the cache table step check with a dyno again."""
    first = run_init(scripted(interactive=False).ctx, only=["cachetable"])
    assert first.error is None and first.outcomes[0].status in (Status.APPLIED, Status.OK)
    dynos = lambda: [r for r in heroku_state.requests if r.method == "POST" and r.path.endswith("/dynos")]  # noqa: E731
    count = len(dynos())
    again = run_init(scripted(interactive=False).ctx, only=["cachetable"])
    assert again.outcomes[0].status == Status.OK and "remembered" in again.outcomes[0].detail
    assert len(dynos()) == count
    staging_app.addons[0].id = "00000000-0000-4000-8000-000000000000"  # the database was replaced
    third = run_init(scripted(interactive=False).ctx, only=["cachetable"])
    assert third.outcomes[0].status in (Status.OK, Status.APPLIED)
    assert len(dynos()) > count
    memo = json.loads((sandbox.workdir / ".dandiops" / "init-staging.json").read_text())["memo"]
    assert memo["dyno-check.cachetable"]["fingerprint"] == "00000000-0000-4000-8000-000000000000"


@pytest.mark.sandbox
def test_sandbox_demo_runs_init_and_status_with_no_account(monkeypatch, tmp_path):
    """`dandiops sandbox demo` on its own: its own sandbox, the bundled answers, no credentials at all."""
    from typer.testing import CliRunner

    from dandiops.cli.main import app

    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)
    monkeypatch.setenv("HEROKU_API_KEY", "the-operators-real-key-must-not-be-used")
    # Workflow runs at test pace, and init looking at them as often (the demo's own pace is for people).
    for name in ("DANDIOPS_SANDBOX_QUEUE_SECONDS", "DANDIOPS_SANDBOX_STEP_SECONDS", "DANDIOPS_POLL_INTERVAL"):
        monkeypatch.setenv(name, "0.05")
    result = CliRunner().invoke(app, ["sandbox", "demo", "--workdir", str(tmp_path / "demo")], catch_exceptions=False)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "Summary" in result.stdout and "Formation" in result.stdout  # init's summary, then status
    verify_table = result.stdout[result.stdout.index("verify staging") : result.stdout.index("Done:")]
    for check in ("api", "frontend-build", "github-login", "cors", "email", "github", "backups"):
        assert f"\n{check} " in verify_table, check  # a row of init's verify table
    assert "verify: every check passed" in result.stderr
    assert "re-ran init on the finished deployment: 0 write requests" in result.stderr
    from init_helpers import confirmations

    assert confirmations(tmp_path / "demo")["checklist.github-oauth-app"]
    import os

    assert os.environ["HEROKU_API_KEY"] == "the-operators-real-key-must-not-be-used"  # restored afterwards


def test_a_token_without_the_workflow_scope_fails_credentials(cli, github, writes):
    github.state.tokens["ghp_repo_scope_only"] = {"repo"}
    before = writes()
    result = cli("-e", "staging", "init", "--only", "credentials", env={"GITHUB_TOKEN": "ghp_repo_scope_only"})
    assert result.exit_code == 4, result
    assert "the token lacks the workflow scope" in result.stderr
    assert writes() == before
