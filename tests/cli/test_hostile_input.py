"""No input ends in a traceback: generated values for every option of every command, every key of
dandiops.toml, answers and state files, and the settings read from the environment.

Offline and bounded: every API endpoint is a loopback port that refuses connections, retries are
off, `--dry-run` is passed where a command has it, and each property runs a fixed, derandomised
number of examples. What is asserted is the contract of docs/exit-codes.md: an exit code from the
enum and a message, never "internal error" or a traceback.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from dandiops.core.errors import ExitCode

EXIT_CODES = {int(code) for code in ExitCode}
# No shrinking: a failure is reported as generated, so a run stays bounded in time.
FUZZ = settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

CONFIG = """\
default_env = "staging"

[environments.staging]
heroku_app = "fuzz-api-staging"
github_repo = "fuzz-org/dandi-archive"
api_url = "https://api.staging.fuzz.test"
web_url = "https://staging.fuzz.test"
bucket = "fuzz-staging-dandisets"

[environments.production]
heroku_app = "fuzz-api"
production = true
github_repo = "fuzz-org/dandi-archive"
api_url = "https://api.fuzz.test"
web_url = "https://fuzz.test"
bucket = "fuzz-dandisets"
"""

# Values people and scripts really pass by mistake, mixed with generated text.
AWKWARD = [
    "",
    " ",
    "-",
    "--",
    "nan",
    "inf",
    "-inf",
    "-1",
    "0",
    "1e309",
    "999.1.1.1",
    "http://[x",
    "../x",
    "a,b",
    "web;rm",
    "[/bold]x",
    "\x1b[31mred",
    "x" * 300,
    "café",
    "\n",
    "v1.2.3\n",
    "٣.٢.١",
    "localtime",
    "folder",
    "not-utf8.txt",
    "missing.txt",
    "https://web.example.org:443",
    "staging",
    "production",
]
VALUES = st.one_of(st.sampled_from(AWKWARD), st.text(max_size=40).filter(lambda v: "\x00" not in v))


def _refused_url() -> str:
    with socket.socket() as sock:  # a port nobody listens on: connections are refused at once
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def offline(tmp_path, monkeypatch):
    (tmp_path / "dandiops.toml").write_text(CONFIG)
    (tmp_path / "folder").mkdir()
    (tmp_path / "not-utf8.txt").write_bytes(b"caf\xe9\n")
    refused = _refused_url()
    environment = {
        "HEROKU_API_KEY": "fuzz-heroku-key",
        "GITHUB_TOKEN": "fuzz-github-token",
        "AWS_ACCESS_KEY_ID": "AKIAFUZZ",
        "AWS_SECRET_ACCESS_KEY": "fuzz-aws-secret",
        "AWS_DEFAULT_REGION": "us-east-2",
        "DANDIOPS_HEROKU_API_URL": refused,
        "DANDIOPS_HEROKU_DATA_API_URL": refused,
        "DANDIOPS_GITHUB_API_URL": refused,
        "AWS_ENDPOINT_URL": refused,
        "AWS_MAX_ATTEMPTS": "1",
        "DANDIOPS_RETRY_ATTEMPTS": "1",
        "DANDIOPS_RETRY_BASE_DELAY": "0",
        "DANDIOPS_TERRAFORM": str(tmp_path / "none"),
    }
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    return tmp_path


def _invoke(args, env=None, input_text=""):
    from typer.testing import CliRunner

    from dandiops.cli.main import app

    return CliRunner().invoke(app, list(args), env=env, input=input_text, catch_exceptions=True)


def _assert_handled(result, args) -> None:
    shown = f"dandiops {' '.join(map(repr, args))}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"uncaught {type(result.exception).__name__}: {result.exception}\n{shown}")
    assert result.exit_code in EXIT_CODES, shown
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, shown
    if result.exit_code != 0:  # ours: one `error:` line (and a hint); click's usage errors: one "Error" box
        ours = [line for line in result.stderr.splitlines() if line.startswith("error:")]
        clicks = [
            line
            for line in result.stderr.splitlines()
            if "Error" in line and ("─" in line or line.startswith("Error:"))
        ]
        assert len(ours) + len(clicks) == 1, shown


def _commands():
    import typer.main

    from dandiops.cli.main import app

    def walk(command, path):
        subcommands = getattr(command, "commands", None)
        if subcommands:
            for name, sub in subcommands.items():
                yield from walk(sub, [*path, name])
        else:
            yield path, command

    return [
        (path, command) for path, command in walk(typer.main.get_command(app), []) if path[0] != "sandbox"
    ]  # sandbox serve/demo start servers; they have their own tests


COMMANDS = _commands()


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(path) for path, _ in COMMANDS])
@FUZZ
@given(data=st.data())
def test_every_option_of_every_command_fails_cleanly(offline, path, command, data):
    args = list(path)
    for param in command.params:
        names = getattr(param, "opts", [])
        if param.param_type_name == "argument":
            count = data.draw(st.integers(0, 2), label=param.name)
            args += [data.draw(VALUES, label=param.name) for _ in range(count)]
        elif param.is_flag:
            if "--dry-run" in names or data.draw(st.booleans(), label=names[0]):
                args.append(names[0])
        elif data.draw(st.booleans(), label=names[0]):
            args += [names[0], data.draw(VALUES, label=names[0])]
    if "--dry-run" in [name for param in command.params for name in getattr(param, "opts", [])]:
        args.append("--dry-run")
    _assert_handled(_invoke(args), args)


TOML_VALUES = st.one_of(
    st.text(max_size=30),
    st.integers(),
    st.booleans(),
    st.floats(allow_nan=False),
    st.lists(st.text(max_size=5), max_size=2),
    st.sampled_from(AWKWARD),
)
ENV_KEYS = (
    "heroku_app",
    "github_repo",
    "workflow",
    "api_url",
    "web_url",
    "bucket",
    "production",
    "team",
    "region",
    "heroku_email",
    "iam_user",
    "terraform_dir",
    "branch",
    "unknown_key",
)


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if not isinstance(value, float) or value == value else "nan"
    return json.dumps(value)  # strings and lists of strings: JSON's syntax is TOML's here


@FUZZ
@given(key=st.sampled_from([*ENV_KEYS, "default_env"]), value=TOML_VALUES)
def test_every_key_of_dandiops_toml_fails_cleanly(offline, key, value):
    lines = CONFIG.splitlines()
    if key == "default_env":
        lines[0] = f"default_env = {_toml_value(value)}"
    else:
        lines = [line for line in lines if not line.startswith(f"{key} =")]
        lines.insert(lines.index("[environments.staging]") + 1, f"{key} = {_toml_value(value)}")
    (offline / "dandiops.toml").write_text("\n".join(lines) + "\n")
    for args in (["hosts", "add", "x.example.org", "-e", "staging", "--dry-run"], ["config", "check"]):
        _assert_handled(_invoke(args), args)


ANSWER_KEYS = st.sampled_from(
    [
        "superuser.email",
        "backups.at",
        "backups.timezone",
        "formation.web",
        "checklist.email-alerts",
        "config.DJANGO_DANDI_DEV_EMAIL",
        "aws.bucket",
        "bogus.key",
    ]
)


@settings(FUZZ, max_examples=5)
@given(
    answers=st.dictionaries(ANSWER_KEYS, st.one_of(VALUES, st.booleans(), st.integers()), max_size=4),
    suffix=st.sampled_from([".yaml", ".toml"]),
)
def test_answers_files_fail_cleanly(offline, answers, suffix):
    sections: dict[str, dict] = {}
    for key, value in answers.items():
        section, name = key.split(".", 1)
        sections.setdefault(section, {})[name] = value
    path = offline / f"answers{suffix}"
    if suffix == ".toml":
        path.write_text(
            "\n".join(
                f"[{section}]\n" + "\n".join(f'"{name}" = {_toml_value(value)}' for name, value in values.items())
                for section, values in sections.items()
            )
            + "\n"
        )
    else:
        path.write_text(json.dumps(sections))  # JSON is YAML
    args = ["init", "-e", "staging", "--dry-run", "--non-interactive", "--answers", str(path)]
    _assert_handled(_invoke(args), args)


STATE_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=6,
)


@FUZZ
@given(
    field=st.sampled_from(["version", "environment", "app", "answers", "memo", "interrupted_at", "updated_at"]),
    value=STATE_VALUES,
)
def test_state_files_fail_cleanly(offline, field, value):
    state = {
        "version": 1,
        "environment": "staging",
        "app": "fuzz-api-staging",
        "answers": {},
        "memo": {},
        "interrupted_at": None,
        "updated_at": None,
        field: value,
    }
    path = offline / "state.json"
    path.write_text(json.dumps(state))
    for args in (
        ["init", "-e", "staging", "--dry-run", "--state-file", str(path)],
        ["init", "-e", "staging", "--dry-run", "--state-file", str(offline / "folder")],
    ):
        _assert_handled(_invoke(args), args)


SETTINGS_ENV = (
    "DANDIOPS_ENV",
    "DANDIOPS_CONFIG",
    "DANDIOPS_RETRY_ATTEMPTS",
    "DANDIOPS_RETRY_BASE_DELAY",
    "DANDIOPS_GITHUB_WRITE_INTERVAL",
    "DANDIOPS_GITHUB_MAX_RATE_WAIT",
    "DANDIOPS_POLL_INTERVAL",
    "DANDIOPS_DYNO_START_TIMEOUT",
    "DANDIOPS_DYNO_SILENCE_TIMEOUT",
    "DANDIOPS_CONNECT_TO",
    "DANDIOPS_AUDIT_LOG",
    "DANDIOPS_OPERATOR",
    "DANDIOPS_HEROKU_API_URL",
    "DANDIOPS_GITHUB_API_URL",
    "AWS_ENDPOINT_URL",
    "DANDIOPS_RENDEZVOUS_CA_FILE",
    "HEROKU_API_KEY",
    "GITHUB_TOKEN",
    "AWS_DEFAULT_REGION",
)


@FUZZ
@given(name=st.sampled_from(SETTINGS_ENV), value=VALUES.filter(lambda v: "\x00" not in v), in_dotenv=st.booleans())
def test_settings_from_the_environment_and_dotenv_fail_cleanly(offline, name, value, in_dotenv):
    env = None
    dotenv = offline / ".env"
    if in_dotenv:
        dotenv.write_text(f"{name}={json.dumps(value)}\n")
        dotenv.chmod(0o600)
    else:
        dotenv.unlink(missing_ok=True)
        env = {name: value}
    for args in (
        ["hosts", "add", "x.example.org", "-e", "staging", "--dry-run"],
        ["release", "status", "staging"],
        ["run", "-e", "staging", "--dry-run", "--", "true"],
    ):
        _assert_handled(_invoke(args, env=env), args)


def test_a_dotenv_file_that_is_not_utf8_fails_cleanly(offline):
    (offline / ".env").write_bytes(b"HEROKU_API_KEY=caf\xe9\n")
    (offline / ".env").chmod(0o600)
    args = ["hosts", "list", "-e", "staging"]
    _assert_handled(_invoke(args), args)


def test_the_property_tests_see_real_failures(offline):
    """The harness itself: a refused endpoint is exit 9, a bad option is exit 2 (not a pass by default)."""
    result = _invoke(["hosts", "list", "-e", "staging"])
    assert result.exit_code == 9, result.stderr
    result = _invoke(["hosts", "list", "--no-such-option"])
    assert result.exit_code == 2
    assert Path(offline / "dandiops.toml").is_file()
