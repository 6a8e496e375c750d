"""Daily Heroku Postgres backups: the schedule (a step), its status, and the backups taken.

The runbook asks for a daily backup at 2am Eastern on top of Heroku's continuous protection.
The schedule lives in the Heroku Data API, keyed by the database add-on behind DATABASE_URL;
scheduling the time that is already set writes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dandiops.app.questions import Question
from dandiops.core.errors import UsageError
from dandiops.providers.api_json import JsonObject
from dandiops.steps.base import Change, Check, InitStep, Status

if TYPE_CHECKING:
    from dandiops.app.context import Context
    from dandiops.app.questions import Answers
    from dandiops.providers.heroku_data import DatabaseAttachment

DEFAULT_AT = "02:00"
DEFAULT_TIMEZONE = "America/New_York"  # the runbook's "2am EST"
# The zone abbreviations the official CLI accepts after the hour (pg:backups:schedule --at).
ZONE_ABBREVIATIONS = {
    "PST": "America/Los_Angeles",
    "PDT": "America/Los_Angeles",
    "MST": "America/Boise",
    "MDT": "America/Boise",
    "CST": "America/Chicago",
    "CDT": "America/Chicago",
    "EST": "America/New_York",
    "EDT": "America/New_York",
    "Z": "UTC",
    "UTC": "UTC",
    "GMT": "Europe/London",
    "BST": "Europe/London",
    "CET": "Europe/Paris",
    "CEST": "Europe/Paris",
}
_AT = re.compile(r"^(?P<hour>\d{1,2}):(?P<minute>\d{2})(?:\s+(?P<zone>\S+))?$")


@dataclass(frozen=True)
class ScheduleTime:
    hour: int
    timezone: str

    def __str__(self) -> str:
        return f"{self.hour:02d}:00 {self.timezone}"


def parse_schedule_time(at: str | None, tz: str | None = None) -> ScheduleTime:
    """`--at HH:00 [ZONE]` and `--tz ZONE` as one validated time; raises UsageError naming the fix."""
    text = (DEFAULT_AT if at is None else at).strip()
    match = _AT.match(text)
    if not match:
        raise UsageError(
            f"--at {at!r} is not a time of day",
            hint="give the hour as HH:00 on a 24-hour clock, e.g. --at 02:00 or --at 23:00",
        )
    hour, minute = int(match["hour"]), int(match["minute"])
    if hour > 23 or minute > 59:
        raise UsageError(f"--at {at!r} is not a time of day", hint="the hour runs from 00:00 to 23:00")
    if minute != 0:
        raise UsageError(f"--at {at!r}: Heroku runs scheduled backups on the hour", hint=f"use --at {hour:02d}:00")
    zone_in_at = match["zone"]
    if zone_in_at and tz and _zone_name(zone_in_at) != _zone_name(tz):
        raise UsageError(
            f"--at names the zone {zone_in_at} and --tz names {tz}", hint="give the time zone once, with --tz"
        )
    zone = tz if tz is not None else (zone_in_at or DEFAULT_TIMEZONE)  # an empty --tz is refused, not defaulted
    return ScheduleTime(hour=hour, timezone=validate_timezone(zone))


def _zone_name(value: str) -> str:
    return ZONE_ABBREVIATIONS.get(value.upper(), value)


# Files in the zone database that are not zones of their own: the machine's setting and POSIX defaults.
_MACHINE_ZONES = frozenset({"localtime", "posixrules", "factory", "posix", "right"})


def validate_timezone(value: str) -> str:
    """An IANA zone name (America/New_York, UTC...) or one of the CLI's abbreviations, as a zone name."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

    name = _zone_name(value.strip())
    if not name:
        raise UsageError("the time zone is empty", hint="use an IANA time zone name such as America/New_York or UTC")
    if name.lower() in _MACHINE_ZONES:
        raise UsageError(
            f"{value!r} names this machine's zone, not a zone Heroku can schedule in",
            hint="name the zone itself, such as America/New_York, Europe/Berlin or UTC",
        )
    known = available_timezones()
    if known and name in known:
        return name
    if not known:  # no zone list on this system: loading the zone is the test
        try:
            ZoneInfo(name)
            return name
        except (ZoneInfoNotFoundError, ValueError):
            pass
    close = sorted(z for z in known if z.lower() == name.lower() or z.lower().endswith("/" + name.lower()))
    hint = (
        f"did you mean {close[0]}?"
        if close
        else "use an IANA time zone name such as America/New_York, Europe/Berlin or UTC"
    )
    raise UsageError(f"unknown time zone {value!r}", hint=hint)


