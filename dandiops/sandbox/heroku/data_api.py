"""The Heroku Data API stand-in: Postgres database details, backup schedules and backups (transfers).

Routes follow the Data API as the official CLI uses it (`/client/v11/...`; shapes from
heroku/typescript-api-schema's data types). Databases are the heroku-postgresql add-ons of the
Platform stand-in's apps, keyed by add-on id. Continuous protection is On from the standard tier
up, as on Heroku. The Platform API gate does not cover /client/, so auth and faults are checked here.
"""

from __future__ import annotations

import copy
import datetime as dt
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask, Response, abort, request

from dandiops.sandbox.heroku.routing import authorized, current_state
from dandiops.sandbox.heroku.state import Addon, App, HerokuState
from dandiops.sandbox.standin import base_url, current, json_response, resolving_blueprint

EXTENSION_KEY = "dandiops.heroku_data_api"
POSTGRES_SERVICE = "heroku-postgresql"
WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]


def data_time(moment: dt.datetime | None = None) -> str:
    """The Data API's timestamps: space-separated UTC like "2024-05-28 11:19:37 +0000"."""
    return (moment or dt.datetime.now(dt.timezone.utc)).strftime("%Y-%m-%d %H:%M:%S +0000")


def plan_tier(plan: str) -> str:
    """ "heroku-postgresql:standard-0" -> "standard"."""
    return plan.partition(":")[2].split("-")[0]


def has_continuous_protection(plan: str) -> bool:
    return plan_tier(plan) in ("standard", "premium", "private", "shield")


def retention(plan: str) -> tuple[int, int, int]:
    """(daily backups kept, weeks, months) per Heroku's published retention by tier."""
    tier = plan_tier(plan)
    if tier in ("premium", "private", "shield"):
        return 7, 8, 12
    if tier == "standard":
        return 7, 4, 0
    return 7, 0, 0


@dataclass
class Schedule:
    name: str
    hour: int
    timezone: str
    uuid: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass
class Transfer:
    num: int
    from_name: str
    schedule_uuid: str | None = None
    succeeded: bool = True
    source_bytes: int = 9_437_184
    uuid: str = field(default_factory=lambda: str(uuid.uuid4()))
    created_at: str = field(default_factory=data_time)


@dataclass
class Database:
    addon_id: str
    app_name: str
    schedules: list[Schedule] = field(default_factory=list)
    transfers: list[Transfer] = field(default_factory=list)


