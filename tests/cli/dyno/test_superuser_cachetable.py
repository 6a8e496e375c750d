"""`dandiops superuser create` and `dandiops cachetable create` against the miniature archive."""

from __future__ import annotations

import json

import pytest

from dyno_helpers import STAGING_APP, audit_lines, dyno_posts

PASSWORD = "correct horse battery staple"


def _table_exists(staging) -> bool:
    lines = staging.query(
        "from django.db import connection; print('dandi_cache_table' in connection.introspection.table_names())"
    )
    return lines[-1] == "True"


# --- superuser -------------------------------------------------------------------------------
def test_superuser_is_created_with_the_password_only_in_the_dyno_env(cli, staging, heroku_state):
    result = cli(
        "superuser",
        "create",
        "-e",
        "staging",
        "--email",
        "admin@dandi.test",
        "--password-stdin",
        "--json",
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result
    data = result.json()
    assert (data["created"], data["exists"], data["is_superuser"]) == (True, False, True)
    user = staging.users()["admin@dandi.test"]
    assert (user["status"], user["is_superuser"], user["is_active"]) == ("APPROVED", True, True)
    [post] = dyno_posts(heroku_state)
    assert PASSWORD not in post.body["command"] and "admin@dandi.test" not in post.body["command"]
    assert post.body["env"]["DJANGO_SUPERUSER_PASSWORD"] == PASSWORD
    assert "createsuperuser" in post.body["command"]
    [line] = audit_lines()
    assert (line["action"], line["detail"]["email"]) == ("superuser.create", "admin@dandi.test")
    assert PASSWORD not in json.dumps(line) and PASSWORD not in result.stdout + result.stderr


def test_a_short_password_leaves_the_email_that_contains_it_intact(cli, staging):
    result = cli(
        "superuser",
        "create",
        "-e",
        "staging",
        "--email",
        "short@dandi.test",
        "--json",
        env={"DJANGO_SUPERUSER_PASSWORD": "short"},
    )
    assert result.exit_code == 0, result
    assert result.json()["email"] == "short@dandi.test"
    assert "created superuser short@dandi.test on dandi-sandbox-api-staging" in result.stderr
    [line] = audit_lines()
    assert line["detail"]["email"] == "short@dandi.test"


def test_existing_superuser_is_reported_and_left_alone(cli, staging):
    first = cli(
        "superuser", "create", "-e", "staging", "--email", "admin@dandi.test", "--password-stdin", input=PASSWORD
    )
    assert first.exit_code == 0, first
    again = cli(
        "superuser",
        "create",
        "-e",
        "staging",
        "--email",
        "admin@Dandi.Test",
        "--password-stdin",
        input="another password",
    )
    assert again.exit_code == 0, again
    assert "superuser admin@dandi.test already exists" in again.stderr.lower()
    assert len(audit_lines()) == 1  # no second change recorded
    assert list(staging.users()) == ["admin@dandi.test"]


def test_an_existing_ordinary_user_is_not_promoted(cli, staging):
    staging.seed([{"email": "someone@example.org", "status": "APPROVED"}])
    result = cli(
        "superuser", "create", "-e", "staging", "--email", "someone@example.org", "--password-stdin", input=PASSWORD
    )
    assert result.exit_code == 0, result
    assert "exists on dandi-sandbox-api-staging but is not a superuser" in result.stderr
    assert staging.users()["someone@example.org"]["is_superuser"] is False
    assert audit_lines() == []


def test_password_from_the_environment_and_login_verified(cli, staging, sandbox):
    result = cli(
        "superuser",
        "create",
        "-e",
        "staging",
        "--email",
        "admin@dandi.test",
        "--verify-login",
        "--json",
        env={"DJANGO_SUPERUSER_PASSWORD": PASSWORD},
    )
    assert result.exit_code == 0, result
    assert result.json()["login_verified"] is True
    assert "logged in to https://api.staging.dandi.test/admin/" in result.stderr
    web_log = "\n".join(sandbox.heroku.state.log_lines[STAGING_APP])
    assert 'POST /admin/login/?next=/admin/ HTTP/1.1" 302' in web_log


def test_each_client_of_the_web_router_keeps_its_own_session(cli, staging, sandbox):
    import httpx

    from dandiops.sandbox.dyno.web import ArchiveWebComponent

    create_and_log_in = ("superuser", "create", "-e", "staging", "--password-stdin", "--verify-login")
    for email in ("admin@dandi.test", "second-admin@dandi.test"):
        result = cli(*create_and_log_in, "--email", email, input=PASSWORD)
        assert result.exit_code == 0, result
        assert "logged in to https://api.staging.dandi.test/admin/" in result.stderr
    router = next(c for c in sandbox.components if isinstance(c, ArchiveWebComponent)).routers["staging"]
    anonymous = httpx.get(f"{router.url}/admin/")
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous.headers["location"]


def test_a_wrong_password_fails_the_login_check(cli, staging):
    assert (
        cli(
            "superuser", "create", "-e", "staging", "--email", "admin@dandi.test", "--password-stdin", input=PASSWORD
        ).exit_code
        == 0
    )
    result = cli(
        "superuser",
        "create",
        "-e",
        "staging",
        "--email",
        "admin@dandi.test",
        "--password-stdin",
        "--verify-login",
        input="not the password",
    )
    assert result.exit_code == 4, result
    assert "logging in to https://api.staging.dandi.test/admin/" in result.stderr and "failed" in result.stderr
    assert "the email's case" in result.stderr and "lower-cased" in result.stderr


def test_the_miniature_createsuperuser_stores_and_refuses_emails_as_the_archive_does(staging):
    create = (
        "from django.core.management import call_command; from django.core.management.base import CommandError\n"
        "try:\n"
        "    call_command('createsuperuser', interactive=False, email={email!r}, verbosity=0)\n"
        "except CommandError as exc:\n"
        "    print('refused:', exc)\n"
    )
    staging.query(create.format(email="Admin@EXAMPLE.Org"))
    lines = staging.query(
        "from django.contrib.auth.models import User; print([(u.username, u.email) for u in User.objects.all()])"
    )
    assert lines[-1] == "[('Admin@example.org', 'Admin@example.org')]"
    assert (
        staging.query(create.format(email="Admin@example.ORG"))[-1]
        == "refused: Error: That email address is already taken."
    )


def test_an_upper_case_domain_is_created_and_found_as_the_archive_stores_it(cli, staging):
    created = cli(
        "superuser",
        "create",
        "-e",
        "staging",
        "--email",
        "admin@DANDI.Test",
        "--password-stdin",
        "--json",
        input=PASSWORD,
    )
    assert created.exit_code == 0, created
    assert (created.json()["email"], created.json()["created"]) == ("admin@dandi.test", True)
    assert staging.users()["admin@dandi.test"]["is_superuser"] is True
    [line] = audit_lines()
    assert line["detail"]["email"] == "admin@dandi.test"
    again = cli(
        "superuser", "create", "-e", "staging", "--email", "admin@DANDI.TEST", "--password-stdin", input=PASSWORD
    )
    assert again.exit_code == 0, again
    assert "superuser admin@dandi.test already exists" in again.stderr


def test_capital_letters_before_the_at_are_refused_with_the_reason_before_any_request(cli, heroku_state):
    for extra in ((), ("--dry-run",)):
        result = cli(
            "superuser",
            "create",
            "-e",
            "staging",
            "--email",
            "Case.Admin@EXAMPLE.ORG",
            "--password-stdin",
            *extra,
            input=PASSWORD,
        )
        assert result.exit_code == 2, result
        assert "--email Case.Admin@EXAMPLE.ORG: capital letters before @" in result.stderr
        assert "could never log in" in result.stderr and "use case.admin@example.org instead" in result.stderr
    assert heroku_state.writes() == []


def test_a_superuser_stored_with_capitals_before_the_at_cannot_log_in(sandbox, staging, monkeypatch):
    from dandiops.core.errors import AuthError
    from dandiops.providers.archive_admin import verify_admin_login

    for key, value in sandbox.environment().items():
        monkeypatch.setenv(key, value)
    staging.query(
        "from dandiapi.api.models import EmailAsUsernameProxyUser as U; "
        f"U.objects.create_superuser(email='Case.Admin@example.org', password={PASSWORD!r})"
    )
    for typed in ("Case.Admin@example.org", "case.admin@example.org"):
        with pytest.raises(AuthError) as failed:
            verify_admin_login("https://api.staging.dandi.test", typed, PASSWORD)
        assert "the email's case" in failed.value.hint and "lower-cased" in failed.value.hint


def test_password_is_never_accepted_as_an_option(cli, heroku_state):
    result = cli("superuser", "create", "-e", "staging", "--email", "admin@dandi.test", "--password", PASSWORD)
    assert result.exit_code != 0, result
    assert "No such option: --password" in result.stderr
    assert PASSWORD not in result.stdout + result.stderr
    assert heroku_state.writes() == []


def test_no_password_source_without_a_terminal_names_the_flag(cli, heroku_state):
    result = cli("superuser", "create", "-e", "staging", "--email", "admin@dandi.test")
    assert result.exit_code == 2, result
    assert "--password-stdin or set DJANGO_SUPERUSER_PASSWORD" in result.stderr
    assert heroku_state.writes() == []


def test_empty_stdin_password_is_refused(cli, heroku_state):
    result = cli("superuser", "create", "-e", "staging", "--email", "admin@dandi.test", "--password-stdin", input="")
    assert result.exit_code == 2, result
    assert "stdin held no password" in result.stderr
    assert heroku_state.writes() == []


def test_bad_email_is_refused_before_any_request(cli, heroku_state):
    result = cli(
        "superuser", "create", "-e", "staging", "--email", "admin at dandi", "--password-stdin", input=PASSWORD
    )
    assert result.exit_code == 2, result
    assert "invalid email address in --email: 'admin at dandi'" in result.stderr
    assert heroku_state.writes() == []


def test_production_needs_confirmation(cli, heroku_state):
    result = cli(
        "superuser", "create", "-e", "production", "--email", "admin@dandi.test", "--password-stdin", input=PASSWORD
    )
    assert result.exit_code == 2, result
    assert "pass --yes" in result.stderr
    assert heroku_state.writes() == []


def test_superuser_dry_run_creates_nothing_and_has_the_fields_of_a_real_run(cli, staging):
    result = cli("superuser", "create", "-e", "staging", "--email", "admin@dandi.test", "--dry-run", "--json")
    assert result.exit_code == 0, result
    dry = result.json()
    assert {key: dry[key] for key in ("env", "app", "email", "dry_run", "exists", "created", "login_verified")} == {
        "env": "staging",
        "app": STAGING_APP,
        "email": "admin@dandi.test",
        "dry_run": True,
        "exists": False,
        "created": False,
        "login_verified": None,
    }
    assert "would create superuser admin@dandi.test" in result.stderr
    assert f"dry run of creating superuser admin@dandi.test: environment staging, app {STAGING_APP}" in result.stderr
    assert staging.users() == {}
    assert audit_lines() == []
    real = cli(
        "superuser",
        "create",
        "-e",
        "staging",
        "--email",
        "admin@dandi.test",
        "--password-stdin",
        "--json",
        input=PASSWORD,
    )
    assert real.exit_code == 0, real
    assert sorted(real.json()) == sorted(dry) and real.json()["dry_run"] is False


# --- cache table ------------------------------------------------------------------------------
def test_cachetable_create_is_safe_to_repeat(cli, staging):
    assert not _table_exists(staging)
    first = cli("cachetable", "create", "-e", "staging", "--json")
    assert first.exit_code == 0, first
    assert first.json()["outcome"] == "created"
    assert _table_exists(staging)
    again = cli("cachetable", "create", "-e", "staging", "--json")
    assert again.exit_code == 0, again
    assert again.json()["outcome"] == "exists"
    assert "already exists" in again.stderr
    assert [line["action"] for line in audit_lines()] == ["cachetable.create"]


def test_cachetable_dry_run_shows_the_sql_creates_nothing_and_has_the_fields_of_a_real_run(cli, staging):
    result = cli("cachetable", "create", "-e", "staging", "--dry-run", "--json")
    assert result.exit_code == 0, result
    data = result.json()
    assert data["exists"] is False and data["dry_run"] is True and data["outcome"] is None
    assert any(line.startswith('CREATE TABLE "dandi_cache_table"') for line in data["sql"])
    assert f"dry run of creating cache table dandi_cache_table: environment staging, app {STAGING_APP}" in result.stderr
    assert not _table_exists(staging)
    assert audit_lines() == []
    real = cli("cachetable", "create", "-e", "staging", "--json")
    assert real.exit_code == 0, real
    assert sorted(real.json()) == sorted(data) and real.json()["dry_run"] is False


def test_cachetable_step_check_plan_apply(sandbox, staging, monkeypatch):
    from dandiops.app.context import Context
    from dandiops.steps.base import Status
    from dandiops.steps.cachetable import CacheTableStep

    for key, value in sandbox.environment().items():
        monkeypatch.setenv(key, value)
    context = Context(env_name="staging")
    step = CacheTableStep()
    assert step.check(context).status == Status.PENDING
    changes = step.plan(context)
    assert [c.describe() for c in changes] == ["create cache table dandi_cache_table"]
    assert step.apply(context, changes) == changes
    assert step.check(context).status == Status.OK
    assert step.plan(context) == []


def test_superuser_step_check_plan_apply(sandbox, staging, monkeypatch):
    from dandiops.app.context import Context
    from dandiops.steps.base import Status
    from dandiops.steps.superuser import SuperuserStep

    for key, value in sandbox.environment().items():
        monkeypatch.setenv(key, value)
    context = Context(env_name="staging")
    step = SuperuserStep("admin@dandi.test", lambda: PASSWORD)
    assert step.check(context).status == Status.PENDING
    changes = step.plan(context)
    assert [c.describe() for c in changes] == ["create superuser admin@dandi.test"]
    assert step.apply(context, changes) == changes
    assert step.check(context).status == Status.OK
    assert step.plan(context) == []
    assert staging.users()["admin@dandi.test"]["is_superuser"] is True
