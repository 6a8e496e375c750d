"""`dandiops init` end to end against the sandbox (Heroku, GitHub, dynos) and moto."""

from __future__ import annotations

import json

from init_helpers import DEMO_ANSWERS, SUPERUSER_PASSWORD, confirmations

STEPS = [
    "credentials",
    "infrastructure",
    "aws",
    "email",
    "ses-production-access",
    "config-vars",
    "hosts",
    "domain",
    "release-chain",
    "fork",
    "first-deploy",
    "formation",
    "cachetable",
    "superuser",
    "backups",
    "email-alerts",
    "heroku-access",
    "frontend",
    "github-oauth-app",
    "auth",
]


def test_full_init_twice_second_run_writes_nothing_and_exits_0_though_verify_waits_on_an_email_test(
    cli, sandbox, heroku_state, aws, github, writes
):
    first = cli("-e", "staging", "init", "--non-interactive", "--answers", str(DEMO_ANSWERS))
    assert first.exit_code == 0, first
    assert "Summary" in first.stdout and "is set up" in first.stderr
    # the seeded clone's mail settings were already right: init sent no test message, and none was ever sent
    assert "verify staging" in first.stdout
    waiting_on_you = first.stdout[first.stdout.index("Waiting on you:") : first.stdout.index("Next:")]
    assert "email: `dandiops email test -e staging --to YOU@EXAMPLE.ORG`" in waiting_on_you
    assert "verify: 1 check of 10 did not pass: email; init's exit status is that of its steps" in first.stderr
    for name in STEPS:
        assert name in first.stdout
    assert SUPERUSER_PASSWORD not in first.stdout + first.stderr
    audit = (sandbox.workdir / "audit.log").read_text()
    actions = [json.loads(line)["action"] for line in audit.splitlines()]
    for action in ("cachetable.create", "superuser.create", "backups.schedule", "auth.site.set", "checklist.confirm"):
        assert action in actions
    assert SUPERUSER_PASSWORD not in audit
    state = json.loads((sandbox.workdir / ".dandiops" / "init-staging.json").read_text())
    assert set(state["memo"]) >= {"dyno-check.cachetable", "dyno-check.superuser"}
    assert set(confirmations(sandbox.workdir)) >= {"checklist.email-alerts", "checklist.github-oauth-app"}
    assert SUPERUSER_PASSWORD not in json.dumps(state)

    heroku_before = len(heroku_state.requests)
    github_before = len(github.state.requests)
    aws_before = len(aws.requests)
    counts = writes()
    second = cli("-e", "staging", "init", "--non-interactive", "--answers", str(DEMO_ANSWERS), "--json")
    assert second.exit_code == 0, second
    report = second.json()
    assert [s["step"] for s in report["steps"]] == STEPS
    assert {s["step"]: s["status"] for s in report["steps"]} == {
        **{name: "ok" for name in STEPS[: STEPS.index("backups") + 1]},
        **{name: "confirmed" for name in ("email-alerts", "heroku-access", "github-oauth-app")},
        "frontend": "ok",
        "auth": "ok",
    }
    assert [(c["name"], c["state"]) for c in report["verify"]["checks"] if not c["ok"]] == [("email", "waiting")]
    assert [item["step"] for item in report["end"]["waiting_on_operator"]] == ["verify"]
    assert writes() == counts
    # the logs themselves: reads only, and reads did happen on every stand-in
    heroku_methods = {r.method for r in heroku_state.requests[heroku_before:]}
    github_methods = {r.method for r in github.state.requests[github_before:]}
    aws_calls = aws.requests[aws_before:]
    assert heroku_methods == {"GET"}, heroku_methods
    assert github_methods <= {"GET", "HEAD"} and github_methods, github_methods
    assert aws_calls and not [r for r in aws_calls if r.write]

    # --recheck: the remembered cache table is checked with a dyno again, and nothing else is written
    before = len(heroku_state.requests)
    third = cli(
        "-e", "staging", "init", "--non-interactive", "--only", "cachetable", "--recheck", "cachetable", "--json"
    )
    assert third.exit_code == 0, third
    assert third.json()["steps"][0]["status"] == "ok"
    writes_now = [(r.method, r.path) for r in heroku_state.requests[before:] if r.method != "GET"]
    assert writes_now == [("POST", "/apps/dandi-sandbox-api-staging/dynos")]


