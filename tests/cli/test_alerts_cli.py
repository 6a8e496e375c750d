"""`dandiops alerts`: the API part applied once, the dashboard part as a checklist with confirmations."""

import json

import pytest

from ops_helpers import PRODUCTION, STAGING, applied, mutations

FEATURE = "log-runtime-metrics"


def confirmations_file(sandbox):
    return sandbox.workdir / ".dandiops" / "confirmations.json"


def items(result):
    return {item["id"]: item for item in result.json()["checklist"]}


def test_enables_runtime_metrics_and_lists_the_checklist(cli, heroku_state, app_features, audit_lines):
    result = cli("alerts", "-e", "staging", "--json")
    assert result.exit_code == 0, result
    data = result.json()
    assert [(c["target"], c["action"]) for c in data["changes"]] == [(f"app feature {FEATURE}", "enable")]
    [patch] = applied(heroku_state)
    assert (patch.method, patch.path, patch.body) == ("PATCH", f"/apps/{STAGING}/features/{FEATURE}", {"enabled": True})
    assert app_features.is_enabled(heroku_state.apps[STAGING].id, FEATURE)
    checklist = items(result)
    assert list(checklist) == ["threshold-alerts", "alert-recipients", "papertrail-alerts"]
    # staging's web dynos are Basic: Heroku has no threshold alerts for them
    assert checklist["threshold-alerts"]["status"] == "unavailable"
    assert "web runs on Basic" in checklist["threshold-alerts"]["note"]
    assert checklist["alert-recipients"]["status"] == "manual"
    assert f"https://dashboard.heroku.com/apps/{STAGING}/access" in checklist["alert-recipients"]["links"]
    papertrail = next(a for a in heroku_state.apps[STAGING].addons if a.service == "papertrail")
    assert any(papertrail.id in link for link in checklist["papertrail-alerts"]["links"])
    assert [e["action"] for e in audit_lines()] == ["alerts.feature.enable"]


def test_human_checklist_has_links_and_marks(cli):
    result = cli("alerts", "-e", "production", "--yes")
    assert result.exit_code == 0, result
    assert "[ ] threshold-alerts:" in result.stdout
    assert f"https://dashboard.heroku.com/apps/{PRODUCTION}/metrics/web" in result.stdout
    assert "enable app feature log-runtime-metrics" in result.stderr


def test_second_run_changes_nothing(cli, heroku_state):
    cli("alerts", "-e", "staging")
    result = cli("alerts", "-e", "staging", "--json")
    assert result.exit_code == 0
    assert result.json()["changes"] == []
    assert len(applied(heroku_state)) == 1


def test_dry_run_names_the_app_and_writes_nothing(cli, heroku_state, sandbox, audit_lines):
    result = cli("alerts", "-e", "staging", "--dry-run", "--confirm", "alert-recipients")
    assert result.exit_code == 0, result
    assert f"dry run of changing alert settings: environment staging, app {STAGING}" in result.stderr
    assert "would enable app feature log-runtime-metrics" in result.stderr
    assert "would record as done: Who receives Heroku's alert emails" in result.stderr
    assert mutations(heroku_state) == []
    assert not confirmations_file(sandbox).exists()
    assert audit_lines() == []


def test_confirmations_are_recorded_beside_the_config(cli, sandbox, audit_lines):
    result = cli("alerts", "-e", "production", "--yes", "--confirm", "threshold-alerts", "--json")
    assert result.exit_code == 0, result
    assert items(result)["threshold-alerts"]["status"] == "confirmed"
    assert items(result)["threshold-alerts"]["confirmed_by"]
    stored = json.loads(confirmations_file(sandbox).read_text())
    assert list(stored["apps"][PRODUCTION]) == ["alerts.threshold-alerts"]
    assert sandbox.heroku.api_key not in confirmations_file(sandbox).read_text()
    later = cli("alerts", "-e", "production", "--json")
    assert items(later)["threshold-alerts"]["status"] == "confirmed"
    assert items(later)["alert-recipients"]["status"] == "manual"
    assert [e["detail"] for e in audit_lines() if e["action"] == "alerts.confirm"] == [{"item": "threshold-alerts"}]


