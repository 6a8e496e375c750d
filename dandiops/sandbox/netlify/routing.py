"""What the Netlify stand-in's routes share: its state, Netlify's error answer, lookups that 404."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import Response

from dandiops.sandbox.netlify.state import Account, ApiError, NetlifyState, Site
from dandiops.sandbox.standin import PageRequest, current, json_response

T = TypeVar("T")

STATE_KEY = "dandiops.netlify_state"
API_PREFIX = "/api/v1"

current_state = current(STATE_KEY, NetlifyState)


def error(status: int, message: str) -> Response:
    """Netlify's error body (NS definitions/error)."""
    return json_response({"code": status, "message": message}, status)


def found(value: T | None) -> T:
    """What a lookup found; Netlify's 404 when it found nothing."""
    if value is None:
        raise ApiError(404, "Not Found")
    return value


def site_or_404(site_id: str) -> Site:
    return found(current_state.find_site(site_id))


def account_or_404(account_id: str) -> Account:
    return found(current_state.find_account(account_id))


def requested_page() -> PageRequest:
    """The page a list request asks for (Netlify's pages hold 100 unless told otherwise)."""
    try:
        return PageRequest.read(100)
    except ValueError:
        raise ApiError(422, "page and per_page must be numbers") from None


def typed(body: Any, key: str, kind: type | tuple[type, ...]) -> Any:
    """The body's `key` when it has the JSON type `kind`; a 422 naming it otherwise."""
    value = body.get(key)
    if value is not None and not isinstance(value, kind):
        raise ApiError(422, f"{key} is invalid")
    return value
