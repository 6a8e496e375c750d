"""The right environment, names that cannot reach a URL unchecked, malformed credentials and settings:
each refused before any request with the exit code docs/exit-codes.md gives it."""

from __future__ import annotations

import json
import math

import httpx
import pytest

from dandiops.core.errors import ConfigError

STAGING = "dandi-sandbox-api-staging"
PRODUCTION = "dandi-sandbox-api"


def _edit_config(sandbox, old: str, new: str) -> None:
    text = sandbox.config_path.read_text()
    assert old in text
    sandbox.config_path.write_text(text.replace(old, new, 1))


# --- which environment -------------------------------------------------------------------------


def test_dash_e_after_the_command_beats_dandiops_env(cli, monkeypatch):
    monkeypatch.setenv("DANDIOPS_ENV", "production")
    result = cli("hosts", "add", "x.example.org", "-e", "staging", "--dry-run", "--json")
    assert result.exit_code == 0, result
    assert result.json()["env"] == "staging" and result.json()["app"] == STAGING
    assert "environment staging" in result.stderr and PRODUCTION + " " not in result.stderr


def test_dash_e_before_the_command_beats_dandiops_env(cli, monkeypatch):
    monkeypatch.setenv("DANDIOPS_ENV", "production")
    result = cli("-e", "staging", "hosts", "add", "x.example.org", "--dry-run", "--json")
    assert result.exit_code == 0, result
    assert result.json()["env"] == "staging"


def test_dash_e_after_the_command_beats_dash_e_before_it(cli):
    result = cli("-e", "production", "hosts", "list", "-e", "staging", "--json")
    assert result.exit_code == 0, result
    assert (result.json()["env"], result.json()["app"]) == ("staging", STAGING)


def test_dandiops_env_is_used_when_no_dash_e_is_given(cli, monkeypatch):
    monkeypatch.setenv("DANDIOPS_ENV", "production")
    result = cli("hosts", "list", "--json")
    assert result.exit_code == 0, result
    assert result.json()["env"] == "production"


def test_a_mutation_names_its_environment_and_app_on_stderr(cli, heroku_state):
    result = cli("hosts", "add", "x.example.org", "-e", "staging")
    assert result.exit_code == 0, result
    assert f"environment staging, app {STAGING}" in result.stderr


# --- names from dandiops.toml ------------------------------------------------------------------


@pytest.mark.parametrize("app_name", ["../account", "a?b", "", "Upper-Case", "x", "a" * 31, "ends-with-"])
def test_a_bad_heroku_app_name_is_a_config_error_and_sends_nothing(cli, sandbox, heroku_state, app_name):
    _edit_config(sandbox, f'heroku_app = "{STAGING}"', f"heroku_app = {json.dumps(app_name)}")
    result = cli("status", "-e", "staging")
    assert result.exit_code == 3, result
    assert "heroku_app is not valid" in result.stderr and "dandiops.toml" in result.stderr
    assert heroku_state.requests == []


@pytest.mark.parametrize("repo", ["no-slash", "a/b/c", "../x", "owner/..", "own er/name"])
def test_a_bad_github_repo_is_a_config_error(cli, sandbox, repo):
    text = sandbox.config_path.read_text()
    start = text.index("github_repo = ")
    end = text.index("\n", start)
    sandbox.config_path.write_text(text[:start] + f"github_repo = {json.dumps(repo)}" + text[end:])
    result = cli("status", "-e", "staging")
    assert result.exit_code == 3, result
    assert "github_repo is not valid" in result.stderr and "owner/name" in result.stderr


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("not a url", "https URL"),
        ("http://api.staging.dandi.test", "must use https"),
        ("https://user:pw@api.staging.dandi.test", "user info"),
        ("https://api.staging.dandi.test/?x=1", "query"),
    ],
)
def test_a_bad_api_url_is_a_config_error_before_any_request(cli, sandbox, heroku_state, url, why):
    _edit_config(sandbox, 'api_url = "https://api.staging.dandi.test"', f"api_url = {json.dumps(url)}")
    result = cli("hosts", "add", "x.example.org", "-e", "staging")
    assert result.exit_code == 3, result
    assert why in result.stderr and "dandiops.toml" in result.stderr
    assert "pw" not in result.stderr
    assert heroku_state.requests == []


