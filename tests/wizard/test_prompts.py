"""Prompts through the Prompter with questionary reading a pipe: answers, hidden secrets, Ctrl-C and resuming."""

from __future__ import annotations

import json

import pytest

from dandiops.steps.base import Status
from dandiops.wizard.init import run_init
from dandiops.wizard.prompter import Interrupted

ENTER = "\r"
CTRL_C = "\x03"


def _patches(heroku_state, app_name):
    return [r.body for r in heroku_state.requests if r.method == "PATCH" and r.path == f"/apps/{app_name}/config-vars"]


def test_missing_config_vars_are_asked_and_secrets_hidden(scripted, staging_app, heroku_state, sandbox, tmp_path):
    for name in ("DJANGO_DANDI_ADMIN_EMAIL", "DJANGO_EMAIL_URL"):
        del staging_app.config[name]
    # with Terraform the mail URL is Terraform's output, which the operator may be asked for
    text = sandbox.config_path.read_text()
    sandbox.config_path.write_text(
        text.replace("[environments.staging]\n", f'[environments.staging]\nterraform_dir = "{tmp_path}"\n')
    )
    mail_url = "smtp+tls://mailer:pipe-typed-secret@smtp.example.org:587"
    script = scripted(keys="admin@example.org" + ENTER + mail_url + ENTER)
    result = run_init(script.ctx, only=["config-vars"])
    assert result.error is None, result.error
    [outcome] = result.outcomes
    assert outcome.status == Status.APPLIED
    assert _patches(heroku_state, staging_app.name) == [
        {"DJANGO_DANDI_ADMIN_EMAIL": "admin@example.org", "DJANGO_EMAIL_URL": mail_url}
    ]
    state = (sandbox.workdir / ".dandiops" / "init-staging.json").read_text()
    assert json.loads(state)["answers"] == {"config.DJANGO_DANDI_ADMIN_EMAIL": "admin@example.org"}
    assert "pipe-typed-secret" not in state  # secrets are never remembered
    assert "pipe-typed-secret" not in script.stdout.getvalue() + script.stderr.getvalue()
    assert "pipe-typed-secret" not in (sandbox.workdir / "audit.log").read_text()


def test_an_invalid_answer_is_asked_again(scripted, staging_app, heroku_state):
    del staging_app.config["DJANGO_DANDI_DOI_API_PREFIX"]
    script = scripted(keys="doi-prefix" + ENTER + "\x7f" * len("doi-prefix") + "10.12345" + ENTER)
    result = run_init(script.ctx, only=["config-vars"])
    assert result.error is None, result.error
    assert staging_app.config["DJANGO_DANDI_DOI_API_PREFIX"] == "10.12345"


def test_ctrl_c_keeps_the_answers_and_the_next_init_resumes(scripted, staging_app, heroku_state, sandbox):
    for name in ("DJANGO_DANDI_ADMIN_EMAIL", "DJANGO_DANDI_JUPYTERHUB_URL"):
        del staging_app.config[name]
    first = scripted(keys="admin@example.org" + ENTER + CTRL_C)
    with pytest.raises(Interrupted):
        run_init(first.ctx, only=["config-vars"])
    state_path = sandbox.workdir / ".dandiops" / "init-staging.json"
    state = json.loads(state_path.read_text())
    assert state["answers"] == {"config.DJANGO_DANDI_ADMIN_EMAIL": "admin@example.org"}
    assert state["interrupted_at"] == "config-vars"
    assert _patches(heroku_state, staging_app.name) == []  # nothing applied half-way

    # only the question left unanswered is asked: the pipe holds just its answer
    second = scripted(keys="https://hub.example.org/" + ENTER)
    result = run_init(second.ctx, only=["config-vars"])
    assert result.error is None, result.error
    assert result.resumed_from == "config-vars"
    assert _patches(heroku_state, staging_app.name) == [
        {"DJANGO_DANDI_ADMIN_EMAIL": "admin@example.org", "DJANGO_DANDI_JUPYTERHUB_URL": "https://hub.example.org/"}
    ]
    assert json.loads(state_path.read_text())["interrupted_at"] is None


def test_checklist_confirmation_at_a_prompt_is_recorded(scripted, sandbox):
    script = scripted(keys="y")
    result = run_init(script.ctx, only=["heroku-access"])
    assert [o.status for o in result.outcomes] == [Status.CONFIRMED]
    from init_helpers import confirmations

    assert confirmations(sandbox.workdir)["checklist.heroku-access"]["by"]
    again = run_init(scripted(interactive=False).ctx, only=["heroku-access"])
    assert [o.status for o in again.outcomes] == [Status.CONFIRMED]  # not asked again


def test_checklist_declined_at_a_prompt_stays_manual(scripted):
    result = run_init(scripted(keys="n").ctx, only=["github-oauth-app"])
    assert [o.status for o in result.outcomes] == [Status.MANUAL]
    assert result.incomplete


def test_state_file_never_holds_a_known_secret(tmp_path):
    from dandiops.core.redact import SecretRegistry
    from dandiops.wizard.state import InitState

    secrets = SecretRegistry(["s3cret-value-123"])
    state = InitState.load(tmp_path / "state.json", environment="staging", app="app", secrets=secrets)
    state.set_answer("config.DJANGO_DANDI_ADMIN_EMAIL", "admin@example.org")
    state.set_answer("config.DJANGO_DANDI_JUPYTERHUB_URL", "https://x/?token=s3cret-value-123")
    text = (tmp_path / "state.json").read_text()
    assert "admin@example.org" in text and "s3cret-value-123" not in text
    assert (tmp_path / "state.json").stat().st_mode & 0o777 == 0o600


def test_production_is_confirmed_once_at_the_terminal_before_the_first_change(scripted, sandbox, heroku_state):
    prod = heroku_state.find_app(sandbox.heroku.environment_settings("production")["heroku_app"])
    del prod.config["DJANGO_DANDI_JUPYTERHUB_URL"]
    script = scripted(env_name="production", keys="https://hub.example.org/" + ENTER + prod.name + ENTER)
    result = run_init(script.ctx, only=["config-vars"])
    assert result.error is None, result.error
    assert prod.config["DJANGO_DANDI_JUPYTERHUB_URL"] == "https://hub.example.org/"

    del prod.config["DJANGO_DANDI_JUPYTERHUB_URL"]
    (sandbox.workdir / ".dandiops" / "init-production.json").unlink()
    wrong = scripted(env_name="production", keys="https://hub.example.org/" + ENTER + "not-the-app" + ENTER)
    result = run_init(wrong.ctx, only=["config-vars"])
    assert result.error is not None and result.error.exit_code == 11  # aborted: nothing was changed
    assert "DJANGO_DANDI_JUPYTERHUB_URL" not in prod.config