def test_first_run_statuses(cli):
    result = cli(
        "-e",
        "staging",
        "init",
        "--non-interactive",
        "--answers",
        str(DEMO_ANSWERS),
        "--json",
        "--only",
        "hosts,formation,release-chain,fork,email-alerts",
    )
    assert result.exit_code == 0, result
    statuses = {s["step"]: s["status"] for s in result.json()["steps"]}
    assert statuses == {
        "hosts": "ok",
        "formation": "ok",
        "release-chain": "ok",
        "fork": "ok",
        "email-alerts": "confirmed",
    }


def test_dry_run_prints_every_plan_and_writes_nothing(cli, sandbox, staging_app, writes):
    del staging_app.config["DJANGO_DANDI_ADMIN_EMAIL"]
    before = writes()
    result = cli("-e", "staging", "init", "--dry-run", "--non-interactive")
    assert result.exit_code == 0, result
    assert "Plan (dry run" in result.stdout
    for name in ("hosts", "config-vars", "cachetable", "email-alerts"):
        assert name in result.stdout
    data = cli("-e", "staging", "init", "--dry-run", "--non-interactive", "--json").json()
    assert data["verify"] == {"checks": [], "passed": None, "not_run": "a dry run builds nothing to check"}
    plans = {s["step"]: [c["target"] + " " + str(c["after"]) for c in s["changes"]] for s in data["steps"]}
    assert plans["hosts"] == []  # the seeded app already allows its API host and web origin
    # an answer it would ask for is shown as such, not asked
    assert plans["config-vars"] == ["config var DJANGO_DANDI_ADMIN_EMAIL <asked: config.DJANGO_DANDI_ADMIN_EMAIL>"]
    dyno_step = next(s for s in data["steps"] if s["step"] == "cachetable")
    assert dyno_step["changes"][0]["action"].startswith("check with a one-off dyno")  # none is started now
    assert writes() == before
    assert not (sandbox.workdir / ".dandiops").exists()


def test_dry_run_json_lists_changes_and_names_the_app(cli, staging_app, writes):
    staging_app.config["DJANGO_ALLOWED_HOSTS"] = "old-api.example.org"
    before = writes()
    result = cli("-e", "staging", "init", "--dry-run", "--json", "--only", "hosts")
    assert result.exit_code == 0, result
    assert "dry run of dandiops init: environment staging, app dandi-sandbox-api-staging" in result.stderr
    data = result.json()
    assert data["dry_run"] is True
    [hosts] = data["steps"]
    assert hosts["status"] == "pending"
    assert hosts["changes"][0]["target"] == "config var DJANGO_ALLOWED_HOSTS"
    assert writes() == before


def test_only_and_from_select_steps(cli, writes):
    result = cli("-e", "staging", "init", "--only", "credentials,formation", "--json")
    assert result.exit_code == 0, result
    assert [s["step"] for s in result.json()["steps"]] == ["credentials", "formation"]
    assert "verify not run: init ran only some of its steps; `dandiops verify -e staging`" in result.stderr
    result = cli("-e", "staging", "init", "--from", "release-chain", "--dry-run", "--json")
    assert [s["step"] for s in result.json()["steps"]] == STEPS[STEPS.index("release-chain") :]


