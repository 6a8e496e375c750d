"""While a one-off dyno starts, a terminal shows `starting run.N (SIZE)… up`; a pipe shows nothing."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def run_dandiops(sandbox, tmp_path, *, stderr_on_terminal: bool) -> tuple[int, str, str]:
    env = {**os.environ, **sandbox.environment(), "NO_COLOR": "1"}
    env.pop("CI", None)  # progress is for people: CI turns it off
    command = [sys.executable, "-m", "dandiops", "run", "-e", "staging", "--", "echo", "hello"]
    if not stderr_on_terminal:
        finished = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
        return finished.returncode, finished.stdout, finished.stderr
    primary, secondary = pty.openpty()
    try:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=secondary, stdin=subprocess.DEVNULL, env=env, cwd=tmp_path
        )
        os.close(secondary)
        stdout = process.stdout.read().decode()
        process.wait(timeout=120)
        screen = b""
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:  # the terminal's other end is closed once the process has ended
                break
            if not chunk:
                break
            screen += chunk
    finally:
        os.close(primary)
    return process.returncode, stdout, ANSI.sub("", screen.decode(errors="replace"))


def test_a_terminal_sees_the_dyno_start_and_come_up(sandbox, tmp_path):
    code, stdout, screen = run_dandiops(sandbox, tmp_path, stderr_on_terminal=True)
    assert (code, stdout) == (0, "hello\n"), screen
    assert re.search(r"starting run\.\d+ \(Basic\)… up", screen), screen


def test_a_pipe_gets_no_progress(sandbox, tmp_path):
    code, stdout, stderr = run_dandiops(sandbox, tmp_path, stderr_on_terminal=False)
    assert (code, stdout) == (0, "hello\n"), stderr
    assert "starting run." not in stderr
