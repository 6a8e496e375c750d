"""An app's dynos (read; one-off dynos are created by the dyno stand-in) and its formation."""

from __future__ import annotations

from flask import Response, request

from dandiops.sandbox.heroku import render
from dandiops.sandbox.heroku.routing import app_blueprint, app_items, current_state, error, found_or_404, not_found
from dandiops.sandbox.heroku.state import App, now
from dandiops.sandbox.standin import json_response

blueprint = app_blueprint("dynos", __name__)


@blueprint.get("/dynos")
def list_dynos(app: App) -> Response:
    return app_items(app, app.dynos.values(), render.dyno)


@blueprint.get("/dynos/<dyno>")
def get_dyno(app: App, dyno: str) -> Response:
    with current_state.lock:
        return json_response(render.dyno(app, found_or_404(app.find_dyno(dyno), "dyno")))


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
    with current_state.lock:
        for update in updates:
            problem = apply_formation_update(app, update["type"], update)
            if problem:
                return problem
        changed = [app.formation[u["type"]] for u in updates]
        return json_response([render.formation(app, f) for f in changed])


@blueprint.patch("/formation/<ftype>")
def patch_formation_one(app: App, ftype: str) -> Response:
    body = request.get_json(silent=True) or {}
    with current_state.lock:
        problem = apply_formation_update(app, ftype, body)
        if problem:
            return problem
        return json_response(render.formation(app, app.formation[ftype]))


def apply_formation_update(app: App, ftype: str, update: dict) -> Response | None:
    """Apply one process type's quantity and size, or answer why not (nothing changed then)."""
    item = app.formation.get(ftype)
    if item is None:
        return not_found("formation", f"Couldn't find that process type ({ftype}).")
    quantity = update.get("quantity")
    if quantity is not None:
        if isinstance(quantity, str) and quantity.isdigit():
            quantity = int(quantity)
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
            return error(422, "invalid_params", "Quantity must be a non-negative integer.")
    size = update.get("size")
    if isinstance(update.get("dyno_size"), dict):
        size = update["dyno_size"].get("name") or update["dyno_size"].get("id") or size
    if size is not None and size.lower() not in render.SIZE_NAMES:
        return error(422, "invalid_params", f"No such size as {size}.")
    if quantity is not None:
        item.quantity = quantity
    if size is not None:
        item.size = size.lower()
    item.updated_at = now()
    return None
