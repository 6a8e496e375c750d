"""Unknown app, missing key, wrong key, unreachable API: a clear message, a non-zero exit, no change."""

import tomllib


def test_unknown_app_names_the_setting_to_fix(cli, sandbox, heroku_state, tmp_path):
    config = sandbox.config_path.read_text().replace(
        'heroku_app = "dandi-sandbox-api-staging"', 'heroku_app = "no-such-app"'
    )
    sandbox.config_path.write_text(config)
    result = cli("status", "-e", "staging")
    assert result.exit_code == 5, result
    assert "app no-such-app not found" in result.stderr
    assert "check heroku_app of environment staging in dandiops.toml" in result.stderr


def test_missing_key(cli, heroku_state, monkeypatch):
    monkeypatch.delenv("HEROKU_API_KEY")
    result = cli("status", "-e", "staging")
    assert result.exit_code == 3, result
    assert "no Heroku API key" in result.stderr and "HEROKU_API_KEY" in result.stderr
    assert heroku_state.requests == []


def test_wrong_key_is_rejected_without_echoing_it(cli, heroku_state, monkeypatch):
    monkeypatch.setenv("HEROKU_API_KEY", "wrong-key-123456")
    result = cli("hosts", "add", "x.example.org", "-e", "staging")
    assert result.exit_code == 4, result
    assert "Heroku rejected the API key" in result.stderr
    assert "wrong-key-123456" not in result.stdout + result.stderr
    assert heroku_state.writes() == []


def test_unreachable_api(cli, monkeypatch):
    monkeypatch.setenv("DANDIOPS_HEROKU_API_URL", "http://127.0.0.1:9")
    result = cli("status", "-e", "staging")
    assert result.exit_code == 9, result
    assert "could not reach the Heroku API" in result.stderr


def test_unknown_environment(cli):
    result = cli("status", "-e", "qa")
    assert result.exit_code == 3
    assert "environment 'qa' is not defined" in result.stderr
    assert "production, staging" in result.stderr


def test_no_environment_chosen_with_two_defined(cli):
    result = cli("status")
    assert result.exit_code == 3
    assert "pass -e/--env NAME" in result.stderr


def test_environment_from_env_var(cli, monkeypatch):
    monkeypatch.setenv("DANDIOPS_ENV", "staging")
    result = cli("status", "--json")
    assert result.exit_code == 0, result
    assert result.json()["app"]["name"] == "dandi-sandbox-api-staging"


def test_generated_config_names_both_seeded_apps(sandbox):
    environments = tomllib.loads(sandbox.config_path.read_text())["environments"]
    assert environments["staging"]["heroku_app"] == "dandi-sandbox-api-staging"
    assert environments["production"]["heroku_app"] == "dandi-sandbox-api"
    assert environments["production"]["production"] is True


def test_no_config_anywhere_is_reported_before_credentials(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from dandiops.cli.main import app

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["status"])
    assert result.exit_code == 3
    assert "no environments are defined (no dandiops.toml found" in result.stderr
    assert "create dandiops.toml" in result.stderr