def test_a_default_port_in_web_url_is_dropped_saying_so(tmp_path):
    from dandiops.core.settings import load_settings

    path = tmp_path / "dandiops.toml"
    path.write_text(
        '[environments.staging]\nheroku_app = "my-app"\nweb_url = "https://Web.Example.org:443/"\n'
        'api_url = "https://api.example.org:8443"\n'
    )
    settings = load_settings(path)
    assert settings.environments["staging"].web_url == "https://web.example.org"
    assert settings.environments["staging"].api_url == "https://api.example.org:8443"
    assert any("default port is dropped" in notice and "web_url" in notice for notice in settings.notices)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('default_env = ["a"]\n[environments.staging]\nheroku_app = "my-app"\n', "default_env must name"),
        ('default_env = "qa"\n[environments.staging]\nheroku_app = "my-app"\n', "default_env must name"),
        ('[environments.staging]\nheroku_app = "my-app"\nheroku_ap = "typo"\n', "unknown key heroku_ap"),
        ('[environments."../x"]\nheroku_app = "my-app"\n', "environment name '../x' is not allowed"),
        ('[environments.staging]\nheroku_app = "my-app"\nbranch = "a..b"\n', "branch is not valid"),
        ('[environments.staging]\nheroku_app = "my-app"\nbucket = "Bad_Bucket"\n', "bucket is not valid"),
    ],
)
def test_malformed_dandiops_toml_values_are_config_errors(tmp_path, text, message):
    from dandiops.core.settings import load_settings

    path = tmp_path / "dandiops.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_settings(path)
    assert message in raised.value.message


def test_a_dandiops_toml_that_is_not_utf8_is_a_config_error(tmp_path):
    from dandiops.core.settings import load_settings

    path = tmp_path / "dandiops.toml"
    path.write_bytes(b'[environments.staging]\nheroku_app = "caf\xe9"\n')
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_settings(path)


def test_app_names_are_percent_encoded_in_request_paths():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path)
        return httpx.Response(200, json={})

    from dandiops.providers.heroku import HerokuClient

    with HerokuClient("key", base_url="http://heroku.invalid", transport=httpx.MockTransport(handler)) as heroku:
        heroku.config_vars("../account?x")
    assert seen == [b"/apps/..%2Faccount%3Fx/config-vars"]


# --- credentials and settings from the environment ---------------------------------------------


@pytest.mark.parametrize("name", ["HEROKU_API_KEY", "GITHUB_TOKEN"])
@pytest.mark.parametrize("value", ["abc\ndef-secret-part", "abc\rdef-secret-part", "tökén-secret-part"])
def test_a_malformed_credential_is_exit_3_and_never_echoed(cli, heroku_state, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    command = ("status", "-e", "staging") if name == "HEROKU_API_KEY" else ("release", "status", "staging")
    result = cli(*command)
    assert result.exit_code == 3, result
    assert f"{name} is malformed" in result.stderr
    assert "secret-part" not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert heroku_state.requests == []


@pytest.mark.parametrize("value", ["not a url", "ftp://x", "http://", "http://h:99999"])
def test_a_malformed_endpoint_override_is_exit_3(cli, monkeypatch, value):
    monkeypatch.setenv("DANDIOPS_HEROKU_API_URL", value)
    result = cli("status", "-e", "staging")
    assert result.exit_code == 3, result
    assert "DANDIOPS_HEROKU_API_URL is not an http(s) URL" in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DANDIOPS_RETRY_ATTEMPTS", "abc"),
        ("DANDIOPS_RETRY_ATTEMPTS", "0"),
        ("DANDIOPS_RETRY_BASE_DELAY", "nan"),
        ("DANDIOPS_RETRY_BASE_DELAY", "-1"),
    ],
)
def test_malformed_retry_settings_are_exit_3(cli, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    result = cli("status", "-e", "staging")
    assert result.exit_code == 3, result
    assert name in result.stderr


def test_retry_settings_in_dotenv_reach_the_heroku_client(sandbox, tmp_path, monkeypatch):
    from dandiops.app.context import Context

    for key, value in sandbox.environment().items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("DANDIOPS_RETRY_ATTEMPTS", raising=False)
    (sandbox.config_path.parent / ".env").write_text("DANDIOPS_RETRY_ATTEMPTS=7\n")
    (sandbox.config_path.parent / ".env").chmod(0o600)
    context = Context(env_name="staging")
    assert context.heroku().retry.attempts == 7


def test_a_bad_aws_region_is_exit_3(monkeypatch, sandbox):
    from dandiops.app.context import Context

    for key, value in sandbox.environment().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "mars-north-1;")
    with pytest.raises(ConfigError, match="AWS_DEFAULT_REGION is not an AWS region"):
        Context(env_name="staging").aws()


