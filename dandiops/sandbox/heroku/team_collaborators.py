"""Team app permissions: the list of them (GET /teams/permissions) and changing a collaborator's
(PATCH /teams/apps/<app>/collaborators/<who>).

The base stand-in lists, adds and removes collaborators; this extension adds the permission
update the team endpoints have (`{"permissions": [...]}`; view is always kept, as on Heroku) and
the permission list the official CLI reads before `heroku access` prints a team app's table.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, request

from dandiops.sandbox.heroku import render
from dandiops.sandbox.heroku.routes.collaborators import collaborator_or_404
from dandiops.sandbox.heroku.routing import TEAM_APP_PREFIX, app_blueprint, current_state, error
from dandiops.sandbox.heroku.state import App, HerokuState, now
from dandiops.sandbox.standin import json_response

PERMISSIONS = ("view", "deploy", "operate", "manage")
DESCRIPTIONS = {
    "view": "Can view app",
    "deploy": "Can deploy to app",
    "operate": "Can manage app dynos, config vars and add-ons",
    "manage": "Can manage app access and settings",
}

permissions_blueprint = Blueprint("team_permissions", __name__)
updates_blueprint = app_blueprint("team_collaborator_updates", __name__, url_prefix=TEAM_APP_PREFIX)


def team_collaborator_updates(app: Flask, state: HerokuState) -> None:
    """The extension: the permission list and the permission update of a team app's collaborator."""
    app.register_blueprint(permissions_blueprint)
    app.register_blueprint(updates_blueprint)


@permissions_blueprint.get("/teams/permissions")
def list_team_permissions() -> Response:
    return json_response([{"name": name, "description": DESCRIPTIONS[name]} for name in PERMISSIONS])


@updates_blueprint.patch("/collaborators/<who>")
def update_team_collaborator(app: App, who: str) -> Response:
    if not app.team:
        return error(422, "invalid_params", "App is not owned by a team.")
    body = request.get_json(silent=True)
    permissions = body.get("permissions") if isinstance(body, dict) else None
    if not isinstance(permissions, list) or any(p not in PERMISSIONS for p in permissions):
        return error(422, "invalid_params", f"permissions must be a list drawn from {', '.join(PERMISSIONS)}.")
    with current_state.lock:
        item = collaborator_or_404(app, who)
        item.permissions = [p for p in PERMISSIONS if p in set(permissions) | {"view"}]
        item.updated_at = now()
        return json_response(render.collaborator(app, item, team=True))
