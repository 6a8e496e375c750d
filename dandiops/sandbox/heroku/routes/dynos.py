"""An app's dynos and its formation: listing, restarting and stopping dynos, scaling process types.

Formation dynos (web.1, ...) live in formation_dynos; one-off dynos are created by the dyno stand-in,
which gives each a way to stop it: restarting or stopping a one-off dyno ends it, as on Heroku.
"""

from __future__ import annotations

import re
from typing import Callable

from flask import Response, request

from dandiops.sandbox.heroku import formation_dynos, render
from dandiops.sandbox.heroku.routing import app_blueprint, app_items, current_state, error, found_or_404, not_found
from dandiops.sandbox.heroku.state import App, Dyno, HerokuState, now
from dandiops.sandbox.standin import json_response

blueprint = app_blueprint("dynos", __name__)

# The official CLI sends quantities as strings, and `ps:scale web+1` as a change ("+1", "-2").
_QUANTITY = re.compile(r"^(?P<sign>[+-]?)(?P<count>\d+)$")


@blueprint.get("/dynos")
def list_dynos(app: App) -> Response:
    formation_dynos.observed(app)
    return app_items(app, app.dynos.values(), render.dyno)


@blueprint.get("/dynos/<dyno>")
def get_dyno(app: App, dyno: str) -> Response:
    formation_dynos.observed(app)
    with current_state.lock:
        return json_response(render.dyno(app, found_or_404(app.find_dyno(dyno), "dyno")))


@blueprint.delete("/dynos")
def restart_all(app: App) -> Response:
    with current_state.lock:
        one_off = [d for d in app.dynos.values() if not d.formation]
    formation_dynos.restart(current_state, app)
    for dyno in one_off:
        _end(dyno)
    return json_response({}, 202)


@blueprint.delete("/dynos/<dyno_ident>")
def restart_dyno(app: App, dyno_ident: str) -> Response:
    return _restart_or_stop(app, dyno_ident, formation_dynos.restart)


@blueprint.post("/dynos/<dyno_ident>/actions/stop")
def stop_dyno(app: App, dyno_ident: str) -> Response:
    return _restart_or_stop(app, dyno_ident, formation_dynos.stop)


@blueprint.delete("/formations/<ftype>")
def restart_formation(app: App, ftype: str) -> Response:
    formation_dynos.restart(current_state, app, _names_of_type(app, ftype))
    return json_response({}, 202)


@blueprint.post("/formations/<ftype>/actions/stop")
def stop_formation(app: App, ftype: str) -> Response:
    formation_dynos.stop(current_state, app, _names_of_type(app, ftype))
    return json_response({}, 202)


@blueprint.get("/formation")
def get_formation(app: App) -> Response:
    return app_items(app, app.formation.values(), render.formation)


@blueprint.get("/formation/<ftype>")
def get_formation_one(app: App, ftype: str) -> Response:
    item = app.formation.get(ftype) or next((f for f in app.formation.values() if f.id == ftype), None)
    return json_response(render.formation(app, found_or_404(item, "formation")))


@blueprint.patch("/formation")
def patch_formation(app: App) -> Response:
    body = request.get_json(silent=True)
    updates = body.get("updates") if isinstance(body, dict) else None
    if not isinstance(updates, list) or not all(isinstance(u, dict) and u.get("type") for u in updates):
        return error(422, "invalid_params", "updates must be a list of objects with a type.")
    return _scale(app, [(str(u["type"]), u) for u in updates], batch=True)


@blueprint.patch("/formation/<ftype>")
def patch_formation_one(app: App, ftype: str) -> Response:
    body = request.get_json(silent=True)
    return _scale(app, [(ftype, body if isinstance(body, dict) else {})], batch=False)


def _scale(app: App, updates: list[tuple[str, dict]], *, batch: bool) -> Response:
    """Apply every update or none (the first bad one is the answer), then let the dynos follow."""
    with current_state.lock:
        changes = []
        for ftype, update in updates:
            change = _formation_change(app, ftype, update)
            if isinstance(change, Response):
                return change
            changes.append(change)
        for ftype, quantity, size in changes:
            item = app.formation[ftype]
            item.quantity = quantity
            item.size = size
            item.updated_at = now()
    formation_dynos.sync(current_state, app)
    with current_state.lock:
        rendered = [render.formation(app, app.formation[ftype]) for ftype, _, _ in changes]
    return json_response(rendered if batch else rendered[0])


def _formation_change(app: App, ftype: str, update: dict) -> tuple[str, int, str] | Response:
    """One process type's new (type, quantity, size), or the answer saying why not."""
    if not app.deployed:
        return not_deployed()
    item = app.formation.get(ftype)
    if item is None:
        return not_found("formation", f"Couldn't find that process type ({ftype}).")
    quantity = item.quantity
    asked = update.get("quantity")
    if asked is not None:
        match = _QUANTITY.match(asked) if isinstance(asked, str) else None
        if match:
            count = int(match["count"])
            quantity = {"+": quantity + count, "-": max(quantity - count, 0)}.get(match["sign"], count)
        elif isinstance(asked, int) and not isinstance(asked, bool) and asked >= 0:
            quantity = asked
        else:
            return error(422, "invalid_params", "Quantity must be a non-negative integer.")
    size = update.get("size")
    if isinstance(update.get("dyno_size"), dict):
        size = update["dyno_size"].get("name") or update["dyno_size"].get("id") or size
    if size is not None and (not isinstance(size, str) or size.lower() not in render.SIZE_NAMES):
        return error(422, "invalid_params", f"No such size as {size}.")
    return ftype, quantity, size.lower() if size else item.size


def _restart_or_stop(app: App, ident: str, formation_action: Callable[[HerokuState, App, list[str]], None]) -> Response:
    """A formation dyno gets `formation_action`; a one-off dyno ends either way, as on Heroku."""
    with current_state.lock:
        dyno = found_or_404(app.find_dyno(ident), "dyno")
    if dyno.formation:
        formation_action(current_state, app, [dyno.name])
    else:
        _end(dyno)
    return json_response({}, 202)


def _names_of_type(app: App, ftype: str) -> list[str]:
    with current_state.lock:
        found_or_404(app.formation.get(ftype), "formation")
        return [d.name for d in formation_dynos.of(app, ftype)]


def _end(dyno: Dyno) -> None:
    if dyno.stop is not None:
        dyno.stop()


def not_deployed() -> Response:
    """Heroku's answer to scaling an app that has no slug yet (the API's body as heroku/legacy-cli#987 quotes it)."""
    return error(422, "invalid_params", "App must be deployed before dynos can be scaled.")
