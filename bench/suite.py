"""Wall time of the test suite: the fast tier (`-m "not sandbox"`: no stand-in started) and the whole
suite, each with pytest-xdist workers, as the README's test command runs it.

Targets (see issue 10): the fast tier under 20 s, the whole suite under 120 s with `-n 2` on a
2-core machine. The figures depend on the machine and on what else runs on it: compare runs made
close together.

    python bench/suite.py [--workers 2] [PYTEST_ARGS...]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TIERS = (("fast tier", ["-m", "not sandbox"]), ("whole suite", []))


def run(extra: list[str]) -> tuple[float, int, str]:
    """(seconds, pytest's exit status, pytest's last line)."""
    started = time.monotonic()
    finished = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra, "tests"],
                              cwd=REPO, capture_output=True, text=True)
    seconds = time.monotonic() - started
    lines = [line for line in finished.stdout.splitlines() if line.strip()]
    return seconds, finished.returncode, lines[-1] if lines else finished.stderr.strip()[-200:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="2", help="pytest-xdist workers (-n); default 2")
    options, pytest_args = parser.parse_known_args()
    worst = 0
    for name, selection in TIERS:
        seconds, status, summary = run(["-n", options.workers, "--dist", "worksteal", *selection, *pytest_args])
        print(f"{name:12} {seconds:7.1f} s  (-n {options.workers})  {summary}", flush=True)
        worst = max(worst, status)
    return worst


if __name__ == "__main__":
    sys.exit(main())
