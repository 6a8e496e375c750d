"""What is running: app, formation against the archive's process types, dynos, last release, add-ons."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, TypedDict

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


class ReleaseSummary(TypedDict):
    version: int
    status: str
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
    last_release: ReleaseSummary | None
    addons: list[AddonSummary]
    warnings: list[str]


def gather_status(ctx: "Context") -> StatusReport:
    heroku = ctx.heroku()
    name = ctx.env.heroku_app
    with ThreadPoolExecutor(max_workers=5) as pool:  # one read each, side by side
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
            }
            for d in dynos
        ],
        "last_release": None
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
