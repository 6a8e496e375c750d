"""The installed entry point, start-up imports, and `sandbox serve` as a real process."""

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from process_helpers import run_dandiops

HEAVY = (
    "github",
    "boto3",
    "botocore",
    "questionary",
    "django",
    "httpx",
    "flask",
    "moto",
    "hcl2",
    "lark",
    "ruamel",
    "tomlkit",
)


def run(*args, env=None, timeout=60, **kw):
    return run_dandiops(*args, env=env, timeout=timeout, **kw)


def test_version_and_help():
    result = run("--version")
    assert result.returncode == 0 and result.stdout.startswith("dandiops ")
    result = run("--help")
    assert result.returncode == 0
    for group in ("status", "config", "hosts", "sandbox"):
        assert group in result.stdout


def test_help_imports_no_heavy_module():
    code = (
        "import sys; sys.argv=['dandiops','--help']\n"
        "from dandiops.cli.main import app\n"
        "try:\n    app(prog_name='dandiops')\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stderr.strip().splitlines()[-1] == "[]"


def test_every_command_has_help():
    import typer.main

    from dandiops.cli.main import app

    def walk(command, path):
        yield path, command
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, path + [name])

    from typer.testing import CliRunner

    runner = CliRunner()  # in-process: the installed entry point's start-up is test_version_and_help's
    for path, command in walk(typer.main.get_command(app), []):
        assert command.help or command.short_help, f"`dandiops {' '.join(path)}` has no help text"
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, (path, result.stderr)


def test_every_command_group_has_a_docs_page():
    import typer.main

    from dandiops.cli.main import app

    docs = Path(__file__).resolve().parents[2] / "docs"
    text = "\n".join(p.read_text() for p in docs.glob("*.md"))
    for name, command in typer.main.get_command(app).commands.items():
        assert f"dandiops {name}" in text, f"no page in docs/ mentions `dandiops {name}`"
        for sub in getattr(command, "commands", {}):
            assert f"dandiops {name} {sub}" in text, f"docs/ do not mention `dandiops {name} {sub}`"


