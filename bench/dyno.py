"""Approving 1, 100 and 1,000 pending users in the sandbox: wall time, dyno run time, dyno count.

Runs the installed entry point (`python -m dandiops users approve --from-file ...`) as an operator
would, against a sandbox started here (the Heroku stand-in, one-off dynos and the miniature
archive on SQLite). The dyno's run time comes from the stand-in's log (process up -> exited); what
is left of the wall time is dandiops' own overhead: start-up, the API call, TLS and parsing.
Target: one dyno per batch, overhead at most 2 s.

    python bench/dyno.py [--sizes 1,100,1000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STAGING_APP = "dandi-sandbox-api-staging"
SEED = """
import os
from django.contrib.auth.models import User
from dandiapi.api.models import UserMetadata
emails = os.environ["SEED_EMAILS"].split()
users = User.objects.bulk_create([User(username=e, email=e) for e in emails])
UserMetadata.objects.bulk_create([UserMetadata(user=u, status="PENDING") for u in users])
"""


def seed(app, emails: list[str]) -> None:
    from dandiops.sandbox.dyno import database, executor

    database.ensure_migrated(app)
    status = executor.run_to_completion(app, f"python manage.py shell -v 0 -c {shlex.quote(SEED)}",
                                        {"SEED_EMAILS": " ".join(emails)}, dyno_name="seed.1")
    if status != 0:
        raise SystemExit("seeding the users failed")


def dyno_seconds(log_lines: list[str], dyno: str) -> float:
    def stamp(line: str) -> dt.datetime:
        return dt.datetime.fromisoformat(line.split(" ", 1)[0])

    up = next(stamp(line) for line in log_lines if f"heroku[{dyno}]: State changed from starting to up" in line)
    done = next(stamp(line) for line in log_lines if f"heroku[{dyno}]: Process exited" in line)
    return (done - up).total_seconds()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,100,1000", help="comma-separated batch sizes")
    sizes = [int(size) for size in parser.parse_args().sizes.split(",")]

    from dandiops.sandbox.dyno.component import DynoComponent
    from dandiops.sandbox.dyno.web import ArchiveWebComponent
    from dandiops.sandbox.runtime import Sandbox

    workdir = Path(tempfile.mkdtemp(prefix="dandiops-bench-dyno-"))
    dynos = DynoComponent()
    sandbox = Sandbox(workdir, components=[dynos, ArchiveWebComponent()], heroku_extensions=[dynos.heroku_extension])
    sandbox.start()
    state = sandbox.heroku.state
    app = state.find_app(STAGING_APP)
    env = {**os.environ, **sandbox.environment(), "NO_COLOR": "1"}
    rows = []
    try:
        for size in sizes:
            emails = [f"bench{size}-{index}@example.org" for index in range(size)]
            seed(app, emails)
            batch = workdir / f"batch-{size}.txt"
            batch.write_text("\n".join(emails) + "\n")
            posts_before = len([r for r in state.requests if r.method == "POST" and r.path.endswith("/dynos")])
            started = time.perf_counter()
            process = subprocess.run(
                [sys.executable, "-m", "dandiops", "users", "approve", "-e", "staging", "--from-file", str(batch),
                 "--json"], env=env, cwd=workdir, capture_output=True, text=True)
            wall = time.perf_counter() - started
            if process.returncode != 0:
                raise SystemExit(f"approving {size} users failed:\n{process.stderr}")
            result = json.loads(process.stdout)
            posts = len([r for r in state.requests if r.method == "POST" and r.path.endswith("/dynos")]) - posts_before
            in_dyno = dyno_seconds(state.log_lines[STAGING_APP], result["dyno"])
            rows.append((size, len(result["changed"]), result["emails_sent"], posts, wall, in_dyno, wall - in_dyno))
    finally:
        sandbox.stop()

    print(f"{'users':>6} {'approved':>8} {'emails':>6} {'dynos':>5} {'wall s':>7} {'dyno s':>7} {'overhead s':>10}")
    for size, approved, sent, posts, wall, in_dyno, overhead in rows:
        print(f"{size:>6} {approved:>8} {sent:>6} {posts:>5} {wall:>7.2f} {in_dyno:>7.2f} {overhead:>10.2f}")
    print("target: 1 dyno per batch, overhead <= 2.00 s")


if __name__ == "__main__":
    main()
