"""The token's user and the teams (accounts) it belongs to."""

from __future__ import annotations

from flask import Blueprint, Response

from dandiops.sandbox.netlify import render
from dandiops.sandbox.netlify.routing import API_PREFIX, account_or_404, current_state
from dandiops.sandbox.standin import json_response

blueprint = Blueprint("netlify_account", __name__, url_prefix=API_PREFIX)


@blueprint.get("/user")
def get_user() -> Response:
    with current_state.lock:
        return json_response(render.user(current_state))


@blueprint.get("/accounts")
def list_accounts() -> Response:
    with current_state.lock:
        return json_response([render.account(current_state, item) for item in current_state.accounts])


@blueprint.get("/accounts/<account_id>")
def get_account(account_id: str) -> Response:
    with current_state.lock:
        return json_response(render.account(current_state, account_or_404(account_id)))
