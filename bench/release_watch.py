"""How politely and how promptly `dandiops release staging` follows a run.

Starts a sandbox (Heroku and GitHub stand-ins, the miniature archive for the release phase), gives
the staging workflow a workflow_dispatch trigger, then releases staging RUNS times with dandiops'
default poll interval (3 s) or --interval. For each release it prints:
- GitHub API calls dandiops made while following the run, and how many were free 304 answers to
  conditional (If-None-Match) requests, which GitHub does not charge to the rate limit;
- Heroku API calls while waiting for the release and its release phase;
- the delay between the run completing on the stand-in and dandiops noticing it (at most one poll
  interval plus a request; the default interval keeps this under about 3 s).

    python bench/release_watch.py [--runs 3] [--interval 3] [--step-seconds 1.5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


class Timing:
    """An Observer that notes when dandiops first sees the run completed."""

    def __init__(self) -> None:
        self.noticed: float | None = None

    def info(self, message: str) -> None:
        pass

    def run_update(self, run, changes) -> None:
        if run.completed and self.noticed is None:
            self.noticed = time.monotonic()

    def heroku_update(self, release) -> None:
        pass

    def done(self) -> None:
        pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--interval", type=float, default=None, help="poll interval (default: dandiops' 3 s)")
    parser.add_argument("--step-seconds", type=float, default=1.5, help="how long each workflow step takes")
    args = parser.parse_args()

    from dandiops.app.context import Context
    from dandiops.sandbox.full import build_sandbox
    from dandiops.sandbox.github.component import GitHubComponent
    from dandiops.sandbox.github.seed import set_staging_dispatch
    from dandiops.sandbox.github.state import RunPace
    from dandiops.steps.release.trigger import Release, ReleaseRequest

    workdir = Path(tempfile.mkdtemp(prefix="dandiops-bench-release-"))
    sandbox = build_sandbox(workdir / "sandbox")
    sandbox.start()
    github = next(c for c in sandbox.components if isinstance(c, GitHubComponent))
    github.state.set_pace(RunPace(queue_seconds=args.step_seconds, step_seconds=args.step_seconds))
    set_staging_dispatch(github.state, github.repo)
    completed_at: dict[int, float] = {}
    lock = threading.Lock()

    def note_completion(run) -> None:
        with lock:
            completed_at[run.id] = time.monotonic()

    github.state.on_run_completed.append(note_completion)
    environ = {**os.environ, **sandbox.environment(), "DANDIOPS_AUDIT_LOG": str(workdir / "audit.log"),
               "DANDIOPS_GITHUB_WRITE_INTERVAL": "0"}
    if args.interval is not None:
        environ["DANDIOPS_POLL_INTERVAL"] = str(args.interval)
    else:
        environ.pop("DANDIOPS_POLL_INTERVAL", None)
    interval = args.interval if args.interval is not None else 3.0
    print(f"poll interval {interval:g} s, each workflow step {args.step_seconds:g} s", flush=True)
    delays, calls = [], []
    try:
        for attempt in range(1, args.runs + 1):
            github_before = len(github.state.requests)
            heroku_before = len(sandbox.heroku.state.requests)
            timing = Timing()
            context = Context(env_name="staging", yes=True, environ=environ)
            started = time.monotonic()
            try:
                outcome = Release(context, ReleaseRequest(timeout=600), timing).run()
            finally:
                context.close()
            wall = time.monotonic() - started
            github.deploys.wait(120)
            requests = github.state.requests[github_before:]
            made = [r for r in requests if not r.path.startswith("/_sandbox/")]
            free = sum(1 for r in made if r.status == 304)
            heroku_calls = len(sandbox.heroku.state.requests) - heroku_before
            run_id = outcome.run.id if outcome.run else None
            delay = (timing.noticed - completed_at[run_id]) if run_id in completed_at and timing.noticed else None
            release = outcome.heroku_release
            print(f"release {attempt}: exit {int(outcome.exit_code)}, {wall:.1f} s wall; GitHub calls {len(made)} "
                  f"({free} free 304s, {len(made) - free} charged); Heroku calls {heroku_calls}; "
                  f"run completion noticed after {'-' if delay is None else f'{delay:.2f} s'}; "
                  f"heroku v{release.version if release else '-'} {release.status if release else ''}", flush=True)
            if delay is not None:
                delays.append(delay)
            calls.append(len(made))
    finally:
        sandbox.stop()
    if delays:
        print(f"median: {statistics.median(calls):g} GitHub calls per release, "
              f"{statistics.median(delays):.2f} s from completion to notice (max {max(delays):.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
