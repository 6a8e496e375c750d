"""How long `dandiops init` takes to build a clone from the empty sandbox, and how much of it is dandiops' own.

Starts the sandbox in its empty world (a Heroku team with no apps, an empty AWS account, an
unmodified fork), runs `dandiops -e ENV init --non-interactive --yes --answers $DANDIOPS_SANDBOX_ANSWERS`
as a command, then runs it again. Prints:
- the wall time of the first run, split into the time remote work was under way on the stand-ins
  (workflow runs queued or running, Heroku builds and release phases, one-off dyno processes, dynos
  booting, Netlify builds) and the rest, dandiops' own time (its requests, its checks, its start-up);
- the requests the first run sent to each stand-in (reads and writes);
- the write requests of the re-run.
Target: dandiops' own time at most 15 s, and a re-run sends 0 writes.

    python bench/init_from_empty.py [--env staging] [--step-seconds 1.5] [--queue-seconds 2]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

OWN_TIME_TARGET = 15.0
SAMPLE_SECONDS = 0.01


class RemoteWork:
    """Samples the stand-ins while init runs: how long some remote work was under way (a union, not a sum)."""

    def __init__(self, sandbox) -> None:
        from dandiops.sandbox.github.component import GitHubComponent
        from dandiops.sandbox.netlify.component import NetlifyComponent

        self.heroku = sandbox.heroku.state
        self.github = next(c for c in sandbox.components if isinstance(c, GitHubComponent)).state
        self.netlify = next((c for c in sandbox.components if isinstance(c, NetlifyComponent)), None)
        self.busy = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="bench-sampler", daemon=True)

    def under_way(self) -> bool:
        with self.github.lock:
            runs = any(run.status != "completed" for repo in self.github.repos.values() for run in repo.runs.values())
        with self.heroku.lock:
            apps = list(self.heroku.apps.values())
            releasing = any(release.status == "pending" for app in apps for release in app.releases)
            # a one-off dyno's process, or a formation dyno booting (the web process starting)
            dynos = any(not d.formation or d.state == "starting" for app in apps for d in app.dynos.values())
        building = False
        if self.netlify is not None:
            with self.netlify.state.lock:
                building = any(not build.done for build in self.netlify.state.builds.values())
        return runs or releasing or dynos or building

    def _sample(self) -> None:
        last = time.monotonic()
        while not self._stop.wait(SAMPLE_SECONDS):
            now = time.monotonic()
            if self.under_way():
                self.busy += now - last
            last = now

    def __enter__(self) -> "RemoteWork":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def request_counts(sandbox) -> dict[str, tuple[int, int]]:
    """(reads, writes) each stand-in has had so far."""
    from dandiops.sandbox.aws import AwsComponent
    from dandiops.sandbox.demo import write_requests
    from dandiops.sandbox.github.component import GitHubComponent
    from dandiops.sandbox.netlify.component import NetlifyComponent

    totals = {"heroku": len(sandbox.heroku.state.requests)}
    for component in sandbox.components:
        if isinstance(component, GitHubComponent):
            totals["github"] = len([r for r in component.state.requests if not r.path.startswith("/_sandbox/")])
        elif isinstance(component, AwsComponent):
            totals["aws"] = len(component.requests)
        elif isinstance(component, NetlifyComponent):
            totals["netlify"] = len(component.state.requests)
    writes = write_requests(sandbox)
    return {name: (totals[name] - writes.get(name, 0), writes.get(name, 0)) for name in totals}


def init_command(env_name: str, answers: str) -> list[str]:
    dandiops = [sys.executable, "-m", "dandiops"]
    return [*dandiops, "-e", env_name, "init", "--non-interactive", "--yes", "--answers", answers]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="staging", choices=("staging", "production"))
    parser.add_argument("--step-seconds", type=float, default=None, help="each workflow step (sandbox default 1.5)")
    parser.add_argument("--queue-seconds", type=float, default=None, help="a run's time queued (sandbox default 2)")
    args = parser.parse_args()
    if args.step_seconds is not None:
        os.environ["DANDIOPS_SANDBOX_STEP_SECONDS"] = str(args.step_seconds)
    if args.queue_seconds is not None:
        os.environ["DANDIOPS_SANDBOX_QUEUE_SECONDS"] = str(args.queue_seconds)

    from dandiops.sandbox.demo import demo_environment, write_requests
    from dandiops.sandbox.full import build_sandbox
    from dandiops.sandbox.runtime import ANSWERS_VAR

    with tempfile.TemporaryDirectory(prefix="dandiops-bench-") as folder:
        sandbox = build_sandbox(Path(folder), empty=True)
        sandbox.start()
        try:
            with demo_environment(sandbox) as environ:
                command = init_command(args.env, environ[ANSWERS_VAR])
                before = request_counts(sandbox)
                with RemoteWork(sandbox) as remote:
                    started = time.monotonic()
                    first = subprocess.run(command, env=environ, capture_output=True, text=True)
                    wall = time.monotonic() - started
                after = request_counts(sandbox)
                if first.returncode != 0:
                    print(first.stdout + first.stderr)
                    print(f"init from the empty sandbox exited {first.returncode} after {wall:.1f} s")
                    return 1
                written = sum(write_requests(sandbox).values())
                again = subprocess.run(command, env=environ, capture_output=True, text=True)
                rewrites = sum(write_requests(sandbox).values()) - written
                if again.returncode != 0:
                    print(again.stdout + again.stderr)
                    print(f"the re-run exited {again.returncode}")
                    return 1
        finally:
            sandbox.stop()

    own = wall - remote.busy
    print(f"init -e {args.env} from the empty sandbox: {wall:.1f} s wall")
    print(f"  remote work under way (workflow runs, builds, release phases, dynos): {remote.busy:.1f} s")
    print(f"  dandiops' own time: {own:.1f} s")
    for name in sorted(after):
        reads = after[name][0] - before.get(name, (0, 0))[0]
        writes = after[name][1] - before.get(name, (0, 0))[1]
        print(f"  requests to {name}: {reads + writes} ({reads} reads, {writes} writes)")
    print(f"re-run: {rewrites} write request(s)")
    verdict = "OK" if own <= OWN_TIME_TARGET and rewrites == 0 else "OVER TARGET"
    print(f"target: dandiops' own time at most {OWN_TIME_TARGET:g} s and 0 writes on a re-run -> {verdict}")
    return 0 if verdict == "OK" else 1


if __name__ == "__main__":
    sys.exit(main())
