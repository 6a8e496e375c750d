"""`dandiops alerts`: set what the API can set, and keep a checklist of what only the dashboard can."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from dandiops.cli.common import DryRunOption, EnvOption, JsonOption, YesOption, get_context


def register(root: typer.Typer) -> None:
    root.command("alerts")(alerts)


def alerts(
    ctx: typer.Context,
    confirm: Annotated[Optional[list[str]], typer.Option(
        "--confirm", help="Record a checklist item as done (threshold-alerts, alert-recipients, papertrail-alerts, "
                          "or all); repeatable.")] = None,
    check: Annotated[bool, typer.Option(
        "--check", help="Change nothing; exit 6 if a change is pending or a checklist item is not confirmed.")] = False,
    env: EnvOption = None,
    dry_run: DryRunOption = False,
    yes: YesOption = False,
    json_output: JsonOption = False,
) -> None:
    """Turn on dyno runtime metrics in the logs; list the alert settings that need the dashboard.

    Heroku's threshold alerts and who receives its emails have no API: they are printed with links.

    Confirm each when done (asked on a terminal, else --confirm ID); .dandiops/confirmations.json keeps it.
    """
    from dandiops.core.errors import ExitCode, UsageError
    from dandiops.steps import alerts as steps

    ids = steps.parse_confirm_ids(confirm)
    if check and (ids or dry_run):
        raise UsageError("--check only reads", hint="run --check on its own, then --confirm or --dry-run separately")
    context = get_context(ctx, env=env, json_mode=json_output, yes=yes)
    reporter = context.reporter
    step = steps.AlertsStep()
    report = step.report(context)
    chosen = steps.select_items(report, ids)

    if check:
        pass
    elif dry_run:
        for change in report.changes:
            reporter.info(f"would {change.describe()}")
        for item in chosen:
            reporter.info(f"would record as done: {item.title}")
    else:
        if report.changes:
            context.confirm_production("changing alert settings")
            step.apply(context, report.changes)
            for change in report.changes:
                reporter.success(change.describe())
        steps.record_confirmations(context, chosen)

    def human() -> None:
        marks = {"confirmed": "[x]", "unavailable": "[-]"}
        reporter.line(f"Alerts checklist for {report.app} (the dashboard only; confirm with --confirm ID):")
        for item in report.checklist:
            reporter.line(f"{marks.get(item.status, '[ ]')} {item.id}: {item.title}")
            if item.status == "confirmed":
                reporter.line(f"      confirmed {item.confirmed_at} by {item.confirmed_by}")
            elif item.note:
                reporter.line(f"      {item.note}")
            else:
                reporter.line(f"      {item.how}")
                for link in item.links:
                    reporter.line(f"      {link}")

    reporter.result({**report.to_dict(), "dry_run": dry_run, "check": check}, human)
    if not check and not dry_run:
        done = steps.ask_for_confirmations(context, report)  # on a terminal only, after the links were shown
        steps.record_confirmations(context, done)
        for item in done:
            reporter.success(f"recorded as done: {item.title}")
    if check and (report.changes or report.unconfirmed):
        reporter.error(f"alerts are not fully set up on {report.app}: "
                       f"{len(report.changes)} change(s) pending, {len(report.unconfirmed)} item(s) not confirmed",
                       hint=f"run `dandiops alerts -e {context.env.name}` and confirm each item when done")
        raise typer.Exit(int(ExitCode.CHECK_FAILED))