class HerokuDataStandIn:
    """A Heroku stand-in extension: call it with (flask_app, state) to add the Data API routes."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.state: HerokuState | None = None
        self.reset()

    def reset(self) -> None:
        """No schedules and no backups anywhere, numbering from 1 again."""
        with self.lock:
            self.databases: dict[str, Database] = {}
            self._next_number = 1

    def snapshot(self) -> tuple[dict[str, Database], int]:
        """What `restore` brings back: every database's schedules and backups, and the next backup's number."""
        with self.lock:
            return copy.deepcopy(self.databases), self._next_number

    def restore(self, snapshot: tuple[dict[str, Database], int]) -> None:
        with self.lock:
            databases, self._next_number = snapshot
            self.databases = copy.deepcopy(databases)

    def _take_number(self) -> int:
        with self.lock:
            number, self._next_number = self._next_number, self._next_number + 1
            return number

    # --- lookups -------------------------------------------------------------------------------
    def postgres_addon(self, addon_id: str) -> tuple[App, Addon] | None:
        assert self.state is not None
        with self.state.lock:
            for app in self.state.apps.values():
                for addon in app.addons:
                    if addon.id == addon_id and addon.service == POSTGRES_SERVICE:
                        return app, addon
        return None

    def database(self, addon_id: str) -> Database | None:
        found = self.postgres_addon(addon_id)
        if found is None:
            return None
        app, _ = found
        with self.lock:
            return self.databases.setdefault(addon_id, Database(addon_id=addon_id, app_name=app.name))

    def database_of(self, app_name: str) -> Database:
        """The app's first Postgres database (tests use it to look behind the API)."""
        assert self.state is not None
        app = self.state.apps[app_name]
        addon = next(a for a in app.addons if a.service == POSTGRES_SERVICE)
        database = self.database(addon.id)
        assert database is not None
        return database

    # --- behaviour ---------------------------------------------------------------------------
    def capture(self, database: Database, *, schedule: Schedule | None = None, succeeded: bool = True) -> Transfer:
        """A backup that has finished at once (the stand-in does not dump anything)."""
        with self.lock:
            transfer = Transfer(
                num=self._take_number(),
                from_name="DATABASE",
                schedule_uuid=schedule.uuid if schedule else None,
                succeeded=succeeded,
            )
            database.transfers.append(transfer)
            return transfer

    def run_schedules(self, app_name: str) -> list[Transfer]:
        """What Heroku does each day at the scheduled hour: one backup per schedule."""
        database = self.database_of(app_name)
        with self.lock:
            return [self.capture(database, schedule=schedule) for schedule in list(database.schedules)]

    # --- rendering ---------------------------------------------------------------------------
    def render_database(self, database: Database, base_url: str) -> dict:
        app, addon = self.postgres_addon(database.addon_id)  # type: ignore[misc]
        tier = plan_tier(addon.plan)
        plan_label = addon.plan.partition(":")[2].replace("-", " ").title()
        protection = "On" if has_continuous_protection(addon.plan) else "Off"
        info: list[dict[str, Any]] = [
            {"name": "Plan", "values": [plan_label]},
            {"name": "Status", "values": ["Available"]},
            {"name": "Data Size", "values": ["9.0 MB"]},
            {"name": "Tables", "values": [42]},
            {"name": "PG Version", "values": ["16.4"]},
            {"name": "Created", "values": [data_time()]},
            {"name": "Continuous Protection", "values": [protection]},
        ]
        if tier != "essential":
            info.append({"name": "Rollback", "values": ["earliest from 4 days ago"]})
            info.append({"name": "Fork/Follow", "values": ["Available"]})
        return {
            "addon_id": addon.id,
            "name": addon.name,
            "heroku_resource_id": addon.id,
            "created_at": data_time(),
            "plan": addon.plan.partition(":")[2],
            "port": 5432,
            "database_name": None,
            "database_user": None,
            "resource_url": f"{base_url}/client/v11/databases/{addon.id}",
            "waiting?": False,
            "available_for_ingress": True,
            "num_bytes": 9_437_184,
            "info": info,
        }

    def render_schedule(self, database: Database, schedule: Schedule, base_url: str) -> dict:
        _, addon = self.postgres_addon(database.addon_id)  # type: ignore[misc]
        _, weeks, months = retention(addon.plan)
        return {
            "uuid": schedule.uuid,
            "name": schedule.name,
            "callback_url": f"{base_url}/client/v11/databases/{database.addon_id}/transfer-schedules/"
            f"{schedule.uuid}/callback",
            "days": list(WEEKDAYS),
            "hour": schedule.hour,
            "timezone": schedule.timezone,
            "retain_weeks": weeks,
            "retain_months": months,
        }

    def render_transfer(self, database: Database, transfer: Transfer) -> dict:
        _, addon = self.postgres_addon(database.addon_id)  # type: ignore[misc]
        keep, _, _ = retention(addon.plan)
        return {
            "uuid": transfer.uuid,
            "num": transfer.num,
            "from_name": transfer.from_name,
            "from_type": "pg_dump",
            "from_url": f"postgres:///{addon.name}",  # credentials are stripped, as on Heroku
            "to_name": "BACKUP",
            "to_type": "gof3r",
            "to_url": f"https://xfrtu.s3.amazonaws.com/{transfer.uuid}/backup",
            "options": {},
            "source_bytes": transfer.source_bytes,
            "processed_bytes": transfer.source_bytes // 4 if transfer.succeeded else 0,
            "succeeded": transfer.succeeded,
            "warnings": 0,
            "created_at": transfer.created_at,
            "started_at": transfer.created_at,
            "canceled_at": None,
            "updated_at": transfer.created_at,
            "finished_at": transfer.created_at,
            "deleted_at": None,
            "purged_at": None,
            "num_keep": keep,
            "schedule": {"uuid": transfer.schedule_uuid} if transfer.schedule_uuid else None,
        }

    # --- routes -------------------------------------------------------------------------------
    def __call__(self, app: Flask, state: HerokuState) -> None:
        self.state = state
        app.extensions[EXTENSION_KEY] = self
        app.before_request(data_api_gate)
        app.register_blueprint(databases_blueprint)
        app.register_blueprint(apps_blueprint)


current_data = current(EXTENSION_KEY, HerokuDataStandIn)


def data_api_gate() -> Response | None:
    """The Platform API's gate skips /client/: the Data API checks faults and credentials itself."""
    if not request.path.startswith("/client/"):
        return None
    fault = current_state.take_fault(request.method, request.path)
    if fault and fault.status:
        return problem(
            fault.status,
            "unavailable" if fault.status == 503 else "internal_server_error",
            f"injected fault {fault.status}",
        )
    if not authorized(current_state):
        return problem(401, "unauthorized", "Invalid credentials provided.")
    return None


def problem(status: int, ident: str, message: str) -> Response:
    return json_response({"id": ident, "message": message}, status)


def resolve_database(view_args: dict[str, Any]) -> Response | None:
    """The database named by <addon_id>, passed to the view as `database`; else the Data API's 404."""
    addon_id = view_args.pop("addon_id")
    database = current_data.database(addon_id)
    if database is None:
        return problem(404, "not_found", f"Couldn't find that database ({addon_id}).")
    view_args["database"] = database
    return None


