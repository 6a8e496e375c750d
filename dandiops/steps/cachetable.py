"""The database cache table (dandi_cache_table): the release phase never creates it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dandiops.archive.deployment import CACHE_TABLE
from dandiops.archive.management import cachetable_command, cachetable_outcome
from dandiops.core.errors import DandiopsError
from dandiops.steps.base import Check, CreateWhenMissing, InitStep, Status
from dandiops.steps.oneoff import DynoRun, run_in_dyno

if TYPE_CHECKING:
    from dandiops.app.context import Context


def _failed(run: DynoRun, doing: str) -> DandiopsError:
    return DandiopsError(
        f"{doing} failed in dyno {run.dyno_name} (exit status {run.exit_status}):\n{run.output(10)}",
        hint="the database must be reachable and migrated: check DATABASE_URL and the last release's release phase",
    )


class CacheTableStep(CreateWhenMissing[Check], InitStep):
    name = "cachetable"
    title = f"Database cache table {CACHE_TABLE}"
    target = f"cache table {CACHE_TABLE}"
    needs_ready_app = True  # createcachetable runs the app's code in a dyno
    needs_deploy = True
    remembered = True

    def check(self, ctx: "Context") -> Check:
        return self.found(ctx)

    def find(self, ctx: "Context") -> Check:
        run = run_in_dyno(ctx, cachetable_command(dry_run=True), echo=False, what="checking the cache table")
        if run.exit_status != 0:
            raise _failed(run, "checking the cache table")
        if cachetable_outcome(run.lines) == "exists":
            return Check(Status.OK, f"cache table {CACHE_TABLE} exists")
        sql = [line for line in run.lines if line.strip()]
        return Check(Status.PENDING, f"cache table {CACHE_TABLE} is missing", sql)

    def missing(self, found: Check) -> bool:
        return not found.ok

    def create_missing(self, ctx: "Context") -> bool:
        return self.create(ctx) == "created"

    def create(self, ctx: "Context") -> str:
        """Run createcachetable (safe to repeat); "created", "exists", or "done" when Django did not say."""
        run = run_in_dyno(ctx, cachetable_command(), echo=False, what=f"creating cache table {CACHE_TABLE}")
        if run.exit_status != 0:
            raise _failed(run, f"creating cache table {CACHE_TABLE}")
        outcome = cachetable_outcome(run.lines) or "done"
        if outcome != "exists":
            ctx.record("cachetable.create", outcome, table=CACHE_TABLE, dyno=run.dyno_name)
        return outcome
