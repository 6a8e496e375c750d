"""Apps: the account's list and one app."""

from __future__ import annotations

from flask import Blueprint, Response

from dandiops.sandbox.heroku import render
from dandiops.sandbox.heroku.routing import app_blueprint, attr_key, current_state, listed
from dandiops.sandbox.heroku.state import App
from dandiops.sandbox.standin import base_url, json_response

listing = Blueprint("apps", __name__)
blueprint = app_blueprint("app", __name__)


@listing.get("/apps")
def list_apps() -> Response:
    with current_state.lock:
        items = [render.app(current_state, a, base_url()) for a in current_state.apps.values()]
    return listed(items, ["id", "name", "updated_at"], "id", attr_key)


@blueprint.get("")
def get_app(app: App) -> Response:
    return json_response(render.app(current_state, app, base_url()))
