"""`dandiops cachetable create`: the database cache table the release phase never creates."""

from __future__ import annotations

from typing import Any

import typer

from dandiops.cli.change import Mutation, Report
from dandiops.cli.common import ChangeOptions, command, command_group

app = command_group("cachetable", "The database cache table (dandi_cache_table).")


@command(app, "create")
def create(ctx: typer.Context, change: ChangeOptions) -> None:
    """Run `createcachetable dandi_cache_table` in a one-off dyno; safe to repeat."""
    change.carry_out(change.context(ctx), CacheTableChange())


class CacheTableChange(Mutation[Any, str]):
    """createcachetable is safe to repeat: a real run is not checked first (a dyno each), a dry run is."""

    def __init__(self) -> None:
        from dandiops.archive.deployment import CACHE_TABLE

        self.action = f"creating cache table {CACHE_TABLE}"

    def plan(self, context, *, dry_run: bool):
        from dandiops.steps.cachetable import CacheTableStep

        return CacheTableStep().check(context) if dry_run else None

    def pending(self, plan) -> bool:
        return plan is None or not plan.ok

    def apply(self, context, plan) -> str:
        from dandiops.steps.cachetable import CacheTableStep

        return CacheTableStep().create(context)

    def report(self, context, plan, result, *, dry_run: bool) -> Report:
        from dandiops.archive.deployment import CACHE_TABLE

        reporter = context.reporter
        app_name = context.env.heroku_app
        exists = result == "exists" if plan is None else plan.ok
        if dry_run and exists:
            reporter.success(f"cache table {CACHE_TABLE} already exists on {app_name}; nothing to do")
        elif dry_run:
            reporter.info(f"would create cache table {CACHE_TABLE} on {app_name}:")
            for line in plan.details:
                reporter.info(f"  {line}")
        elif exists:
            reporter.success(f"cache table {CACHE_TABLE} already exists on {app_name}; nothing changed")
        else:
            reporter.success(f"cache table {CACHE_TABLE} is in place on {app_name}")
        # the same fields either way: `sql` is what a dry run found missing, `outcome` what a real run did
        return Report(
            {
                "app": app_name,
                "table": CACHE_TABLE,
                "exists": exists,
                "sql": None if plan is None else plan.details,
                "outcome": result,
            }
        )
