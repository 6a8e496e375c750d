"""`dandiops backups`: the daily Heroku Postgres backup schedule, and the backups taken."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from dandiops.cli.common import DryRunOption, EnvOption, JsonOption, YesOption, carry_out, get_context

app = typer.Typer(help="Schedule daily Heroku Postgres backups and see the backups taken.", no_args_is_help=True)

AtOption = Annotated[Optional[str], typer.Option(
    "--at", help="Hour of the daily backup, HH:00 on a 24-hour clock (a zone may follow, as in the Heroku CLI: "
                 "'02:00 EST').", show_default="02:00")]
TzOption = Annotated[Optional[str], typer.Option(
    "--tz", help="IANA time zone of --at, e.g. America/New_York, Europe/Berlin, UTC.",
    show_default="America/New_York")]


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="backups")


def _size(num_bytes) -> str:
    if num_bytes is None:
        return "-"
    size = float(num_bytes)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return "-"  # pragma: no cover - the loop always returns


@app.command("schedule")
def schedule(ctx: typer.Context, at: AtOption = None, tz: TzOption = None, env: EnvOption = None,
             dry_run: DryRunOption = False, yes: YesOption = False, json_output: JsonOption = False) -> None:
    """Back up the DATABASE_URL database daily at one hour (default 02:00 America/New_York).

    Creates the schedule or replaces its hour and zone; the time already set changes nothing.

    Warns when the database has continuous protection, as the Heroku CLI does.
    """
    from dandiops.steps.backups import BackupScheduleStep, parse_schedule_time

    when = parse_schedule_time(at, tz)  # bad input fails here, before any request
    context = get_context(ctx, env=env, json_mode=json_output, yes=yes)
    reporter = context.reporter
    step = BackupScheduleStep(when)
    changes = step.plan(context)
    attachment = step.attachment(context)
    warning = step.protection_warning(context)
    if warning:
        reporter.warn(warning)
    carry_out(context, changes, step.apply, dry_run=dry_run,
              confirm=f"scheduling backups of {attachment.addon_name}",
              nothing=f"daily backups of {attachment.addon_name} already run at {when}",
              done=lambda: reporter.success(f"daily backups of {attachment.addon_name} at {when}"))
    reporter.result({"app": context.env.heroku_app, "database": attachment.addon_name,
                     "schedule": attachment.schedule_name, "hour": when.hour, "timezone": when.timezone,
                     "dry_run": dry_run, "changes": [c.to_dict() for c in changes],
                     "continuous_protection_warning": warning})


@app.command("unschedule")
def unschedule(ctx: typer.Context, env: EnvOption = None, dry_run: DryRunOption = False, yes: YesOption = False,
               json_output: JsonOption = False) -> None:
    """Stop the daily backups of the DATABASE_URL database (backups already taken are kept)."""
    from dandiops.steps import backups

    context = get_context(ctx, env=env, json_mode=json_output, yes=yes)
    reporter = context.reporter
    attachment, schedules, changes = backups.unschedule_changes(context)
    carry_out(context, changes, lambda ctx, _changes: backups.unschedule(ctx, attachment, schedules),
              dry_run=dry_run, confirm=f"removing the backup schedule of {attachment.addon_name}",
              nothing=f"no backup schedule for {attachment.addon_name}: nothing to remove")
    reporter.result({"app": context.env.heroku_app, "database": attachment.addon_name, "dry_run": dry_run,
                     "changes": [c.to_dict() for c in changes]})


@app.command("status")
def status(ctx: typer.Context, env: EnvOption = None, json_output: JsonOption = False) -> None:
    """The database, its backup schedule, continuous protection and the latest backup."""
    from dandiops.steps.backups import backup_status

    context = get_context(ctx, env=env, json_mode=json_output)
    reporter = context.reporter
    data = backup_status(context)

    def human() -> None:
        database = data["database"]
        reporter.line(f"{data['app']}  database {database['addon']} ({database['plan']})  continuous protection "
                      + ("On" if database["continuous_protection"] else "Off"))
        if data["schedules"]:
            reporter.table(["schedule", "daily at", "weeks kept", "months kept"],
                           [(s["name"], s["at"], s["retain_weeks"], s["retain_months"]) for s in data["schedules"]],
                           title="Backup schedule")
        else:
            reporter.line("Backup schedule: none")
        latest = data["latest_backup"]
        reporter.line("Latest backup: none" if latest is None else
                      f"Latest backup: {latest['name']} {latest['status']}  {latest['created_at']}  "
                      f"{_size(latest['size'])}  ({'scheduled' if latest['scheduled'] else 'manual'})")

    reporter.result(data, human)
    if not data["schedules"]:
        reporter.warn(f"no daily backup is scheduled: run `dandiops backups schedule -e {context.env.name}`")
    if data["latest_backup"] and data["latest_backup"]["status"] == "failed":
        reporter.warn(f"the latest backup ({data['latest_backup']['name']}) failed")
    if data["warning"]:
        reporter.warn(data["warning"])


@app.command("list")
def list_(ctx: typer.Context, env: EnvOption = None, json_output: JsonOption = False) -> None:
    """The backups Heroku holds for the app, newest first."""
    from dandiops.steps.backups import list_backups

    context = get_context(ctx, env=env, json_mode=json_output)
    items = list_backups(context)

    def human() -> None:
        if not items:
            context.reporter.line("No backups yet.")
            return
        context.reporter.table(["backup", "taken", "status", "size", "kind"],
                               [(b["name"], b["created_at"], b["status"], _size(b["size"]),
                                 "scheduled" if b["scheduled"] else "manual") for b in items])

    context.reporter.result({"app": context.env.heroku_app, "backups": items}, human)
