"""What the Netlify stand-in's routes share: its state, Netlify's error answer, lookups that 404."""

from __future__ import annotations

from typing import Any

from flask import Response

from dandiops.sandbox.netlify.state import Account, ApiError, NetlifyState, Site
from dandiops.sandbox.standin import current, json_response

STATE_KEY = "dandiops.netlify_state"
API_PREFIX = "/api/v1"

current_state = current(STATE_KEY, NetlifyState)


def error(status: int, message: str) -> Response:
    """Netlify's error body (NS definitions/error)."""
    return json_response({"code": status, "message": message}, status)


def site_or_404(site_id: str) -> Site:
    site = current_state.find_site(site_id)
    if site is None:
        raise ApiError(404, "Not Found")
    return site


def account_or_404(account_id: str) -> Account:
    account = current_state.find_account(account_id)
    if account is None:
        raise ApiError(404, "Not Found")
    return account


def typed(body: Any, key: str, kind: type | tuple[type, ...]) -> Any:
    """The body's `key` when it has the JSON type `kind`; a 422 naming it otherwise."""
    value = body.get(key)
    if value is not None and not isinstance(value, kind):
        raise ApiError(422, f"{key} is invalid")
    return value