def database_of(ctx: "Context") -> "DatabaseAttachment":
    from dandiops.providers.heroku_data import database_attachment

    return database_attachment(ctx.heroku(), ctx.env.heroku_app)


def protection_warning(database: JsonObject, addon_name: str) -> str | None:
    """The official CLI's caution, in our words: with continuous protection, logical backups may not be needed."""
    from dandiops.providers.heroku_data import continuous_protection

    if not continuous_protection(database):
        return None
    return (
        f"continuous protection is On for {addon_name}: Heroku already keeps physical backups for rollback "
        "and fork, and logical backups (these) of databases over about 20 GB are likely to fail; see "
        "https://devcenter.heroku.com/articles/heroku-postgres-data-safety-and-continuous-protection"
    )


def describe_schedule(schedule: JsonObject | None) -> str | None:
    if not schedule:
        return None
    return f"{int(schedule['hour']):02d}:00 {schedule['timezone']}"


BACKUP_AT = Question("backups.at", "Hour of the daily backup (HH:00)")
BACKUP_TIMEZONE = Question("backups.timezone", "Time zone of the daily backup")


class BackupScheduleStep(InitStep):
    """A daily backup of the DATABASE_URL database at one hour in one time zone."""

    name = "backups"
    title = "Daily database backups"

    def __init__(self, when: ScheduleTime, *, missing_database_hint: str | None = None):
        self.when = when
        self.missing_database_hint = missing_database_hint  # what to do, in the words of the caller's workflow
        self._attachment: DatabaseAttachment | None = None

    @classmethod
    def for_init(cls, answers: "Answers") -> "BackupScheduleStep":
        """The runbook's schedule unless the answers file names another hour or zone (never asked)."""
        when = parse_schedule_time(
            answers.known(BACKUP_AT) or DEFAULT_AT, answers.known(BACKUP_TIMEZONE) or DEFAULT_TIMEZONE
        )
        return cls(
            when,
            missing_database_hint="the infrastructure step attaches one; run `dandiops init --only infrastructure`",
        )

    def attachment(self, ctx: "Context") -> "DatabaseAttachment":
        from dandiops.providers.heroku_data import NoDatabaseError

        if self._attachment is None:
            try:
                self._attachment = database_of(ctx)
            except NoDatabaseError as exc:
                if self.missing_database_hint is None:
                    raise
                raise NoDatabaseError(exc.message, hint=self.missing_database_hint) from None
        return self._attachment

    def protection_warning(self, ctx: "Context") -> str | None:
        """The continuous-protection caution for this step's database, or None."""
        attachment = self.attachment(ctx)
        return protection_warning(ctx.heroku_data().database(attachment.addon_id), attachment.addon_name)

    def current(self, ctx: "Context") -> JsonObject | None:
        attachment = self.attachment(ctx)
        schedules = ctx.heroku_data().transfer_schedules(attachment.addon_id)
        return next((s for s in schedules if s.get("name") == attachment.schedule_name), None)

    def plan(self, ctx: "Context") -> list[Change]:
        attachment = self.attachment(ctx)
        existing = self.current(ctx)
        if existing and int(existing["hour"]) == self.when.hour and existing["timezone"] == self.when.timezone:
            return []
        return [
            Change(
                target=f"backup schedule {attachment.schedule_name} ({attachment.addon_name})",
                action="replace" if existing else "create",
                before=describe_schedule(existing),
                after=str(self.when),
            )
        ]

    def check(self, ctx: "Context") -> Check:
        changes = self.plan(ctx)
        if not changes:
            return Check(Status.OK, f"daily backups at {self.when}")
        return Check(Status.PENDING, changes[0].describe(), [c.describe() for c in changes])

    def apply(self, ctx: "Context", changes: list[Change]) -> list[Change]:
        if not changes:
            return []
        attachment = self.attachment(ctx)
        ctx.heroku_data().create_transfer_schedule(
            attachment.addon_id,
            hour=self.when.hour,
            timezone=self.when.timezone,
            schedule_name=attachment.schedule_name,
        )
        ctx.record(
            "backups.schedule",
            database=attachment.addon_name,
            schedule=attachment.schedule_name,
            hour=self.when.hour,
            timezone=self.when.timezone,
            replaced=changes[0].before,
        )
        return changes


