"""The caller's account: GET /rate_limit (also without a token: the anonymous limits) and GET /user."""

from __future__ import annotations

from flask import Blueprint, Response, g

from dandiops.sandbox.github import render
from dandiops.sandbox.github.routing import current_state, need_token
from dandiops.sandbox.standin import base_url, json_response

blueprint = Blueprint("account", __name__)


@blueprint.get("/rate_limit")
def rate_limit() -> Response:
    with current_state.lock:
        return json_response(render.rate_limit(g.rate, anonymous=g.anonymous))


@blueprint.get("/user")
def current_user() -> Response:
    return need_token() or json_response(render.account(base_url(), current_state))
