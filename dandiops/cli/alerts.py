"""`dandiops alerts`: set what the API can set, and keep a checklist of what only the dashboard can."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Optional

import typer

from dandiops.cli.change import Mutation, Report
from dandiops.cli.common import ChangeOptions, command
from dandiops.core.words import plural


def register(root: typer.Typer) -> None:
    command(root, "alerts")(alerts)


def alerts(
    ctx: typer.Context,
    confirm: Annotated[
        Optional[list[str]],
        typer.Option(
            "--confirm",
            help="Record a checklist item as done (threshold-alerts, alert-recipients, papertrail-alerts, "
            "or all); repeatable.",
        ),
    ] = None,
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="Change nothing; exit 6 if a change is pending or a checklist item is not confirmed."
        ),
    ] = False,
    *,
    change: ChangeOptions,
) -> None:
    """Turn on dyno runtime metrics in the logs; list the alert settings that need the dashboard.

    Heroku's threshold alerts and who receives its emails have no API: they are printed with links.

    Confirm each when done (asked on a terminal, else --confirm ID); .dandiops/confirmations.json keeps it.
    """
    from dandiops.core.errors import ExitCode, UsageError
    from dandiops.steps.alerts import parse_confirm_ids

    ids = parse_confirm_ids(confirm)
    if check and (ids or change.dry_run):
        raise UsageError("--check only reads", hint="run --check on its own, then --confirm or --dry-run separately")
    context = change.context(ctx)
    alerts_change = AlertsChange(ids)
    if not check:
        change.carry_out(context, alerts_change)
        return
    plan = alerts_change.plan(context, dry_run=True)
    report = alerts_change.report(context, plan, None, dry_run=False)
    context.reporter.result({**report.data, "dry_run": False, "check": True}, report.human)
    if plan.report.changes or plan.report.unconfirmed:
        context.reporter.error(
            f"alerts are not fully set up on {plan.report.app}: {plural(len(plan.report.changes), 'change')} pending, "
            f"{plural(len(plan.report.unconfirmed), 'item')} not confirmed",
            hint=f"run `dandiops alerts -e {context.env.name}` and confirm each item when done",
        )
        raise typer.Exit(int(ExitCode.CHECK_FAILED))


@dataclass
class AlertsPlan:
    report: Any  # steps.alerts.AlertsReport: what the API would change, and the checklist
    chosen: list  # the checklist items --confirm records as done


class AlertsChange(Mutation[AlertsPlan, AlertsPlan]):
    action = "changing alert settings"

    def __init__(self, confirm_ids: list[str]):
        self.confirm_ids = confirm_ids

    def plan(self, context, *, dry_run: bool) -> AlertsPlan:
        from dandiops.steps.alerts import AlertsStep, select_items

        report = AlertsStep().report(context)
        return AlertsPlan(report, select_items(report, self.confirm_ids))

    def pending(self, plan: AlertsPlan) -> bool:
        return bool(plan.report.changes or plan.chosen)

    def asks_on_production(self, plan: AlertsPlan) -> bool:
        return bool(plan.report.changes)  # recording a checklist item done changes nothing on Heroku

    def apply(self, context, plan: AlertsPlan) -> AlertsPlan:
        from dandiops.steps.alerts import AlertsStep, record_confirmations

        if plan.report.changes:
            AlertsStep().apply(context, plan.report.changes)
            for change in plan.report.changes:
                context.reporter.success(change.describe())
        record_confirmations(context, plan.chosen)
        return plan

    def report(self, context, plan: AlertsPlan, result, *, dry_run: bool) -> Report:
        reporter = context.reporter
        report = plan.report
        if dry_run:
            for change in report.changes:
                reporter.info(f"would {change.describe()}")
            for item in plan.chosen:
                reporter.info(f"would record as done: {item.title}")

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

        return Report({**report.to_dict(), "check": False}, human)

    def conclude(self, context, plan: AlertsPlan, result, *, dry_run: bool) -> None:
        from dandiops.steps.alerts import ask_for_confirmations, record_confirmations

        if dry_run:
            return
        done = ask_for_confirmations(context, plan.report)  # on a terminal only, after the links were shown
        record_confirmations(context, done)
        for item in done:
            context.reporter.success(f"recorded as done: {item.title}")