def test_unknown_step_is_a_usage_error_that_changes_nothing(cli, writes):
    before = writes()
    result = cli("-e", "staging", "init", "--only", "hostz")
    assert result.exit_code == 2
    assert "unknown step 'hostz'" in result.stderr and "credentials, infrastructure" in result.stderr
    result = cli("-e", "staging", "init", "--only", "hosts", "--from", "aws")
    assert result.exit_code == 2 and "cannot be combined" in result.stderr
    result = cli("-e", "staging", "init", "--recheck", "hosts")
    assert result.exit_code == 2 and "--recheck hosts" in result.stderr
    assert writes() == before


def test_non_interactive_fails_fast_naming_every_missing_answer(cli, staging_app, writes, monkeypatch):
    for name in ("DJANGO_DANDI_ADMIN_EMAIL", "DJANGO_EMAIL_URL"):
        del staging_app.config[name]
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD")
    before = writes()
    result = cli("-e", "staging", "init", "--non-interactive")
    assert result.exit_code == 2, result
    for key in (
        "config.DJANGO_DANDI_ADMIN_EMAIL",
        "superuser.email",
        "superuser.password",
        "checklist.email-alerts",
    ):
        assert key in result.stderr
    assert "config.DJANGO_EMAIL_URL" not in result.stderr  # the email step makes it from SES
    assert "set DJANGO_SUPERUSER_PASSWORD" in result.stderr  # a secret is named by its variable, never asked in a file
    assert writes() == before  # nothing at all was changed, although hosts and email had changes to make


def test_answers_file_with_a_secret_is_refused(cli, tmp_path, writes):
    answers = tmp_path / "answers.yaml"
    answers.write_text("config:\n  DJANGO_EMAIL_URL: smtp://user:hunter2@mail.example.org:587\n")
    before = writes()
    result = cli("-e", "staging", "init", "--non-interactive", "--answers", str(answers))
    assert result.exit_code == 3
    assert "holds secret values (config.DJANGO_EMAIL_URL)" in result.stderr
    assert "hunter2" not in result.stderr + result.stdout
    assert writes() == before


def test_a_superuser_email_with_capitals_before_the_at_is_an_invalid_answer(cli, tmp_path, writes):
    before = writes()
    answers = tmp_path / "answers.toml"
    answers.write_text('[superuser]\nemail = "Admin@example.org"\n')
    result = cli("-e", "staging", "init", "--non-interactive", "--answers", str(answers), "--only", "superuser")
    assert result.exit_code == 3, result  # an answers file is configuration
    assert "invalid answer for superuser.email" in result.stderr
    assert "capital letters before @" in result.stderr and "could never log in" in result.stderr
    assert writes() == before


