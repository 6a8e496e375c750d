"""The key's account, its rate limit, its OAuth authorization, and its teams' members and features."""

from __future__ import annotations

from flask import Blueprint, Response

from dandiops.sandbox.heroku import render
from dandiops.sandbox.heroku.routing import current_state, listed, not_found
from dandiops.sandbox.standin import json_response

blueprint = Blueprint("account", __name__)


@blueprint.get("/account")
def get_account() -> Response:
    return json_response(render.account(current_state))


@blueprint.get("/teams/<team>")
def get_team(team: str) -> Response:
    with current_state.lock:
        if team not in current_state.teams:
            return not_found("team")
        return json_response(render.team(current_state, team))


@blueprint.get("/teams/<team>/members")
def list_team_members(team: str) -> Response:
    with current_state.lock:
        members = current_state.teams.get(team)
        if members is None:
            return not_found("team")
        items = [render.team_member(current_state, m) for m in members]
    return listed(items, ["email"], "email", lambda obj, field: obj[field])


@blueprint.get("/teams/<team>/features")
def list_team_features(team: str) -> Response:
    with current_state.lock:
        if team not in current_state.teams:
            return not_found("team")
    return json_response([render.team_feature(team, feature) for feature in render.TEAM_FEATURES])


@blueprint.get("/account/rate-limits")
def get_rate_limits() -> Response:
    return json_response({"remaining": max(current_state.rate_remaining, 0)})


@blueprint.get("/oauth/authorizations")
def list_authorizations() -> Response:
    """The account's one authorization: the API key the sandbox hands out, as a long-lived
    `heroku authorizations:create` token (it never expires)."""
    return json_response([render.authorization(current_state)])


@blueprint.get("/oauth/authorizations/<ident>")
def get_authorization(ident: str) -> Response:
    authorization = render.authorization(current_state)
    if ident != authorization["id"]:
        return not_found("oauth_authorization", "Couldn't find that OAuth authorization.")
    return json_response(authorization)
