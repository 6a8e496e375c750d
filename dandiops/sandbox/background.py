"""`sandbox serve` as a background process: its pid file, starting it detached, and stopping it.

A running `sandbox serve` (in the foreground or detached) keeps its process id in a pid file beside
its env file (`.env.sandbox.pid` for `.env.sandbox`) and removes it when it stops, `--keep` or not:
the file says only that a server is running. `stop` signals the process it names, but only once the
process's command line shows it is a `dandiops sandbox serve`: a pid file left by a server that was
killed may name a process that has nothing to do with the sandbox by now.

Light imports only: `sandbox stop` must start fast and work without the sandbox extra.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dandiops.core.errors import ExitCode

PID_SUFFIX = ".pid"
LOG_FILE = "serve.log"
POLL_SECONDS = 0.2
LOG_LINES_SHOWN = 20
STOP_GRACE_SECONDS = 30.0  # how long a server that never got ready has to clean up before it is killed


def pid_file_for(env_path: Path) -> Path:
    """The pid file of the server whose env file is `env_path`: beside it, named after it."""
    return env_path.with_name(env_path.name + PID_SUFFIX)


def write_pid_file(env_path: Path, pid: int) -> Path:
    from dandiops.core.files import atomic_write_text

    path = pid_file_for(env_path)
    atomic_write_text(path, f"{pid}\n", mode=0o644)
    return path


def read_pid(pid_path: Path) -> int | None:
    """The process id the pid file holds; None when there is no pid file."""
    from dandiops.core.errors import ConfigError

    try:
        text = pid_path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"the pid file {pid_path} cannot be read ({exc})", hint="check its permissions") from None
    if not text.isdigit() or int(text) <= 0:
        raise ConfigError(
            f"the pid file {pid_path} does not hold a process id",
            hint=f"no sandbox wrote it as it is: remove it (rm {pid_path}); nothing was stopped",
        )
    return int(text)


def process_command(pid: int) -> str | None:
    """The command line of process `pid`, or None when no such process runs (one that has exited
    but was not reaped yet counts as exited)."""
    proc = Path("/proc") / str(pid)
    if Path("/proc/self").exists():
        try:
            state = (proc / "stat").read_text().rpartition(")")[2].split()[0]
            command = (proc / "cmdline").read_bytes()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            return None
        except OSError:
            return ""  # a process we may not look at is not ours
        return None if state in ("Z", "X") else command.replace(b"\0", b" ").decode("utf-8", "replace").strip()
    answer = subprocess.run(
        ["ps", "-o", "stat=", "-o", "args=", "-p", str(pid)], capture_output=True, text=True, check=False
    )
    line = answer.stdout.strip()
    if answer.returncode != 0 or not line:
        return None
    state, _, command = line.partition(" ")
    return None if state.startswith("Z") else command.strip()


def is_sandbox_server(command: str) -> bool:
    """Whether a command line is `dandiops sandbox serve` (as a console script or `python -m dandiops`)."""
    words = command.split()
    return any("dandiops" in word for word in words) and any(
        pair == ("sandbox", "serve") for pair in itertools.pairwise(words)
    )


def running_server(env_path: Path) -> int | None:
    """The pid of the `sandbox serve` running for `env_path`, or None when none is (no pid file, or one
    naming a process that has exited or is not a sandbox)."""
    pid = read_pid(pid_file_for(env_path))
    if pid is None:
        return None
    command = process_command(pid)
    return pid if command is not None and is_sandbox_server(command) else None


@dataclass
class Started:
    pid: int
    log: Path


def start_detached(arguments: list[str], *, env_path: Path, folder: Path, timeout: float) -> Started:
    """Run `dandiops ARGUMENTS` (a foreground `sandbox serve` writing `env_path`) in a session of its
    own, its output in `folder`/serve.log, and return once its pid file names it and the stand-ins
    its env file lists answer. If it exits first, or is not ready within `timeout` seconds (it is
    then stopped), raise with the last lines of its log."""
    from dandiops.core.errors import DandiopsError, TimeoutExpired, UsageError

    log_path = folder / LOG_FILE
    try:
        folder.mkdir(parents=True, exist_ok=True)
        log, reader = open(log_path, "ab"), open(log_path, "rb")
    except OSError as exc:
        raise UsageError(
            f"the sandbox's log {log_path} cannot be written ({exc.strerror or exc})",
            hint="give --workdir a folder you may write to",
        ) from None
    with log, reader:
        reader.seek(0, os.SEEK_END)
        # The reader stays open: a server that fails to start removes its temporary folder, log and all.
        process = subprocess.Popen(
            [sys.executable, "-m", "dandiops", *arguments],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,  # Ctrl-C or a closed terminal in the shell that started it do not reach it
        )
        said: list[bytes] = []
        deadline = time.monotonic() + timeout
        try:
            while True:
                said.append(reader.read())
                status = process.poll()
                if status is not None:
                    said.append(reader.read())
                    raise DandiopsError(
                        f"the sandbox server exited (status {status}) before it was ready; the end of its log:\n"
                        + _tail(b"".join(said)),
                        hint="fix what the log says, then run `dandiops sandbox serve --detach` again",
                        exit_code=_exit_code(status),
                    )
                if read_pid(pid_file_for(env_path)) == process.pid and _stand_ins_answer(env_path):
                    return Started(process.pid, log_path)
                if time.monotonic() > deadline:
                    _end(process)
                    said.append(reader.read())
                    raise TimeoutExpired(
                        f"the sandbox server was not ready after {timeout:g} s and was stopped; the end of its "
                        "log:\n" + _tail(b"".join(said)),
                        hint="give it longer with --timeout SECONDS (building the running clone takes a while "
                        "on a busy machine), or start from nothing with --empty",
                    )
                time.sleep(POLL_SECONDS)
        except KeyboardInterrupt:
            _end(process)  # a server nobody was told about must not be left running
            raise


def _exit_code(status: int) -> "ExitCode":
    """The server's own exit code when it is one of dandiops' (3: the sandbox extra is missing), else 1."""
    from dandiops.core.errors import ExitCode

    codes = {code.value for code in ExitCode} - {ExitCode.OK}
    return ExitCode(status) if status in codes else ExitCode.FAILURE


def _stand_ins_answer(env_path: Path) -> bool:
    """Whether every stand-in the env file names answers HTTP (whatever it answers)."""
    import httpx
    from dotenv import dotenv_values

    values = dotenv_values(env_path)
    urls = [
        values.get(name)
        for name in (
            "DANDIOPS_HEROKU_API_URL",
            "DANDIOPS_GITHUB_API_URL",
            "AWS_ENDPOINT_URL",
            "DANDIOPS_NETLIFY_API_URL",
        )
    ]
    if not urls[0]:
        return False
    try:
        with httpx.Client(timeout=5.0) as client:
            for url in urls:
                if url:
                    client.get(url)
    except httpx.HTTPError:
        return False
    return True


def _tail(output: bytes) -> str:
    lines = output.decode("utf-8", "replace").rstrip().splitlines()[-LOG_LINES_SHOWN:]
    return "\n".join(f"  {line}" for line in lines) if lines else "  (it wrote nothing)"


def _end(process: subprocess.Popen) -> None:
    """SIGTERM, time to clean up, then SIGKILL for the server and whatever it started."""
    process.terminate()
    try:
        process.wait(STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()


@dataclass
class Stopped:
    pid: int | None  # None: no server was running
    stale: bool = False  # the pid file named a process that had already exited (it was removed)


def stop_server(env_path: Path, *, timeout: float) -> Stopped:
    """SIGTERM the `sandbox serve` whose pid file sits beside `env_path` and wait until it has exited
    (by then it has cleaned up). No pid file: nothing to stop. A pid file naming an exited process is
    removed; one naming a live process that is not a sandbox is refused."""
    from dandiops.core.errors import ConfigError, TimeoutExpired

    pid_path = pid_file_for(env_path)
    pid = read_pid(pid_path)
    if pid is None:
        return Stopped(None)
    command = process_command(pid)
    if command is None:
        pid_path.unlink(missing_ok=True)
        return Stopped(pid, stale=True)
    if not is_sandbox_server(command):
        shown = f" ({command[:80]})" if command else ""
        raise ConfigError(
            f"the pid file {pid_path} names process {pid}{shown}, which is not a dandiops sandbox; "
            "it was not signalled",
            hint=f"the sandbox that wrote the file has gone: remove it (rm {pid_path})",
        )
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pid_path.unlink(missing_ok=True)
        return Stopped(pid, stale=True)
    deadline = time.monotonic() + timeout
    while process_command(pid) is not None:
        if time.monotonic() > deadline:
            raise TimeoutExpired(
                f"the sandbox (pid {pid}) has not exited {timeout:g} s after SIGTERM",
                hint=f"give it longer with --timeout SECONDS, or end it with `kill -KILL {pid}` "
                "(its temporary folder and env file then stay behind)",
            )
        time.sleep(POLL_SECONDS)
    return Stopped(pid)
