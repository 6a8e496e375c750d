"""Add-ons and their attachments: an app's, the account's, and resolving an attachment by name."""

from __future__ import annotations

from flask import Blueprint, Response

from dandiops.sandbox.heroku import render
from dandiops.sandbox.heroku.routing import app_blueprint, app_items, current_state, not_found, require_app
from dandiops.sandbox.heroku.state import App
from dandiops.sandbox.standin import json_body, json_response

blueprint = app_blueprint("addons", __name__)
account_wide = Blueprint("addon_attachments", __name__)


@blueprint.get("/addons")
def list_addons(app: App) -> Response:
    return app_items(app, app.addons, render.addon)


@account_wide.get("/addon-attachments")
def list_all_attachments() -> Response:
    with current_state.lock:
        items = [render.addon_attachment(a, addon) for a in current_state.apps.values() for addon in a.addons]
    return json_response(items)


@blueprint.get("/addon-attachments")
def list_attachments(app: App) -> Response:
    return app_items(app, app.addons, render.addon_attachment)


@account_wide.post("/actions/addon-attachments/resolve")
def resolve_attachment() -> Response:
    body = json_body()
    app = require_app(str(body.get("app", "")))
    name = str(body.get("addon_attachment", ""))
    service = body.get("addon_service")
    with current_state.lock:
        matches = [
            a
            for a in app.addons
            if (
                a.attachment_name == name
                or f"{a.attachment_name}_URL" == name
                or a.name == name
                or name in a.config_vars
            )
            and (service is None or a.service == service)
        ]
        if not matches:
            return not_found("add_on attachment", f"Couldn't find that add on attachment ({name}).")
        return json_response([render.addon_attachment(app, a) for a in matches])