def unschedule_changes(ctx: "Context") -> tuple["DatabaseAttachment", list[JsonObject], list[Change]]:
    attachment = database_of(ctx)
    schedules = [
        s
        for s in ctx.heroku_data().transfer_schedules(attachment.addon_id)
        if s.get("name") == attachment.schedule_name
    ]
    changes = [
        Change(
            target=f"backup schedule {s['name']} ({attachment.addon_name})",
            action="remove",
            before=describe_schedule(s),
        )
        for s in schedules
    ]
    return attachment, schedules, changes


def unschedule(ctx: "Context", attachment: "DatabaseAttachment", schedules: list[JsonObject]) -> None:
    for schedule in schedules:
        ctx.heroku_data().delete_transfer_schedule(attachment.addon_id, schedule["uuid"])
        ctx.record("backups.unschedule", database=attachment.addon_name, schedule=schedule["name"])


def backup_status(ctx: "Context") -> dict[str, Any]:
    from dandiops.providers.heroku_data import backup_name, continuous_protection, info_value, transfer_status

    attachment = database_of(ctx)
    data = ctx.heroku_data()
    database = data.database(attachment.addon_id)
    schedules = data.transfer_schedules(attachment.addon_id)
    backups = data.backups(ctx.env.heroku_app)
    latest = max(backups, key=lambda t: t.get("num") or 0) if backups else None
    return {
        "app": ctx.env.heroku_app,
        "database": {
            "addon": attachment.addon_name,
            "attachment": attachment.attachment_name,
            "plan": (info_value(database, "Plan") or [database.get("plan")])[0],
            "continuous_protection": continuous_protection(database),
        },
        "schedules": [
            {
                "name": s["name"],
                "at": describe_schedule(s),
                "hour": int(s["hour"]),
                "timezone": s["timezone"],
                "retain_weeks": s.get("retain_weeks"),
                "retain_months": s.get("retain_months"),
            }
            for s in schedules
        ],
        "latest_backup": None
        if latest is None
        else {
            "name": backup_name(latest),
            "status": transfer_status(latest),
            "created_at": latest.get("created_at"),
            "size": latest.get("processed_bytes"),
            "scheduled": bool(latest.get("schedule")),
        },
        "warning": protection_warning(database, attachment.addon_name),
    }


def list_backups(ctx: "Context") -> list[dict[str, Any]]:
    """The app's backups, newest first. Resolving the database first gives a clear error when there is none."""
    from dandiops.providers.heroku_data import backup_name, transfer_status

    database_of(ctx)
    backups = sorted(ctx.heroku_data().backups(ctx.env.heroku_app), key=lambda t: t.get("num") or 0, reverse=True)
    return [
        {
            "name": backup_name(t),
            "status": transfer_status(t),
            "created_at": t.get("created_at"),
            "finished_at": t.get("finished_at"),
            "size": t.get("processed_bytes"),
            "database": t.get("from_name"),
            "scheduled": bool(t.get("schedule")),
            "uuid": t.get("uuid"),
        }
        for t in backups
    ]