def test_invalid_and_missing_answers_files(cli, tmp_path, writes):
    before = writes()
    bad = tmp_path / "bad.toml"
    bad.write_text('[superuser]\nemail = "not-an-email"\n')
    result = cli("-e", "staging", "init", "--non-interactive", "--answers", str(bad), "--only", "superuser")
    assert result.exit_code == 3 and "invalid answer for superuser.email" in result.stderr
    result = cli("-e", "staging", "init", "--answers", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2 and "does not exist" in result.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text("config: [unclosed\n")
    result = cli("-e", "staging", "init", "--answers", str(broken))
    assert result.exit_code == 3 and "not valid YAML" in result.stderr
    assert writes() == before


def test_toml_answers_file_works_like_yaml(cli, tmp_path):
    answers = tmp_path / "answers.toml"
    answers.write_text('[checklist]\nemail-alerts = true\nheroku-access = "yes"\n')
    result = cli(
        "-e",
        "staging",
        "init",
        "--non-interactive",
        "--answers",
        str(answers),
        "--only",
        "email-alerts,heroku-access",
        "--json",
    )
    assert result.exit_code == 0, result
    assert [s["status"] for s in result.json()["steps"]] == ["confirmed", "confirmed"]


def test_declined_checklist_item_stays_manual_and_exit_6(cli, tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text("checklist:\n  heroku-access: false\n")
    result = cli("-e", "staging", "init", "--non-interactive", "--answers", str(answers), "--only", "heroku-access")
    assert result.exit_code == 6, result
    assert "manual" in result.stdout and "1 step still needs attention: heroku-access" in result.stderr


def test_production_needs_yes_without_a_terminal(cli, heroku_state, writes):
    heroku_state.apps["dandi-sandbox-api"].config["DJANGO_ALLOWED_HOSTS"] = "old-api.example.org"
    before = writes()
    result = cli("-e", "production", "init", "--non-interactive", "--answers", str(DEMO_ANSWERS), "--only", "hosts")
    assert result.exit_code == 2, result
    assert "needs confirmation" in result.stderr and "--yes" in result.stderr
    assert writes() == before
    result = cli("-e", "production", "init", "--non-interactive", "--only", "hosts", "--yes", "--json")
    assert result.exit_code == 0, result
    assert result.json()["steps"][0]["status"] == "applied"


def test_fail_fast_still_reports_every_check(cli, staging_app):
    del staging_app.config["DJANGO_DANDI_ADMIN_EMAIL"]
    staging_app.config["DJANGO_ALLOWED_HOSTS"] = "old-api.example.org"
    result = cli("-e", "staging", "init", "--non-interactive", "--json", "--only", "config-vars,hosts")
    assert result.exit_code == 2, result
    data = result.json()
    assert {s["step"]: s["status"] for s in data["steps"]} == {"config-vars": "pending", "hosts": "pending"}
    assert "config.DJANGO_DANDI_ADMIN_EMAIL" in data["error"]["message"]


def test_email_alerts_confirmed_through_dandiops_alerts_count_for_init(cli, tmp_path):
    confirmed = cli(
        "alerts", "-e", "production", "--yes", "--confirm", "threshold-alerts", "--confirm", "alert-recipients"
    )  # threshold alerts need Standard dynos, as production has
    assert confirmed.exit_code == 0, confirmed
    result = cli("-e", "production", "init", "--non-interactive", "--only", "email-alerts", "--json")
    assert result.exit_code == 0, result
    [step] = result.json()["steps"]
    assert step["status"] == "confirmed"


def test_recheck_accepts_every_remembered_step(cli, writes):
    before = writes()
    result = cli("-e", "staging", "init", "--dry-run", "--only", "auth", "--recheck", "auth", "--json")
    assert result.exit_code == 0, result
    assert [s["step"] for s in result.json()["steps"]] == ["auth"]
    assert writes() == before


def test_first_run_checks_each_dyno_step_with_one_dyno(cli, heroku_state):
    """check and plan share one look (a dyno each is slow on Heroku): check, then create."""
    result = cli(
        "-e", "staging", "init", "--non-interactive", "--answers", str(DEMO_ANSWERS), "--only", "cachetable,superuser"
    )
    assert result.exit_code == 0, result
    dynos = [r.body["command"] for r in heroku_state.requests if r.method == "POST" and r.path.endswith("/dynos")]
    assert len(dynos) == 4, dynos  # cachetable: check, create; superuser: look up, create


def test_only_reports_the_steps_it_ran_and_those_it_did_not(cli, tmp_path):
    answers = tmp_path / "answers.toml"
    answers.write_text('[checklist]\nemail-alerts = true\nheroku-access = "yes"\n')
    result = cli(
        "-e", "staging", "init", "--non-interactive", "--answers", str(answers), "--only", "email-alerts,heroku-access"
    )
    assert result.exit_code == 0, result
    assert "is set up" not in result.stderr
    assert "done on staging" in result.stderr and "email-alerts, heroku-access" in result.stderr
    assert "not run (18 of 20 steps)" in result.stderr and "credentials" in result.stderr
    result = cli(
        "-e", "staging", "init", "--non-interactive", "--answers", str(answers), "--only", "email-alerts", "--json"
    )
    assert result.exit_code == 0, result
    data = result.json()
    assert (
        data["ran"] == ["email-alerts"]
        and "heroku-access" in data["not_run"]
        and len(data["not_run"]) == len(STEPS) - 1
    )