@pytest.mark.parametrize("header", ["-5", "nan", "inf", "Wed, 21 Oct 2015 07:28:00 GMT"])
def test_a_retry_after_that_is_negative_or_not_a_number_falls_back_to_backoff(header):
    from dandiops.providers.http import RetryPolicy

    response = httpx.Response(503, headers={"Retry-After": header})
    delay = RetryPolicy(base_delay=0.5, max_delay=8).delay(0, response)
    assert math.isfinite(delay) and 0 <= delay <= 8


# --- changes that cannot be recorded, answers that were lost -----------------------------------


def test_an_unwritable_audit_log_refuses_before_changing_anything(cli, heroku_state, monkeypatch, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("DANDIOPS_AUDIT_LOG", str(blocker / "audit.log"))
    result = cli("hosts", "add", "x.example.org", "-e", "staging")
    assert result.exit_code == 3, result
    assert "audit log" in result.stderr and "nothing was changed" in result.stderr
    assert heroku_state.writes() == []


def test_a_write_whose_answer_was_lost_may_have_been_applied(cli, heroku_state):
    import os
    from pathlib import Path

    heroku_state.inject_fault(0, methods={"PATCH"}, path_prefix=f"/apps/{STAGING}/config-vars", kind="drop")
    result = cli("hosts", "add", "lost.example.org", "-e", "staging")
    assert result.exit_code == 9, result
    assert "may have been applied" in result.stderr
    assert "dandiops config check -e staging" in result.stderr
    assert "lost.example.org" in heroku_state.apps[STAGING].config["DJANGO_ALLOWED_HOSTS"]
    lines = [json.loads(line) for line in Path(os.environ["DANDIOPS_AUDIT_LOG"]).read_text().splitlines()]
    assert lines[-1]["result"] == "unknown" and lines[-1]["action"].startswith("PATCH ")
    assert lines[-1]["env"] == "staging" and lines[-1]["app"] == STAGING


def test_an_html_answer_to_a_read_is_reported_not_a_traceback(cli, heroku_state):
    heroku_state.inject_fault(0, methods={"GET"}, kind="html")
    result = cli("hosts", "list", "-e", "staging")
    assert result.exit_code == 9, result
    assert "not JSON (text/html)" in result.stderr and "Traceback" not in result.stderr


# --- init --only -------------------------------------------------------------------------------


def test_answers_file_with_unknown_keys_names_them(tmp_path):
    from dandiops.wizard.answers import load_answers_file

    path = tmp_path / "answers.yaml"
    path.write_text("superuser:\n  emial: a@b.org\nformation:\n  web: '1:basic'\nbogus:\n  x: y\n")
    with pytest.raises(ConfigError) as raised:
        load_answers_file(path)
    assert "bogus.x" in raised.value.message and "superuser.emial" in raised.value.message
    assert "formation.web" not in raised.value.message


def test_answers_file_that_is_not_utf8_is_a_config_error(tmp_path):
    from dandiops.wizard.answers import load_answers_file

    path = tmp_path / "answers.yaml"
    path.write_bytes(b"superuser:\n  email: caf\xe9@example.org\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_answers_file(path)
