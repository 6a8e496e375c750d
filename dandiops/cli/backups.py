"""`dandiops backups`: the daily Heroku Postgres backup schedule, and the backups taken."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Optional

import typer

from dandiops.cli.change import ChangeList, Report, StepMutation
from dandiops.cli.common import ChangeOptions, ReadOptions, command, command_group

if TYPE_CHECKING:
    from dandiops.steps.backups import BackupScheduleStep

app = command_group("backups", "Schedule daily Heroku Postgres backups and see the backups taken.")

AtOption = Annotated[
    Optional[str],
    typer.Option(
        "--at",
        help="Hour of the daily backup, HH:00 on a 24-hour clock (default: 02:00; a zone may follow, as in the "
        "Heroku CLI: '02:00 EST').",
    ),
]
TzOption = Annotated[
    Optional[str],
    typer.Option(
        "--tz",
        help="IANA time zone of --at, e.g. Europe/Berlin or UTC (default: America/New_York).",
    ),
]

# The schedules' table of `backups status`: each column's header, and the field of `--json` it shows.
SCHEDULE_COLUMNS = {"schedule": "name", "daily at": "at", "weeks kept": "retain_weeks", "months kept": "retain_months"}


def _size(num_bytes) -> str:
    if num_bytes is None:
        return "-"
    size = float(num_bytes)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return "-"  # pragma: no cover - the loop always returns


@command(app, "schedule")
def schedule(ctx: typer.Context, at: AtOption = None, tz: TzOption = None, *, change: ChangeOptions) -> None:
    """Back up the DATABASE_URL database daily at one hour (default 02:00 America/New_York).

    Creates the schedule or replaces its hour and zone; the time already set changes nothing.

    Warns when the database has continuous protection, as the Heroku CLI does.
    """
    from dandiops.steps.backups import BackupScheduleStep, parse_schedule_time

    when = parse_schedule_time(at, tz)  # bad input fails here, before any request
    context = change.context(ctx)
    step = BackupScheduleStep(when)
    database = step.attachment(context).addon_name
    change.carry_out(
        context,
        ScheduleChange(
            step,
            when,
            action=f"scheduling backups of {database}",
            nothing=f"daily backups of {database} already run at {when}",
        ),
    )


class ScheduleChange(StepMutation):
    step: BackupScheduleStep

    def __init__(self, step, when, *, action: str, nothing: str):
        super().__init__(step, action=action, nothing=nothing)
        self.when = when
        self.warning: str | None = None

    def plan(self, context, *, dry_run: bool):
        changes = self.step.plan(context)
        self.warning = self.step.protection_warning(context)
        if self.warning:
            context.reporter.warn(self.warning)
        return changes

    def report(self, context, plan, result, *, dry_run: bool) -> Report:
        attachment = self.step.attachment(context)
        if result is None:
            self.report_changes(context, plan, result)
        else:
            context.reporter.success(f"daily backups of {attachment.addon_name} at {self.when}")
        return Report(
            {
                "app": context.env.heroku_app,
                "database": attachment.addon_name,
                "schedule": attachment.schedule_name,
                "hour": self.when.hour,
                "timezone": self.when.timezone,
                "changes": [c.to_dict() for c in plan],
                "continuous_protection_warning": self.warning,
            }
        )


@command(app, "unschedule")
def unschedule(ctx: typer.Context, change: ChangeOptions) -> None:
    """Stop the daily backups of the DATABASE_URL database (backups already taken are kept)."""
    change.carry_out(change.context(ctx), UnscheduleChange())


class UnscheduleChange(ChangeList):
    def plan(self, context, *, dry_run: bool):
        from dandiops.steps.backups import unschedule_changes

        self.attachment, self.schedules, changes = unschedule_changes(context)
        self.action = f"removing the backup schedule of {self.attachment.addon_name}"
        self.nothing = f"no backup schedule for {self.attachment.addon_name}: nothing to remove"
        return changes

    def apply(self, context, plan):
        from dandiops.steps.backups import unschedule

        unschedule(context, self.attachment, self.schedules)
        return plan

    def report(self, context, plan, result, *, dry_run: bool) -> Report:
        self.report_changes(context, plan, result)
        return Report(
            {
                "app": context.env.heroku_app,
                "database": self.attachment.addon_name,
                "changes": [c.to_dict() for c in plan],
            }
        )


@command(app, "status")
def status(ctx: typer.Context, read: ReadOptions) -> None:
    """The database, its backup schedule, continuous protection and the latest backup."""
    from dandiops.steps.backups import backup_status

    context = read.context(ctx)
    reporter = context.reporter
    data = backup_status(context)

    def human() -> None:
        database = data["database"]
        reporter.line(
            f"{data['app']}  database {database['addon']} ({database['plan']})  continuous protection "
            + ("On" if database["continuous_protection"] else "Off")
        )
        reporter.records(data["schedules"], SCHEDULE_COLUMNS, "Backup schedule", empty="Backup schedule: none")
        latest = data["latest_backup"]
        reporter.line(
            "Latest backup: none"
            if latest is None
            else f"Latest backup: {latest['name']} {latest['status']}  {latest['created_at']}  "
            f"{_size(latest['size'])}  ({'scheduled' if latest['scheduled'] else 'manual'})"
        )

    reporter.result(data, human)
    if not data["schedules"]:
        reporter.warn(f"no daily backup is scheduled: run `dandiops backups schedule -e {context.env.name}`")
    if data["latest_backup"] and data["latest_backup"]["status"] == "failed":
        reporter.warn(f"the latest backup ({data['latest_backup']['name']}) failed")
    if data["warning"]:
        reporter.warn(data["warning"])


@command(app, "list")
def list_(ctx: typer.Context, read: ReadOptions) -> None:
    """The backups Heroku holds for the app, newest first."""
    from dandiops.steps.backups import list_backups

    context = read.context(ctx)
    items = list_backups(context)

    def human() -> None:
        context.reporter.table(
            ["backup", "taken", "status", "size", "kind"],
            [
                (b["name"], b["created_at"], b["status"], _size(b["size"]), "scheduled" if b["scheduled"] else "manual")
                for b in items
            ],
            empty="No backups yet.",
        )

    context.reporter.result({"app": context.env.heroku_app, "backups": items}, human)
