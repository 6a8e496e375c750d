"""An app's releases (Range pagination by id or version)."""

from __future__ import annotations

from flask import Response

from dandiops.sandbox.heroku import render
from dandiops.sandbox.heroku.routing import app_blueprint, attr_key, current_state, found_or_404, listed
from dandiops.sandbox.heroku.state import App
from dandiops.sandbox.standin import json_response

blueprint = app_blueprint("releases", __name__)


@blueprint.get("/releases")
def list_releases(app: App) -> Response:
    with current_state.lock:
        return listed(list(app.releases), ["id", "version"], "id", attr_key, lambda item: render.release(app, item))


@blueprint.get("/releases/<rel>")
def get_release(app: App, rel: str) -> Response:
    with current_state.lock:
        item = next((r for r in app.releases if r.id == rel or str(r.version) == rel), None)
        return json_response(render.release(app, found_or_404(item, "release")))
