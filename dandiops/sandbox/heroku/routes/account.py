"""The key's account, its rate limit, and the members of its teams."""

from __future__ import annotations

from flask import Blueprint, Response

from dandiops.sandbox.heroku import render
from dandiops.sandbox.heroku.routing import current_state, listed, not_found
from dandiops.sandbox.standin import json_response

blueprint = Blueprint("account", __name__)


@blueprint.get("/account")
def get_account() -> Response:
    return json_response(render.account(current_state))


@blueprint.get("/teams/<team>/members")
def list_team_members(team: str) -> Response:
    with current_state.lock:
        members = current_state.teams.get(team)
        if members is None:
            return not_found("team")
        items = [render.team_member(current_state, m) for m in members]
    return listed(items, ["email"], "email", lambda obj, field: obj[field])


@blueprint.get("/account/rate-limits")
def get_rate_limits() -> Response:
    return json_response({"remaining": max(current_state.rate_remaining, 0)})
