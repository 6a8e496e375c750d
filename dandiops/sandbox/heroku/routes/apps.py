"""Apps: the account's lists (every app, owned and collaborated ones, a team's), one app, its settings
(maintenance mode, name, build stack) and its Automated Certificate Management flag."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from dandiops.sandbox.heroku import render
from dandiops.sandbox.heroku.routing import app_blueprint, attr_key, current_state, error, listed, not_found
from dandiops.sandbox.heroku.state import APP_NAME, APP_NAME_RULE, STACKS, App, now
from dandiops.sandbox.standin import json_body, json_response

listing = Blueprint("apps", __name__)
blueprint = app_blueprint("app", __name__)


@listing.get("/apps")
def list_apps() -> Response:
    with current_state.lock:
        items = [render.app(current_state, a) for a in current_state.apps.values()]
    return listed(items, ["id", "name", "updated_at"], "id", attr_key)


@listing.get("/users/<account>/apps")
def list_owned_and_collaborated_apps(account: str) -> Response:
    """Personal apps the account owns or collaborates on; team apps are listed by team."""
    state = current_state
    if account not in ("~", state.account_email, state.account_id):
        return not_found("user", f"Couldn't find that user ({account}).")
    with state.lock:
        items = [
            render.app(state, a)
            for a in state.apps.values()
            if not a.team
            and (a.owner_email == state.account_email or any(c.email == state.account_email for c in a.collaborators))
        ]
    return listed(items, ["id", "name", "updated_at"], "id", attr_key)


@listing.get("/teams/<team>/apps")
def list_team_apps(team: str) -> Response:
    with current_state.lock:
        if team not in current_state.teams:
            return not_found("team")
        items = [render.team_app(current_state, a) for a in current_state.apps.values() if a.team == team]
    return listed(items, ["name"], "name", attr_key)


@blueprint.get("")
def get_app(app: App) -> Response:
    with current_state.lock:
        return json_response(render.app(current_state, app))


@blueprint.patch("")
def update_app(app: App) -> Response:
    """Maintenance mode, the app's name and the stack its next build uses, as Heroku changes them."""
    body = json_body()
    problem = update_problem(app, body)
    if problem:
        return error(422, "invalid_params", problem)
    with current_state.lock:
        if "maintenance" in body:
            app.maintenance = body["maintenance"]
        if "build_stack" in body:
            app.build_stack = body["build_stack"]
        if body.get("name", app.name) != app.name:
            current_state.rename_app(app, body["name"])
        app.updated_at = now()
        return json_response(render.app(current_state, app))


def update_problem(app: App, body: dict[str, Any]) -> str | None:
    """Why Heroku refuses these settings, or None when it takes them."""
    if "maintenance" in body and not isinstance(body["maintenance"], bool):
        return "Maintenance must be true or false."
    if "build_stack" in body and body["build_stack"] not in STACKS:
        return f"Couldn't find that stack ({body['build_stack']})."
    if "name" in body:
        name = body["name"]
        if not isinstance(name, str) or not APP_NAME.match(name):
            return APP_NAME_RULE
        if name != app.name and current_state.find_app(name) is not None:
            return f"Name {name} is already taken"
    return None


@blueprint.post("/acm")
def enable_acm(app: App) -> Response:
    with current_state.lock:
        app.acm = True
        for domain in app.domains:
            if domain.kind == "custom" and domain.acm_status is None:
                domain.acm_status, domain.updated_at = "pending", now()
        return json_response(render.app(current_state, app))


@blueprint.patch("/acm")
def refresh_acm(app: App) -> Response:
    """Try the certificates of domains that failed validation again."""
    with current_state.lock:
        if not app.acm:
            return error(422, "invalid_params", "Automated Certificate Management is not enabled on this app.")
        for domain in app.domains:
            if domain.acm_status in ("failing", "failed"):
                domain.acm_status, domain.acm_status_reason, domain.updated_at = "pending", None, now()
        return json_response(render.app(current_state, app))


@blueprint.delete("/acm")
def disable_acm(app: App) -> Response:
    with current_state.lock:
        app.acm = False
        for domain in app.domains:
            domain.acm_status = domain.acm_status_reason = None
            domain.updated_at = now()
        return json_response(render.app(current_state, app))
