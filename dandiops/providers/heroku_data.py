"""Heroku Data API client (Heroku Postgres backups) over httpx.

The Data API lives on its own host (https://api.data.heroku.com, or DANDIOPS_HEROKU_DATA_API_URL)
and takes the same Bearer key as the Platform API. It shares the Platform client's transport,
retry policy and error mapping by subclassing it; only the host and the routes differ. Which
database belongs to an app is a Platform API question, answered by `database_attachment`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping, cast

from dandiops.core.errors import NotFoundError
from dandiops.providers.api_json import JsonObject
from dandiops.providers.heroku import HerokuClient

DEFAULT_DATA_API_URL = "https://api.data.heroku.com"
POSTGRES_SERVICE = "heroku-postgresql"
DATABASE_CONFIG_VAR = "DATABASE_URL"


@dataclass(frozen=True)
class DatabaseAttachment:
    """An app's Postgres add-on as seen through one attachment (e.g. DATABASE -> DATABASE_URL)."""

    app: str
    addon_id: str
    addon_name: str
    attachment_name: str

    @property
    def schedule_name(self) -> str:
        """The schedule name the official CLI sends: the attachment's config var."""
        return f"{self.attachment_name}_URL"


class NoDatabaseError(NotFoundError):
    """The app exists but no Heroku Postgres add-on is attached under the config var asked for."""


def database_attachment(heroku: HerokuClient, app: str, config_var: str = DATABASE_CONFIG_VAR) -> DatabaseAttachment:
    """The Postgres add-on behind `config_var`, from the app's add-ons and attachments.

    Two GETs rather than the official CLI's resolve action (a POST): finding the database is a read,
    so a command or an init run that only checks sends no write-method request. A missing app is
    the add-on listing's own NotFoundError."""
    postgres = {a["id"] for a in heroku.addons(app) if a["addon_service"]["name"] == POSTGRES_SERVICE}
    wanted = config_var.removesuffix("_URL")
    chosen = next(
        (a for a in heroku.addon_attachments(app) if a["name"] == wanted and a["addon"]["id"] in postgres), None
    )
    if chosen is None:
        raise NoDatabaseError(
            f"app {app} has no Heroku Postgres database attached as {config_var}",
            hint=f"attach one (`heroku addons:create heroku-postgresql:essential-0 -a {app}`, or the "
            "heroku_addon in Terraform) and run this again",
        )
    return DatabaseAttachment(
        app=app, addon_id=chosen["addon"]["id"], addon_name=chosen["addon"]["name"], attachment_name=chosen["name"]
    )


class HerokuDataClient(HerokuClient):
    url_setting = "DANDIOPS_HEROKU_DATA_API_URL"
    default_url = DEFAULT_DATA_API_URL
    service = "heroku-data"

    def database(self, addon_id: str) -> JsonObject:
        return self._get_object(f"/client/v11/databases/{addon_id}", "reading the database's details")

    def transfer_schedules(self, addon_id: str) -> list[JsonObject]:
        return self._get_list(f"/client/v11/databases/{addon_id}/transfer-schedules", "reading the backup schedules")

    def create_transfer_schedule(self, addon_id: str, *, hour: int, timezone: str, schedule_name: str) -> JsonObject:
        """Create, or replace the schedule of the same name. The hour goes as two digits, as the CLI sends it."""
        body = {"hour": f"{hour:02d}", "timezone": timezone, "schedule_name": schedule_name}
        path = f"/client/v11/databases/{addon_id}/transfer-schedules"
        return self._write_object("POST", path, body, "scheduling daily backups")

    def delete_transfer_schedule(self, addon_id: str, schedule_id: str) -> JsonObject | None:
        path = f"/client/v11/databases/{addon_id}/transfer-schedules/{schedule_id}"
        return cast(JsonObject | None, self.delete(path, what="removing the backup schedule"))

    def transfers(self, app: str) -> list[JsonObject]:
        return self._get_list(f"/client/v11/apps/{app}/transfers", f"listing the transfers of {app}")

    def backups(self, app: str) -> list[JsonObject]:
        """Backups are the transfers from pg_dump to storage (gof3r); restores and copies are left out."""
        return [t for t in self.transfers(app) if t.get("from_type") == "pg_dump" and t.get("to_type") == "gof3r"]


_ON = re.compile(r"\bOn\b")


def info_value(database: Mapping[str, Any], name: str) -> list[Any]:
    """The values of one row of the database's `info` list (e.g. "Plan", "Continuous Protection")."""
    for row in database.get("info") or []:
        if row.get("name") == name:
            return list(row.get("values") or [])
    return []


def continuous_protection(database: Mapping[str, Any]) -> bool:
    """What the official CLI checks before warning that logical backups of large databases will likely fail."""
    return any(_ON.search(str(value)) for value in info_value(database, "Continuous Protection"))


def backup_name(transfer: Mapping[str, Any]) -> str:
    """The name the Heroku CLI shows: a001 for a backup the schedule took, b002 for one taken by hand."""
    prefix = "a" if transfer.get("schedule") else "b"
    return f"{prefix}{int(transfer.get('num') or 0):03d}"


def transfer_status(transfer: Mapping[str, Any]) -> str:
    if transfer.get("canceled_at"):
        return "cancelled"
    if transfer.get("finished_at") or transfer.get("succeeded") is not None:
        return "completed" if transfer.get("succeeded") else "failed"
    return "running" if transfer.get("started_at") else "pending"
