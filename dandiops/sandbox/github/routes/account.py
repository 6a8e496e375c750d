"""The token's account: GET /rate_limit and GET /user."""

from __future__ import annotations

from flask import Blueprint, Response

from dandiops.sandbox.github import render
from dandiops.sandbox.github.routing import current_state
from dandiops.sandbox.standin import base_url, json_response

blueprint = Blueprint("account", __name__)


@blueprint.get("/rate_limit")
def rate_limit() -> Response:
    return json_response(render.rate_limit(current_state))


@blueprint.get("/user")
def current_user() -> Response:
    return json_response(render.account(base_url(), current_state))