databases_blueprint = resolving_blueprint(
    "data_databases", __name__, "/client/v11/databases/<addon_id>", resolve_database
)
apps_blueprint = Blueprint("data_apps", __name__, url_prefix="/client/v11/apps")


@databases_blueprint.get("")
def get_database(database: Database) -> Response:
    return json_response(current_data.render_database(database, base_url()))


@databases_blueprint.get("/transfer-schedules")
def list_schedules(database: Database) -> Response:
    with current_data.lock:
        return json_response([current_data.render_schedule(database, s, base_url()) for s in database.schedules])


@databases_blueprint.post("/transfer-schedules")
def create_schedule(database: Database) -> Response:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return problem(422, "invalid_params", "Expected a JSON object.")
    hour = _hour(body.get("hour"))
    if hour is None:
        return problem(422, "invalid_params", "Hour must be an integer between 0 and 23.")
    timezone = body.get("timezone") or "UTC"
    if not _known_zone(timezone):
        return problem(422, "invalid_params", f"Unknown timezone: {timezone}.")
    _, addon = current_data.postgres_addon(database.addon_id)  # type: ignore[misc]
    name = body.get("schedule_name") or f"{addon.attachment_name}_URL"
    with current_data.lock:
        # One schedule per name: posting again replaces the hour and zone, as the CLI relies on.
        schedule = next((s for s in database.schedules if s.name == name), None)
        if schedule is None:
            schedule = Schedule(name=name, hour=hour, timezone=timezone)
            database.schedules.append(schedule)
        else:
            schedule.hour, schedule.timezone = hour, timezone
        return json_response(current_data.render_schedule(database, schedule, base_url()), 201)


@databases_blueprint.delete("/transfer-schedules/<schedule_id>")
def delete_schedule(database: Database, schedule_id: str) -> Response:
    with current_data.lock:
        schedule = next((s for s in database.schedules if s.uuid == schedule_id), None)
        if schedule is None:
            return problem(404, "not_found", "Couldn't find that schedule.")
        database.schedules.remove(schedule)
        return json_response(current_data.render_schedule(database, schedule, base_url()))


@databases_blueprint.post("/backups")
def capture_backup(database: Database) -> Response:
    transfer = current_data.capture(database)
    return json_response(current_data.render_transfer(database, transfer), 201)


@databases_blueprint.get("/transfers")
def database_transfers(database: Database) -> Response:
    with current_data.lock:
        return json_response([current_data.render_transfer(database, t) for t in database.transfers])


@apps_blueprint.get("/<ident>/transfers")
def app_transfers(ident: str) -> Response:
    found = current_state.find_app(ident)
    if found is None:
        return problem(404, "not_found", "Couldn't find that app.")
    items: list[dict] = []
    for addon in [a for a in found.addons if a.service == POSTGRES_SERVICE]:
        database = current_data.database(addon.id)
        if database is not None:
            with current_data.lock:
                items.extend(current_data.render_transfer(database, t) for t in database.transfers)
    items.sort(key=lambda t: t["num"])
    return json_response(items)


def app_transfer(ident: str, number: str) -> tuple[Database, Transfer]:
    """One of the app's transfers by uuid or number, with its database; else the end of the request in
    the Data API's 404."""
    found = current_state.find_app(ident)
    for addon in [a for a in found.addons if a.service == POSTGRES_SERVICE] if found else []:
        database = current_data.database(addon.id)
        if database is None:
            continue
        with current_data.lock:
            for transfer in database.transfers:
                if number in (transfer.uuid, str(transfer.num)):
                    return database, transfer
    abort(problem(404, "not_found", f"Couldn't find that transfer ({number})."))


@apps_blueprint.get("/<ident>/transfers/<number>")
def app_transfer_info(ident: str, number: str) -> Response:
    """One transfer; `?verbose=true` adds its log, as `heroku pg:backups:info` shows it."""
    database, transfer = app_transfer(ident, number)
    body = current_data.render_transfer(database, transfer)
    if request.args.get("verbose") == "true":
        body["logs"] = transfer_logs(transfer)
    return json_response(body)


@apps_blueprint.delete("/<ident>/transfers/<number>")
def app_transfer_delete(ident: str, number: str) -> Response:
    database, transfer = app_transfer(ident, number)
    with current_data.lock:
        database.transfers.remove(transfer)
    body = current_data.render_transfer(database, transfer)
    body["deleted_at"] = data_time()
    return json_response(body)


def transfer_logs(transfer: Transfer) -> list[dict]:
    """What pg_dump's run tells about a backup the stand-in makes at once."""
    lines = [f"Running pg_dump of {transfer.from_name}", f"Uploaded {transfer.source_bytes // 4} bytes"]
    lines.append("Backup completed" if transfer.succeeded else "pg_dump exited with status 1")
    return [{"created_at": transfer.created_at, "message": line} for line in lines]


def _hour(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, int) and 0 <= value <= 23:
        return value
    return None


def _known_zone(name: Any) -> bool:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if not isinstance(name, str) or not name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
