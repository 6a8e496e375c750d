"""An app's releases (Range pagination by id or version), each with the config vars it was made with,
and rolling back to one: a new release with that release's slug and config vars (add-ons stay)."""

from __future__ import annotations

from flask import Response

from dandiops.sandbox.heroku import render
from dandiops.sandbox.heroku.routing import app_blueprint, attr_key, current_state, error, found_or_404, listed
from dandiops.sandbox.heroku.state import App, Release
from dandiops.sandbox.standin import json_body, json_response

blueprint = app_blueprint("releases", __name__)


def release_or_404(app: App, ident: str) -> Release:
    """The release by id or version (callers hold the state's lock)."""
    return found_or_404(next((r for r in app.releases if ident in (r.id, str(r.version))), None), "release")


@blueprint.get("/releases")
def list_releases(app: App) -> Response:
    with current_state.lock:
        return listed(list(app.releases), ["id", "version"], "id", attr_key, lambda item: render.release(app, item))


@blueprint.get("/releases/<rel>")
def get_release(app: App, rel: str) -> Response:
    with current_state.lock:
        return json_response(render.release(app, release_or_404(app, rel)))


@blueprint.get("/releases/<rel>/config-vars")
def get_release_config_vars(app: App, rel: str) -> Response:
    with current_state.lock:
        return json_response(dict(release_or_404(app, rel).config))


@blueprint.post("/releases")
def roll_back(app: App) -> Response:
    body = json_body()
    if "release" not in body:
        # Heroku also makes a release of a slug it built; the sandbox's slugs come only from deploys
        return error(422, "invalid_params", "Missing required params: release (the sandbox only rolls back).")
    with current_state.lock:
        target = release_or_404(app, str(body["release"]))
        if target.status != "succeeded":
            return error(422, "invalid_params", f"v{target.version} did not succeed: it cannot be rolled back to.")
        app.config = dict(target.config)
    release = current_state.create_release(app, f"Rollback to v{target.version}", slug_id=target.slug_id)
    with current_state.lock:
        return json_response(render.release(app, release), 201)