def test_an_unwritable_audit_log_refuses_recording_a_checklist_item(cli, sandbox, tmp_path):
    assert cli("alerts", "-e", "staging").exit_code == 0  # the API part done: only the checklist is left
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    result = cli(
        "alerts",
        "-e",
        "staging",
        "--confirm",
        "alert-recipients",
        env={"DANDIOPS_AUDIT_LOG": str(blocker / "audit.log")},
    )
    assert result.exit_code == 3, result
    assert "audit log" in result.stderr and "nothing was changed" in result.stderr
    assert not confirmations_file(sandbox).exists()


def test_check_fails_until_everything_is_done(cli, heroku_state):
    before = cli("alerts", "-e", "staging", "--check", "--json")
    assert before.exit_code == 6, before
    assert "1 change pending, 2 items not confirmed" in before.stderr
    assert mutations(heroku_state) == []
    done = cli("alerts", "-e", "staging", "--confirm", "all")
    assert done.exit_code == 0, done
    after = cli("alerts", "-e", "staging", "--check")
    assert after.exit_code == 0, after
    assert "[-] threshold-alerts" in after.stdout and "[x] alert-recipients" in after.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--confirm", "pagerduty"], "unknown checklist item pagerduty"),
        (["--check", "--confirm", "all"], "--check only reads"),
    ],
)
def test_bad_input_is_refused_before_any_request(cli, heroku_state, args, message):
    result = cli("alerts", "-e", "staging", *args)
    assert result.exit_code == 2, result
    assert message in result.stderr
    assert heroku_state.requests == []


def test_confirming_what_cannot_be_done_here_is_refused(cli, heroku_state, sandbox):
    result = cli("alerts", "-e", "staging", "--confirm", "threshold-alerts")
    assert result.exit_code == 2, result
    assert "threshold-alerts cannot be done on dandi-sandbox-api-staging" in result.stderr
    assert mutations(heroku_state) == []
    assert not confirmations_file(sandbox).exists()


def test_app_without_papertrail_has_no_papertrail_item(cli, heroku_state):
    app = heroku_state.apps[STAGING]
    app.addons = [a for a in app.addons if a.service != "papertrail"]
    result = cli("alerts", "-e", "staging", "--json", "--dry-run")
    assert list(items(result)) == ["threshold-alerts", "alert-recipients"]
    refused = cli("alerts", "-e", "staging", "--confirm", "papertrail-alerts")
    assert refused.exit_code == 2 and "does not apply" in refused.stderr


def test_production_needs_confirmation_for_the_api_change(cli, heroku_state):
    result = cli("alerts", "-e", "production")
    assert result.exit_code == 2 and "pass --yes" in result.stderr
    assert mutations(heroku_state) == []


def test_a_damaged_confirmations_file_is_a_config_error(cli, sandbox):
    confirmations_file(sandbox).parent.mkdir(parents=True, exist_ok=True)
    confirmations_file(sandbox).write_text("{not json")
    result = cli("alerts", "-e", "staging")
    assert result.exit_code == 3, result
    assert "cannot be read as JSON" in result.stderr


def test_the_operator_is_asked_on_a_terminal(sandbox, heroku_state):
    """The prompts, with a terminal that says it is one and scripted answers (the APIs are real)."""
    from dandiops.app.context import Context
    from dandiops.core.output import Terminal
    from dandiops.steps import alerts

    class Answers:
        asked = []

        def confirm(self, message, *, default=False, flag=None):
            self.asked.append((message, flag))
            return "alert emails" in message

    terminal = Terminal(stdin_tty=True, stdout_tty=True, stderr_tty=True, color=False, ci=False)
    context = Context(
        env_name="staging", terminal=terminal, prompter=Answers(), environ={**sandbox.environment(), "NO_COLOR": "1"}
    )
    try:
        report = alerts.AlertsStep().report(context)
        done = alerts.ask_for_confirmations(context, report)
        alerts.record_confirmations(context, done)
        assert [item.id for item in done] == ["alert-recipients"]
        assert [flag for _, flag in Answers.asked] == ["--confirm alert-recipients", "--confirm papertrail-alerts"]
        again = alerts.AlertsStep().checklist(context)
        assert [i.status for i in again] == ["unavailable", "confirmed", "manual"]
    finally:
        context.close()
