"""Bad input to `dandiops auth setup`: a clear error, the right exit code, and no request that writes."""

from __future__ import annotations

import tomllib

import pytest
import tomli_w

SECRET = "f3c1a8d2e47b9c0d5a6e1f2b3c4d5e6f7a8b9c0d"
IDS = ("--github-client-id", "Iv1.5a1b2c3d4e5f6a7b", "--oauth-client-id", "dandi-web-sandbox-7Q2")


def edited_config(sandbox, tmp_path, env_name: str, **changes) -> str:
    """A copy of the sandbox's dandiops.toml with keys of one environment changed (None removes)."""
    data = tomllib.loads(sandbox.config_path.read_text())
    table = data["environments"][env_name]
    for key, value in changes.items():
        if value is None:
            table.pop(key, None)
        else:
            table[key] = value
    path = tmp_path / "edited.toml"
    path.write_text(tomli_w.dumps(data))
    return str(path)


def test_missing_github_client_id(cli, heroku_state):
    result = cli(
        "auth", "setup", "-e", "staging", "--oauth-client-id", "web", "--github-client-secret-stdin", input=SECRET
    )
    assert result.exit_code == 2, result
    assert "Missing option '--github-client-id'" in result.stderr
    assert heroku_state.writes() == []


def test_the_secret_cannot_be_given_as_an_argument(cli, heroku_state):
    result = cli("auth", "setup", "-e", "staging", *IDS, "--github-client-secret", SECRET)
    assert result.exit_code == 2, result
    assert "No such option: --github-client-secret" in result.stderr
    assert SECRET not in result.stdout + result.stderr
    assert heroku_state.writes() == []
    helped = cli("auth", "setup", "--help")
    assert "--github-client-secret-stdin" in helped.stdout
    assert "--github-client-secret " not in helped.stdout and "--github-client-secret=" not in helped.stdout


def test_an_environment_without_web_url_is_a_configuration_error(cli, sandbox, heroku_state, tmp_path):
    config = edited_config(sandbox, tmp_path, "staging", web_url=None)
    result = cli(
        "auth",
        "setup",
        "-e",
        "staging",
        *IDS,
        "--github-client-secret-stdin",
        input=SECRET,
        env={"DANDIOPS_CONFIG": config},
    )
    assert result.exit_code == 3, result
    assert "environment 'staging' has no web_url" in result.stderr
    assert "[environments.staging]" in result.stderr
    assert heroku_state.writes() == []


def test_production_needs_an_https_web_url(cli, sandbox, heroku_state, tmp_path):
    config = edited_config(sandbox, tmp_path, "production", web_url="http://dandi.test")
    result = cli(
        "auth",
        "setup",
        "-e",
        "production",
        *IDS,
        "--github-client-secret-stdin",
        "--yes",
        input=SECRET,
        env={"DANDIOPS_CONFIG": config},
    )
    assert result.exit_code == 3, result
    assert "must use https" in result.stderr and "web_url" in result.stderr  # refused when dandiops.toml is read
    assert heroku_state.writes() == []


@pytest.mark.parametrize(
    "option, value, says",
    [
        ("--github-client-id", "Iv1 5a1b", "is not a client id"),
        ("--oauth-client-id", "", "--oauth-client-id is empty"),
        ("--oauth-client-id", "x" * 101, "the archive keeps at most 100"),
    ],
)
def test_malformed_client_ids(cli, heroku_state, option, value, says):
    ids = dict(zip(IDS[::2], IDS[1::2], strict=True))
    ids[option] = value
    result = cli(
        "auth",
        "setup",
        "-e",
        "staging",
        *[item for pair in ids.items() for item in pair],
        "--github-client-secret-stdin",
        input=SECRET,
    )
    assert result.exit_code == 2, result
    assert says in result.stderr and "nothing was changed" in result.stderr
    assert heroku_state.writes() == []


def test_no_secret_source_without_a_terminal_names_the_flag(cli, heroku_state):
    result = cli("auth", "setup", "-e", "staging", *IDS)
    assert result.exit_code == 2, result
    assert "--github-client-secret-stdin or set DANDIOPS_GITHUB_CLIENT_SECRET" in result.stderr
    assert heroku_state.writes() == []


@pytest.mark.parametrize("given, says", [("", "from stdin is empty"), ("two words", "contains whitespace")])
def test_unusable_secret_on_stdin(cli, heroku_state, given, says):
    result = cli("auth", "setup", "-e", "staging", *IDS, "--github-client-secret-stdin", input=given)
    assert result.exit_code == 2, result
    assert says in result.stderr
    assert heroku_state.writes() == []


def test_production_needs_confirmation(cli, heroku_state):
    result = cli("auth", "setup", "-e", "production", *IDS, "--github-client-secret-stdin", input=SECRET)
    assert result.exit_code == 2, result
    assert "setting up sign-in on production app dandi-sandbox-api needs confirmation" in result.stderr
    assert "pass --yes" in result.stderr
    assert heroku_state.writes() == []
