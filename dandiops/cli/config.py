"""`dandiops config`: the app's config vars against what the archive needs."""

from __future__ import annotations

import typer

from dandiops.cli.common import ReadOptions, command, command_group
from dandiops.core.words import plural

app = command_group("config", "Check the Heroku app's config vars against what the archive requires.")


@command(app, "check")
def check(ctx: typer.Context, read: ReadOptions) -> None:
    """List every required config var as set or missing; exit 6 when any is missing.

    Secret values are never shown, only whether they are set.
    """
    from dandiops.core.errors import ExitCode
    from dandiops.steps.config_vars import required_config_report

    context = read.context(ctx)
    report = required_config_report(context)
    missing = [row["name"] for row in report if not row["set"]]

    def human() -> None:
        context.reporter.table(
            ["config var", "status", "value"],
            [(r["name"], "set" if r["set"] else "MISSING", r["value"] or "") for r in report],
        )

    context.reporter.result({"app": context.env.heroku_app, "vars": report, "missing": missing}, human)
    if missing:
        context.reporter.error(
            f"{plural(len(missing), 'required config var')} missing: {', '.join(missing)}",
            hint=f"set them with `heroku config:set NAME=value -a {context.env.heroku_app}` "
            "or run `dandiops init --only config-vars`",
        )
        raise typer.Exit(int(ExitCode.CHECK_FAILED))
    context.reporter.success("every required config var is set")
