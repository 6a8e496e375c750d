"""What is running: app, formation against the archive's process types, dynos, last release, add-ons."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypedDict

from dandiops.archive.deployment import BEAT_PROCESS_TYPE, PROCESS_TYPES, SCALED_PROCESS_TYPES

if TYPE_CHECKING:
    from dandiops.app.context import Context


class AppSummary(TypedDict):
    name: str
    stack: str
    region: str
    team: str | None
    web_url: str
    maintenance: bool


class ProcessSummary(TypedDict):
    type: str
    quantity: int | None
    size: str | None
    note: str


class DynoSummary(TypedDict):
    name: str
    state: str
    size: str
    command: str
    since: str
    age: str  # since its last change of state, e.g. "2h"


class ReleaseSummary(TypedDict):
    version: int
    status: str  # pending while its release phase runs, then succeeded or failed with it
    description: str
    created_at: str
    user: str


class AddonSummary(TypedDict):
    name: str
    service: str
    plan: str
    state: str


class StatusReport(TypedDict):
    """`dandiops status --json`."""

    app: AppSummary
    processes: list[ProcessSummary]
    dynos: list[DynoSummary]
    release: ReleaseSummary | None
    api: dict[str, Any] | None  # the probe of api_url/api/info/ (providers.archive_api.InfoProbe)
    addons: list[AddonSummary]
    warnings: list[str]


def gather_status(ctx: "Context") -> StatusReport:
    heroku = ctx.heroku()
    name = ctx.env.heroku_app
    from dandiops.providers.archive_api import probe_info

    api_url = ctx.env.api_url
    with ThreadPoolExecutor(max_workers=6) as pool:  # one read each, side by side
        probe = pool.submit(probe_info, api_url, environ=ctx.environ) if api_url else None
        app_read = pool.submit(heroku.app, name)
        formation_read = pool.submit(heroku.formation, name)
        dynos_read = pool.submit(heroku.dynos, name)
        releases_read = pool.submit(heroku.releases, name, limit=1)
        addons_read = pool.submit(heroku.addons, name)
        app, formation_list, dynos, releases, addons = (
            app_read.result(),
            formation_read.result(),
            dynos_read.result(),
            releases_read.result(),
            addons_read.result(),
        )

    formation = {f["type"]: f for f in formation_list}
    warnings: list[str] = []
    processes: list[ProcessSummary] = []
    for ptype in PROCESS_TYPES:
        item = formation.get(ptype)
        if ptype == "release":
            processes.append({"type": ptype, "quantity": None, "size": None, "note": "runs once per release"})
            continue
        if item is None:
            processes.append({"type": ptype, "quantity": 0, "size": None, "note": "missing from the formation"})
            warnings.append(f"process type {ptype} is not in the formation: is the Procfile current?")
            continue
        note = ""
        if item["quantity"] == 0:
            note = "scaled to 0"
            warnings.append(f"{ptype} is scaled to 0")
        if ptype == BEAT_PROCESS_TYPE and item["quantity"] > 1:
            note = "celery beat runs in every worker dyno"
            warnings.append(
                f"{ptype} has {item['quantity']} dynos: celery beat runs inside it, so scheduled "
                f"tasks run {item['quantity']} times; scale it to 1"
            )
        processes.append({"type": ptype, "quantity": item["quantity"], "size": item["size"], "note": note})
    extra = sorted(set(formation) - set(SCALED_PROCESS_TYPES))
    for ptype in extra:
        warnings.append(f"process type {ptype} is not one the archive defines (stale Procfile entry?)")

    last = releases[0] if releases else None
    return {
        "app": {
            "name": app["name"],
            "stack": app["stack"]["name"],
            "region": app["region"]["name"],
            "team": (app.get("team") or {}).get("name"),
            "web_url": app["web_url"],
            "maintenance": app["maintenance"],
        },
        "processes": processes,
        "dynos": [
            {
                "name": d["name"],
                "state": d["state"],
                "size": d["size"],
                "command": d["command"],
                "since": d["updated_at"],
                "age": age(d["updated_at"]),
            }
            for d in dynos
        ],
        "api": probe.result().to_dict() if probe else None,
        "release": None
        if last is None
        else {
            "version": last["version"],
            "status": last["status"],
            "description": last["description"],
            "created_at": last["created_at"],
            "user": last["user"]["email"],
        },
        "addons": [
            {"name": a["name"], "service": a["addon_service"]["name"], "plan": a["plan"]["name"], "state": a["state"]}
            for a in addons
        ],
        "warnings": warnings,
    }


def age(timestamp: str, now: dt.datetime | None = None) -> str:
    """How long ago an ISO 8601 time was, as `ps` shows it: 45s, 12m, 3h, 2d."""
    try:
        then = dt.datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return "?"
    seconds = max(0, int(((now or dt.datetime.now(dt.timezone.utc)) - then).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
