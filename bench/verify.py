"""`dandiops verify` against the sandbox: its wall time against its slowest single check.

The checks run concurrently, so verify should take about as long as its slowest check. Target:
the wall time at most 1.5x the slowest check. The first run also starts the sandbox's web process
(as the first request after a restart does on Heroku); the later runs are the steady state.

    python bench/verify.py [--runs 3]
"""

from __future__ import annotations

import argparse
import io
import os
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs

    from dandiops.app.context import Context
    from dandiops.core.output import Terminal
    from dandiops.sandbox.full import build_sandbox
    from dandiops.steps.verify import VerifyOptions, verify
    from dandiops.wizard.verification import init_checks

    sandbox = build_sandbox(Path(tempfile.mkdtemp(prefix="dandiops-bench-verify-")))
    sandbox.start()
    rows = []
    try:
        for run in range(1, runs + 1):
            context = Context(
                config_path=str(sandbox.config_path),
                env_name="staging",
                terminal=Terminal(False, False, False, False, False),
                environ={**os.environ, **sandbox.environment()},
                stdout=io.StringIO(),
                stderr=io.StringIO(),
            )
            started = time.perf_counter()
            verdicts = verify(context, VerifyOptions(init_checks=init_checks))
            wall = time.perf_counter() - started
            context.close()
            slowest = max(verdicts, key=lambda verdict: verdict.seconds)
            rows.append((run, len(verdicts), wall, slowest.name, slowest.seconds))
    finally:
        sandbox.stop()
    print(f"{'run':>3} {'checks':>6} {'wall s':>7} {'slowest check':>16} {'its s':>6} {'ratio':>6}")
    for run, count, wall, name, seconds in rows:
        print(f"{run:>3} {count:>6} {wall:>7.2f} {name:>16} {seconds:>6.2f} {wall / max(seconds, 1e-9):>6.2f}")
    print("target: wall <= 1.5x the slowest check")


if __name__ == "__main__":
    main()
