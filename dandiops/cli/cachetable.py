"""`dandiops cachetable create`: the database cache table the release phase never creates."""

from __future__ import annotations

import typer

from dandiops.cli.common import DryRunOption, EnvOption, JsonOption, YesOption, get_context

app = typer.Typer(help="The database cache table (dandi_cache_table).", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="cachetable")


@app.command("create")
def create(ctx: typer.Context, env: EnvOption = None, dry_run: DryRunOption = False, yes: YesOption = False,
           json_output: JsonOption = False) -> None:
    """Run `createcachetable dandi_cache_table` in a one-off dyno; safe to repeat."""
    from dandiops.archive.deployment import CACHE_TABLE
    from dandiops.steps.base import Status
    from dandiops.steps.cachetable import CacheTableStep

    context = get_context(ctx, env=env, json_mode=json_output, yes=yes)
    reporter = context.reporter
    app_name = context.env.heroku_app
    step = CacheTableStep()
    if dry_run:
        check = step.check(context)
        if check.status == Status.OK:
            reporter.success(f"cache table {CACHE_TABLE} already exists on {app_name}; nothing to do")
        else:
            reporter.info(f"would create cache table {CACHE_TABLE} on {app_name}:")
            for line in check.details:
                reporter.info(f"  {line}")
        reporter.result({"app": app_name, "table": CACHE_TABLE, "dry_run": True,
                         "exists": check.status == Status.OK, "sql": check.details})
        return
    context.confirm_production(f"creating cache table {CACHE_TABLE}")
    outcome = step.create(context)
    if outcome == "exists":
        reporter.success(f"cache table {CACHE_TABLE} already exists on {app_name}; nothing changed")
    else:
        reporter.success(f"cache table {CACHE_TABLE} is in place on {app_name}")
    reporter.result({"app": app_name, "table": CACHE_TABLE, "dry_run": False, "outcome": outcome})
