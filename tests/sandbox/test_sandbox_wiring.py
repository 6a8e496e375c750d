"""The full sandbox (`sandbox serve`, the other test areas) carries the stand-in parts these commands use."""

import pytest


@pytest.mark.sandbox
def test_build_sandbox_installs_the_operations_extensions(tmp_path):
    import httpx

    from dandiops.sandbox.full import build_sandbox
    from dandiops.sandbox.heroku.data_api import HerokuDataStandIn
    from dandiops.sandbox.heroku.features import AppFeaturesStandIn
    from dandiops.sandbox.heroku.log_sessions import LogSessionsStandIn
    from dandiops.sandbox.heroku.operations import installed

    box = build_sandbox(tmp_path / "full", seeded=True)
    box.start()
    try:
        for kind in (HerokuDataStandIn, LogSessionsStandIn, AppFeaturesStandIn):
            assert isinstance(installed(box, kind), kind)
        env = box.environment()
        assert env["DANDIOPS_HEROKU_DATA_API_URL"]
        headers = {
            "Authorization": f"Bearer {env['HEROKU_API_KEY']}",
            "Accept": "application/vnd.heroku+json; version=3",
        }
        addon = box.heroku.state.apps["dandi-sandbox-api"].addons[0]
        database = httpx.get(f"{env['DANDIOPS_HEROKU_DATA_API_URL']}/client/v11/databases/{addon.id}", headers=headers)
        assert database.status_code == 200 and database.json()["addon_id"] == addon.id
        session = httpx.post(
            f"{box.heroku.url}/apps/dandi-sandbox-api/log-sessions", json={"lines": 1}, headers=headers
        )
        assert session.status_code == 201
        assert httpx.get(session.json()["logplex_url"]).text.count("\n") == 1
    finally:
        box.stop()


@pytest.mark.parametrize(
    "component, setting",
    [
        ("github", "DANDIOPS_SANDBOX_QUEUE_SECONDS"),
        ("github", "DANDIOPS_SANDBOX_STEP_SECONDS"),
        ("netlify", "DANDIOPS_SANDBOX_NETLIFY_STATE_SECONDS"),
    ],
)
def test_a_malformed_pace_setting_is_refused_naming_it(monkeypatch, component, setting):
    from dandiops.core.errors import ConfigError
    from dandiops.sandbox.github.component import GitHubComponent
    from dandiops.sandbox.netlify.component import NetlifyComponent

    monkeypatch.setenv(setting, "soon")
    with pytest.raises(ConfigError, match=setting):
        {"github": GitHubComponent, "netlify": NetlifyComponent}[component]()


def test_a_clone_build_that_init_left_unfinished_names_the_first_step_left_undone():
    from dandiops.core.errors import ConfigError
    from dandiops.sandbox.clone import why_not_built
    from dandiops.steps.base import Status
    from dandiops.wizard.engine import StepOutcome, WizardResult

    done = StepOutcome("credentials", "Credentials", Status.OK, "every credential works")
    waiting = StepOutcome("email-alerts", "Email alerts", Status.MANUAL, "to do by hand: turn on the alerts")
    assert why_not_built(WizardResult([done], dry_run=False)) is None
    assert why_not_built(WizardResult([done, waiting], dry_run=False)) == (
        "email-alerts: to do by hand: turn on the alerts"
    )
    failed = WizardResult([done, waiting], dry_run=False, error=ConfigError("no api_url in dandiops.toml"))
    assert why_not_built(failed) == "no api_url in dandiops.toml"