def test_installed_console_script_runs_against_the_sandbox(sandbox):
    script = Path(sys.executable).with_name("dandiops")
    if not script.exists():
        pytest.skip("the dandiops console script is not installed in this environment")
    result = subprocess.run(
        [str(script), "status", "-e", "staging", "--json"],
        capture_output=True,
        text=True,
        env={**os.environ, **sandbox.environment()},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["app"]["name"] == "dandi-sandbox-api-staging"
    assert sandbox.heroku.api_key not in result.stdout + result.stderr


def serve(*args: str) -> subprocess.Popen:
    """`dandiops sandbox serve ARGS`, once it has said it is ready."""
    process = subprocess.Popen(
        [sys.executable, "-m", "dandiops", "sandbox", "serve", *args],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    ready = process.stderr.readline()
    if not ready.startswith("sandbox ready:"):
        process.kill()
        pytest.fail(f"sandbox serve did not start: {ready}{process.stderr.read()}")
    return process


def stop(process: subprocess.Popen, signum: int) -> str:
    """Signal `sandbox serve`, wait for it to end, and return what it said last."""
    process.send_signal(signum)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    assert process.returncode == 0
    return process.stderr.read()


def env_values(env_file: Path) -> dict[str, str]:
    lines = [line for line in env_file.read_text().splitlines() if line and not line.startswith("#")]
    return {key: value.strip("'") for key, value in (line.split("=", 1) for line in lines)}


@pytest.mark.sandbox
def test_sandbox_serve_writes_env_file_and_stops_on_sigterm(tmp_path):
    # the empty world: no clone to build (the README walk-through test drives the running clone serve builds)
    env_file = tmp_path / "sandbox.env"
    workdir = tmp_path / "box"
    process = serve("--env-file", str(env_file), "--workdir", str(workdir), "--empty")
    try:
        values = env_values(env_file)
        assert {"HEROKU_API_KEY", "DANDIOPS_HEROKU_API_URL", "DANDIOPS_CONFIG"} <= set(values)
        assert oct(env_file.stat().st_mode & 0o777) == "0o600"
        result = run("status", "-e", "production", "--json", env=values)
        # the stand-in it names answers: a team with no apps yet
        assert result.returncode == 5, result.stderr
        assert "app dandi-sandbox-api not found" in result.stderr
    finally:
        said = stop(process, signal.SIGTERM)
    assert "sandbox stopped" in said
    assert not env_file.exists()  # its addresses are gone
    assert (workdir / "dandiops.toml").is_file()  # the operator's folder stays as the sandbox left it


@pytest.mark.sandbox
@pytest.mark.parametrize("signum, keep", [(signal.SIGINT, False), (signal.SIGTERM, True)])
def test_sandbox_serve_removes_its_own_folder_and_env_file_unless_kept(tmp_path, signum, keep):
    env_file = tmp_path / "sandbox.env"
    process = serve("--env-file", str(env_file), "--empty", *(["--keep"] if keep else []))  # no clone to build
    try:
        folder = Path(env_values(env_file)["DANDIOPS_CONFIG"]).parent
        assert (folder / "rendezvous" / "rendezvous-key.pem").is_file()
    finally:
        said = stop(process, signum)
    assert (folder.exists(), env_file.exists()) == (keep, keep)
    if keep:
        assert str(folder) in said
        shutil.rmtree(folder)


def test_unexpected_errors_show_a_masked_traceback_without_locals(cli, sandbox, monkeypatch):
    from dandiops.steps import status as status_module

    def explode(ctx):
        local_only = "value-held-only-in-a-local-variable"
        raise RuntimeError(f"boom {sandbox.heroku.api_key} {len(local_only)}")

    monkeypatch.setattr(status_module, "gather_status", explode)
    result = cli("status", "-e", "staging")
    assert result.exit_code == 1
    assert "unexpected internal error" in result.stderr
    assert "boom ***" in result.stderr
    assert sandbox.heroku.api_key not in result.stderr
    assert "value-held-only-in-a-local-variable" not in result.stderr  # no locals in tracebacks


def test_bad_option_values_are_usage_errors_without_a_traceback(cli):
    result = cli("status", "--bogus")
    assert result.exit_code == 2
    assert "No such option" in result.stderr and "Traceback" not in result.stderr
    result = cli("hosts", "add", "x.example.org", "--env")
    assert result.exit_code == 2 and "Traceback" not in result.stderr


def test_errors_before_any_context_still_mask_known_secrets(monkeypatch, capsys):
    from dandiops.cli import main

    monkeypatch.setenv("GITHUB_TOKEN", "ghp_secretvalue1234")

    class NoRoot:
        obj = None

        def find_root(self):
            return self

    reporter = main._reporter(NoRoot())
    reporter.error("could not use ghp_secretvalue1234")
    err = capsys.readouterr().err
    assert "ghp_secretvalue1234" not in err
    assert "could not use ***" in err  # the message is printed, with the secret masked


def test_option_help_shows_defaults_written_in_brackets():
    result = run("run", "--help")
    assert "(default: 120; 0 = no limit)" in result.stdout


@pytest.mark.sandbox
def test_sandbox_serve_empty_names_the_answers_and_secrets_of_a_non_interactive_init(tmp_path):
    from dandiops.wizard.answers import load_answers_file

    env_file = tmp_path / "sandbox.env"
    process = serve("--env-file", str(env_file), "--empty")
    try:
        values = env_values(env_file)
        answers = load_answers_file(values["DANDIOPS_SANDBOX_ANSWERS"])  # a valid answers file, with no secret
        assert answers["superuser.email"] == "admin@dandi.test"
        for secret in ("DJANGO_SUPERUSER_PASSWORD", "DANDIOPS_GITHUB_CLIENT_SECRET"):
            assert values[secret] and values[secret] not in Path(values["DANDIOPS_SANDBOX_ANSWERS"]).read_text()
        assert values["DANDIOPS_FORK_GH_TOKEN"]
        result = run("status", "-e", "staging", env=values)  # no app yet: an operator's first day
        assert result.returncode == 5, result.stderr
        assert "app dandi-sandbox-api-staging not found" in result.stderr
    finally:
        stop(process, signal.SIGTERM)
