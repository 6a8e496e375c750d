"""`dandiops hosts` run by several processes at once: no process loses another's change.

Each run is the real entry point in its own process against the sandbox. XDG_STATE_HOME is the
state directory that holds the per-app lock: processes sharing one are on one machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

STAGING = "dandi-sandbox-api-staging"
CONFIG_VARS_PATH = f"/apps/{STAGING}/config-vars"
VARS = {"host": "DJANGO_ALLOWED_HOSTS", "cors": "DJANGO_CORS_ALLOWED_ORIGINS"}


def entry(kind: str, n: int, prefix: str = "h") -> str:
    return f"{prefix}{n}.example.org" if kind == "host" else f"https://{prefix}{n}.example.org"


def edit_args(kind: str, command: str, value: str) -> list[str]:
    return ["hosts", command, value] if kind == "host" else ["hosts", command, "--cors-origin", value]


def start(sandbox, state_home, args: list[str]) -> subprocess.Popen:
    env = {**os.environ, **sandbox.environment(), "XDG_STATE_HOME": str(state_home)}
    return subprocess.Popen(
        [sys.executable, "-m", "dandiops", *args, "-e", "staging", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def finish(processes: list[subprocess.Popen]) -> list[tuple[int, str, str]]:
    outcomes = []
    for process in processes:
        try:
            stdout, stderr = process.communicate(timeout=120)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        outcomes.append((process.returncode, stdout, stderr))
    return outcomes


def entries(heroku_state, var: str) -> list[str]:
    with heroku_state.lock:
        value = heroku_state.apps[STAGING].config.get(var, "")
    return [item for item in value.split(",") if item]


def wait_until(condition, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


# Hosts and CORS origins are edited through one mechanism (one lock, one read-back): adds are
# raced on one, removes against adds on the other, to keep the suite fast.
def test_ten_simultaneous_adds_all_survive(sandbox, heroku_state, tmp_path):
    kind = "host"
    var = VARS[kind]
    before = entries(heroku_state, var)
    processes = [start(sandbox, tmp_path / "state", edit_args(kind, "add", entry(kind, n))) for n in range(10)]
    outcomes = finish(processes)
    assert [code for code, _, _ in outcomes] == [0] * 10, outcomes
    assert sorted(entries(heroku_state, var)) == sorted(before + [entry(kind, n) for n in range(10)])


def test_simultaneous_cors_removes_and_adds_all_hold(sandbox, heroku_state, tmp_path):
    kind = "cors"
    var = VARS[kind]
    kept = entries(heroku_state, var)
    old = [entry(kind, n, "old") for n in range(5)]
    new = [entry(kind, n, "new") for n in range(5)]
    with heroku_state.lock:
        heroku_state.apps[STAGING].config[var] = ",".join(kept + old)
    processes = []
    for removed, added in zip(old, new, strict=True):
        processes.append(start(sandbox, tmp_path / "state", edit_args(kind, "remove", removed)))
        processes.append(start(sandbox, tmp_path / "state", edit_args(kind, "add", added)))
    outcomes = finish(processes)
    assert [code for code, _, _ in outcomes] == [0] * 10, outcomes
    assert sorted(entries(heroku_state, var)) == sorted(kept + new)


def test_an_edit_overwritten_from_another_machine_is_merged_back(sandbox, heroku_state, tmp_path):
    """Machine 2's write is held by the sandbox until machine 1 has read the list and written its own,
    then lands on top of it; machine 1's read-back is held until after that."""
    var = VARS["host"]
    before = entries(heroku_state, var)
    heroku_state.inject_fault(0, delay=3.0, methods={"PATCH"}, path_prefix=CONFIG_VARS_PATH)
    [held_write] = heroku_state.faults
    second = start(sandbox, tmp_path / "machine-2", edit_args("host", "add", "second.example.org"))
    assert wait_until(lambda: held_write.remaining == 0), finish([second])
    heroku_state.inject_fault(0, methods={"GET"}, path_prefix=CONFIG_VARS_PATH)
    heroku_state.inject_fault(0, delay=4.0, methods={"GET"}, path_prefix=CONFIG_VARS_PATH)
    first = start(sandbox, tmp_path / "machine-1", edit_args("host", "add", "first.example.org"))
    outcomes = finish([first, second])
    assert [code for code, _, _ in outcomes] == [0, 0], outcomes
    assert sorted(entries(heroku_state, var)) == sorted(before + ["first.example.org", "second.example.org"])
