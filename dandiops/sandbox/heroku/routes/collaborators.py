"""Collaborators of personal apps (/apps/<app>/collaborators) and of team apps (/teams/apps/<app>/...).

A personal app refuses the team endpoints. A team app takes collaborators through both, as Heroku
does: the team endpoint with the permissions given, /apps/<app>/collaborators (what `heroku
access:add` uses when the team has no Enterprise access controls) with the team's defaults. Only
people with a Heroku account can be added: the sandbox's are its team members and `state.users`.
"""

from __future__ import annotations

from flask import Blueprint, Response

from dandiops.sandbox.heroku import render
from dandiops.sandbox.heroku.routing import (
    TEAM_APP_PREFIX,
    app_blueprint,
    current_state,
    error,
    found_or_404,
    listed,
    not_found,
)
from dandiops.sandbox.heroku.state import App, Collaborator, HerokuState
from dandiops.sandbox.standin import json_body, json_response

DEFAULT_PERMISSIONS = ["view", "deploy", "operate"]


def find_collaborator(app: App, who: str) -> Collaborator | None:
    """The collaborator by id, email or user id (callers hold the state's lock)."""
    return next((c for c in app.collaborators if who in (c.id, c.email, c.user_id)), None)


def collaborator_or_404(app: App, who: str) -> Collaborator:
    return found_or_404(find_collaborator(app, who), "collaborator")


def collaborator_blueprint(team: bool) -> Blueprint:
    """The list, add, show and remove routes for one kind of app: personal or team."""
    if team:
        blueprint = app_blueprint("team_collaborators", __name__, url_prefix=TEAM_APP_PREFIX)
    else:
        blueprint = app_blueprint("app_collaborators", __name__)

    @blueprint.get("/collaborators")
    def list_collaborators(app: App) -> Response:
        with current_state.lock:
            items = [render.collaborator(app, c, team=team) for c in app.collaborators]
        return listed(
            items, ["email", "id"], "email", lambda obj, field: obj["user"]["email"] if field == "email" else obj["id"]
        )

    @blueprint.post("/collaborators")
    def add_collaborator(app: App) -> Response:
        return add(app, team)

    @blueprint.get("/collaborators/<who>")
    def get_collaborator(app: App, who: str) -> Response:
        with current_state.lock:
            return json_response(render.collaborator(app, collaborator_or_404(app, who), team=team))

    @blueprint.delete("/collaborators/<who>")
    def remove_collaborator(app: App, who: str) -> Response:
        with current_state.lock:
            item = collaborator_or_404(app, who)
            app.collaborators.remove(item)
            return json_response(render.collaborator(app, item, team=team))

    return blueprint


def add(app: App, team: bool) -> Response:
    """Add a collaborator. A team app takes one through either endpoint (its permissions only through the
    team endpoint, the team's defaults otherwise); a personal app only through /apps/{app}/collaborators."""
    if team and not app.team:
        return error(422, "invalid_params", "App is not owned by a team.")
    body = json_body()
    email = str(body.get("user", ""))
    if "@" not in email:
        return error(422, "invalid_params", "Invalid user: a user's email address or id is required.")
    with current_state.lock:
        if not user_exists(current_state, email):
            return not_found("user", f"Couldn't find that user ({email}).")
        if find_collaborator(app, email):
            return error(422, "invalid_params", f"{email} is already a collaborator on {app.name}.")
        permissions = (body.get("permissions") if team else None) or DEFAULT_PERMISSIONS
        role = team_role(current_state, app.team, email) if app.team else "collaborator"
        item = Collaborator(email=email, role=role, permissions=list(permissions))
        app.collaborators.append(item)
        return json_response(render.collaborator(app, item, team=team), 201)


def team_role(state: HerokuState, team: str, email: str) -> str:
    """The person's role in the team that owns the app: outside the team, a collaborator."""
    member = next((m for m in state.teams.get(team, []) if m["email"] == email), None)
    return member.get("role", "member") if member else "collaborator"


def user_exists(state: HerokuState, email: str) -> bool:
    """Heroku adds only people who have a Heroku account: the sandbox's accounts are state.users."""
    known = {m["email"] for members in state.teams.values() for m in members}
    return email in known or email in state.users


personal = collaborator_blueprint(team=False)
team_apps = collaborator_blueprint(team=True)
