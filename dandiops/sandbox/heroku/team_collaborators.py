"""Team app permissions: the list of them (GET /teams/permissions) and changing a collaborator's
(PATCH /teams/apps/<app>/collaborators/<who>).

The base stand-in lists, adds and removes collaborators; this extension adds the permission
update the team endpoints have (`{"permissions": [...]}`; view is always kept, as on Heroku) and
the permission list the official CLI reads before `heroku access` prints a team app's table.
"""

from __future__ import annotations

from flask import Flask, request

from dandiops.sandbox.heroku import render
from dandiops.sandbox.heroku.api import error, json_response, require_app
from dandiops.sandbox.heroku.state import HerokuState, now

PERMISSIONS = ("view", "deploy", "operate", "manage")
DESCRIPTIONS = {
    "view": "Can view app",
    "deploy": "Can deploy to app",
    "operate": "Can manage app dynos, config vars and add-ons",
    "manage": "Can manage app access and settings",
}


def team_collaborator_updates(app: Flask, state: HerokuState) -> None:
    @app.get("/teams/permissions")
    def list_team_permissions():
        return json_response([{"name": name, "description": DESCRIPTIONS[name]} for name in PERMISSIONS])

    @app.patch("/teams/apps/<ident>/collaborators/<who>")
    def update_team_collaborator(ident, who):
        found = require_app(state, ident)
        if not found.team:
            return error(422, "invalid_params", "App is not owned by a team.")
        body = request.get_json(silent=True)
        permissions = body.get("permissions") if isinstance(body, dict) else None
        if not isinstance(permissions, list) or any(p not in PERMISSIONS for p in permissions):
            return error(422, "invalid_params", f"permissions must be a list drawn from {', '.join(PERMISSIONS)}.")
        with state.lock:
            item = next((c for c in found.collaborators if who in (c.id, c.email, c.user_id)), None)
            if item is None:
                return error(404, "not_found", "Couldn't find that collaborator.", resource="collaborator")
            item.permissions = [p for p in PERMISSIONS if p in set(permissions) | {"view"}]
            item.updated_at = now()
            return json_response(render.collaborator(found, item, team=True))
