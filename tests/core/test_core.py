"""Settings, secrets, redaction, exit codes and the output conventions."""

import io
import json
import os
import re
from pathlib import Path

import pytest

from dandiops.core.errors import ConfigError, ExitCode
from dandiops.core.output import Reporter, Terminal, printable
from dandiops.core.redact import SecretRegistry
from dandiops.core.settings import load_secrets, load_settings

REPO = Path(__file__).resolve().parents[2]

CONFIG = """
[environments.staging]
heroku_app = "my-staging"
github_repo = "org/dandi-archive"
api_url = "https://api.staging.example.org"

[environments.production]
heroku_app = "my-prod"
production = true
workflow = "prod.yml"
"""


def test_config_is_found_upward(tmp_path, monkeypatch):
    (tmp_path / "dandiops.toml").write_text(CONFIG)
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    monkeypatch.chdir(nested)
    settings = load_settings(environ={})
    assert settings.environment("staging").heroku_app == "my-staging"
    assert settings.environment("staging").deploy_workflow == "backend-staging-deploy.yml"
    assert settings.environment("production").deploy_workflow == "prod.yml"


@pytest.mark.parametrize(
    "text, says",
    [
        ("[environments.x]\nheroku_app = 3\n", "must be a str"),
        ("[environments.x]\napi_url = 'https://x'\n", "has no heroku_app"),
        ("[environments\n", "not valid TOML"),
        ("[environments.x]\nheroku_app = 'my-app'\nweb_doi_server = 'http://doi.org/'\n", "must use https"),
        ("[environments.x]\nheroku_app = 'my-app'\nsentry_dsn = 'https://sentry.io/1'\n", "a Sentry DSN"),
        ("[environments.x]\nheroku_app = 'my-app'\nsentry_environment = 'a b'\n", "a Sentry environment"),
        ("[environments.x]\nheroku_app = 'my-app'\nworkflow_dispatch = 'yes'\n", "must be a bool"),
    ],
)
def test_bad_config_is_a_config_error(tmp_path, text, says):
    path = tmp_path / "dandiops.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=says):
        load_settings(path, environ={})


def test_the_web_apps_build_settings_are_read_for_the_fork(tmp_path):
    path = tmp_path / "dandiops.toml"
    path.write_text(
        CONFIG
        + 'web_doi_server = "https://doi.example.org"\nsentry_dsn = "https://abc123@o1.ingest.sentry.io/42"\n'
        + 'sentry_environment = "prod"\nworkflow_dispatch = true\n'
    )
    production = load_settings(path, environ={}).environment("production")
    assert production.web_doi_server == "https://doi.example.org/"  # the web app appends the DOI to it
    assert production.sentry_dsn == "https://abc123@o1.ingest.sentry.io/42"
    assert (production.sentry_environment, production.workflow_dispatch) == ("prod", True)
    staging = load_settings(path, environ={}).environment("staging")
    assert (staging.web_doi_server, staging.sentry_dsn, staging.workflow_dispatch) == (None, None, False)


def test_explicit_missing_config(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_secrets_precedence_and_permission_warning(tmp_path):
    (tmp_path / ".env").write_text("HEROKU_API_KEY=from-dotenv\nGITHUB_TOKEN=gh-dotenv\n")
    (tmp_path / ".env.staging").write_text("HEROKU_API_KEY=from-staging\n")
    os.chmod(tmp_path / ".env", 0o644)
    os.chmod(tmp_path / ".env.staging", 0o600)
    secrets = load_secrets(tmp_path, "staging", environ={"GITHUB_TOKEN": "gh-process"})
    assert secrets.get("HEROKU_API_KEY") == "from-staging"
    assert secrets.get("GITHUB_TOKEN") == "gh-process"
    assert len(secrets.warnings) == 1 and "chmod 600" in secrets.warnings[0] and ".env " in secrets.warnings[0] + " "


def test_reporter_masks_secrets_everywhere():
    registry = SecretRegistry(["s3cr3t-value"])
    out, err = io.StringIO(), io.StringIO()
    reporter = Reporter(
        Terminal(False, False, False, False, False), json_mode=True, secrets=registry, stdout=out, stderr=err
    )
    reporter.info("token is s3cr3t-value")
    reporter.error("failed with s3cr3t-value", hint="s3cr3t-value")
    reporter.result({"nested": ["x s3cr3t-value y"]})
    assert "s3cr3t-value" not in out.getvalue() + err.getvalue()
    assert "token is ***" in err.getvalue() and "failed with ***" in err.getvalue()  # masked, not dropped
    assert json.loads(out.getvalue()) == {"nested": ["x *** y"]}


def test_reporter_json_mode_emits_one_document():
    out = io.StringIO()
    reporter = Reporter(Terminal(False, False, False, False, False), json_mode=True, stdout=out, stderr=io.StringIO())
    reporter.result({"a": 1})
    with pytest.raises(RuntimeError):
        reporter.result({"b": 2})


def test_no_color_and_no_tty_means_plain_output():
    terminal = Terminal.detect({"NO_COLOR": "1"})
    assert terminal.color is False
    err = io.StringIO()
    Reporter(terminal, stdout=io.StringIO(), stderr=err).warn("careful")
    assert "\x1b[" not in err.getvalue()
    assert err.getvalue() == "warning: careful\n"


def test_table_cells_show_markup_and_control_characters_as_typed_on_a_colour_terminal():
    out = io.StringIO()
    reporter = Reporter(Terminal(False, True, True, True, False), stdout=out, stderr=io.StringIO())
    reporter.table(["name"], [("[/bold]Mallory",), (printable("[bold]Eve\x1b[2J\x07\x9b\r\nNext"),)])
    text = out.getvalue()
    assert "[/bold]Mallory" in text
    assert "[bold]Eve\\x1b[2J\\x07\\x9b\\r\\nNext" in text


def test_printable_leaves_ordinary_text_alone():
    assert printable("Zoë O'Brien-Łukasik <z@example.org> [lab]") == "Zoë O'Brien-Łukasik <z@example.org> [lab]"


def test_every_exit_code_is_documented():
    doc = (REPO / "docs" / "exit-codes.md").read_text()
    documented = {int(code): name for code, name in re.findall(r"^\|\s*(\d+)\s*\|\s*`(\w+)`", doc, re.M)}
    assert documented == {member.value: member.name for member in ExitCode}
