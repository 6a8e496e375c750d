"""`sandbox serve --detach` and `sandbox stop`: a server in the background, found again by its pid file."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from process_helpers import run_dandiops
from typer.testing import CliRunner

from dandiops.cli.main import app


def dandiops(*args: str, env: dict[str, str] | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    return run_dandiops(*args, env=env, timeout=timeout)


def stop(env_file: Path):
    return CliRunner().invoke(app, ["sandbox", "stop", "--env-file", str(env_file)])


def processes_mentioning(text: str) -> list[int]:
    """Processes (of this machine, that this user may read) whose command line or environment holds `text`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if text.encode() in (entry / "cmdline").read_bytes() + (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.mark.sandbox
def test_a_detached_sandbox_answers_when_serve_returns_and_stop_ends_it(tmp_path):
    from dotenv import dotenv_values

    from dandiops.sandbox.background import process_command

    env_file = tmp_path / "box.env"
    started = dandiops("sandbox", "serve", "--detach", "--empty", "--env-file", str(env_file))
    assert started.returncode == 0, started.stderr
    pid = int((tmp_path / "box.env.pid").read_text())
    values = {key: value or "" for key, value in dotenv_values(env_file).items()}
    folder = Path(values["DANDIOPS_CONFIG"]).parent
    try:
        assert f"server pid {pid}, log {folder / 'serve.log'}" in started.stderr
        assert f"stop it: dandiops sandbox stop --env-file {env_file}" in started.stderr
        status = dandiops("status", "-e", "staging", env=values)
        assert status.returncode == 5 and "app dandi-sandbox-api-staging not found" in status.stderr  # the empty world
        again = dandiops("sandbox", "serve", "--detach", "--empty", "--env-file", str(env_file))
        assert again.returncode == 10
        assert f"a sandbox is already running for {env_file} (pid {pid})" in again.stderr
    finally:
        stopped = stop(env_file)
    assert stopped.exit_code == 0, stopped.stderr
    assert f"sandbox stopped (pid {pid}); {env_file} removed" in stopped.stderr
    assert process_command(pid) is None
    assert not env_file.exists() and not (tmp_path / "box.env.pid").exists() and not folder.exists()
    twice = stop(env_file)
    assert twice.exit_code == 0 and f"no sandbox is running for {env_file}: nothing to stop" in twice.stderr


@pytest.mark.sandbox
@pytest.mark.skipif(not Path("/proc/self").exists(), reason="looks for leftover processes in /proc")
def test_a_detached_sandbox_not_ready_in_time_is_stopped_with_nothing_left_running(tmp_path):
    env_file, workdir = tmp_path / "box.env", tmp_path / "box"
    # building the running clone takes far longer than two seconds: stopped while init builds it
    result = dandiops(
        "sandbox", "serve", "--detach", "--timeout", "2", "--workdir", str(workdir), "--env-file", str(env_file)
    )
    assert result.returncode == 8, result.stderr
    assert "the sandbox server was not ready after 2 s and was stopped; the end of its log:" in result.stderr
    assert "--timeout SECONDS" in result.stderr
    assert not env_file.exists() and not (tmp_path / "box.env.pid").exists()
    assert processes_mentioning(str(workdir)) == []


def test_a_detached_sandbox_that_exits_shows_its_log_and_its_exit_code(tmp_path):
    shadow = tmp_path / "shadow" / "flask"  # an installation without the sandbox extra
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ModuleNotFoundError(\"No module named 'flask'\", name='flask')\n")
    env_file = tmp_path / "box.env"
    result = dandiops(
        "sandbox",
        "serve",
        "--detach",
        "--empty",
        "--env-file",
        str(env_file),
        env={"PYTHONPATH": os.pathsep.join(filter(None, [str(shadow.parent), os.environ.get("PYTHONPATH")]))},
    )
    assert result.returncode == 3, result.stderr
    assert "the sandbox server exited (status 3) before it was ready; the end of its log:" in result.stderr
    assert "  error: the sandbox needs packages this installation lacks (flask)" in result.stderr
    assert not env_file.exists()


def test_stop_signals_only_a_sandbox_and_clears_the_pid_file_of_one_that_exited(tmp_path):
    env_file = tmp_path / "box.env"
    pid_file = tmp_path / "box.env.pid"
    other = subprocess.Popen(["sleep", "60"])
    try:
        pid_file.write_text(f"{other.pid}\n")
        refused = stop(env_file)
        assert refused.exit_code == 3
        assert f"the pid file {pid_file} names process {other.pid} (sleep 60), which is not a dandiops sandbox" in (
            refused.stderr
        )
        assert f"rm {pid_file}" in refused.stderr
        assert other.poll() is None and pid_file.exists()
    finally:
        other.kill()
        other.wait()

    exited = stop(env_file)  # `sleep` has exited: the pid file is stale
    assert exited.exit_code == 0
    assert f"its server (pid {other.pid}) had already exited; removed its pid file" in exited.stderr
    assert not pid_file.exists()

    pid_file.write_text("not a pid\n")
    garbled = stop(env_file)
    assert garbled.exit_code == 3 and f"the pid file {pid_file} does not hold a process id" in garbled.stderr
