"""Sentry settings of dandiops.toml become the API's config vars (init's config-vars step)."""

from __future__ import annotations

from init_helpers import DEMO_ANSWERS

DSN = "https://abc123@o1.ingest.sentry.io/7"


def _init(cli):
    return cli("-e", "staging", "init", "--non-interactive", "--answers", str(DEMO_ANSWERS), "--only", "config-vars")


def test_sentry_settings_become_the_apis_config_vars_and_follow_dandiops_toml(cli, sandbox, staging_app, writes):
    text = sandbox.config_path.read_text()
    assert "[environments.staging]\n" in text
    sandbox.config_path.write_text(
        text.replace("[environments.staging]\n", f'[environments.staging]\nsentry_dsn = "{DSN}"\n')
    )
    first = _init(cli)
    assert first.exit_code == 0, first
    assert (staging_app.config["DJANGO_SENTRY_DSN"], staging_app.config["DJANGO_SENTRY_ENVIRONMENT"]) == (
        DSN,
        "staging",
    )
    counts = writes()
    assert _init(cli).exit_code == 0 and writes() == counts

    sandbox.config_path.write_text(
        sandbox.config_path.read_text().replace(
            f'sentry_dsn = "{DSN}"\n', f'sentry_dsn = "{DSN}"\nsentry_environment = "qa"\n'
        )
    )
    assert _init(cli).exit_code == 0
    assert staging_app.config["DJANGO_SENTRY_ENVIRONMENT"] == "qa"
