"""What the Heroku stand-in's routes share: its state, Heroku's error answers, the credentials check,
Range pagination, and the app blueprint that resolves `/apps/<ident>` once.

An app blueprint's views receive the resolved `app` (a HerokuState App) in place of `ident`; an
unknown app is Heroku's 404 before the view runs, after the Platform API's gate (faults,
credentials, Accept, rate limit).
"""

from __future__ import annotations

import base64
from typing import Any, Callable, Iterable, Sequence, TypeVar

from flask import Blueprint, Response, abort, request

from dandiops.sandbox.heroku import ranges
from dandiops.sandbox.heroku.state import App, HerokuState
from dandiops.sandbox.standin import current, json_response, resolving_blueprint

STATE_KEY = "dandiops.heroku_state"
APP_PREFIX = "/apps/<ident>"
TEAM_APP_PREFIX = "/teams/apps/<ident>"
T = TypeVar("T")

current_state = current(STATE_KEY, HerokuState)


def error(status: int, ident: str, message: str, **extra: Any) -> Response:
    return json_response({"id": ident, "message": message, **extra}, status)


def not_found(resource: str, message: str | None = None) -> Response:
    return error(404, "not_found", message or f"Couldn't find that {resource}.", resource=resource)


def found_or_404(item: T | None, resource: str) -> T:
    """`item`, or the end of the request in Heroku's 404 for that kind of resource."""
    if item is None:
        abort(not_found(resource))
    return item


def require_app(ident: str) -> App:
    """The app named or identified by `ident`; a request for an unknown one ends in Heroku's 404."""
    return found_or_404(current_state.find_app(ident), "app")


def app_blueprint(name: str, import_name: str, *, url_prefix: str = APP_PREFIX) -> Blueprint:
    """A blueprint under `url_prefix` (which names <ident>) whose views take the resolved `app`."""

    def resolve(view_args: dict[str, Any]) -> None:
        view_args["app"] = require_app(view_args.pop("ident"))

    return resolving_blueprint(name, import_name, url_prefix, resolve)


def app_items(app: App, items: Iterable[Any], render_one: Callable[[App, Any], dict]) -> Response:
    """The app's `items` (dynos, process types, add-ons...) as a JSON list, read under the state's lock."""
    with current_state.lock:
        return json_response([render_one(app, item) for item in items])


def requested(header: str) -> set[str]:
    """The names a client lists in `Accept-Inclusion` or `Accept-Expansion` (comma-separated)."""
    return {name.strip() for name in request.headers.get(header, "").split(",") if name.strip()}


def authorized(state: HerokuState) -> bool:
    """A Bearer token, or Basic credentials whose password is the API key (as the official CLI sends)."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[len("Bearer ") :] == state.api_key
    if header.startswith("Basic "):
        try:
            decoded = base64.b64decode(header[len("Basic ") :]).decode()
        except Exception:
            return False
        return decoded.partition(":")[2] == state.api_key
    return False


def attr_key(obj: Any, field: str) -> Any:
    return obj[field] if isinstance(obj, dict) else getattr(obj, field)


def listed(
    items: list,
    allowed: Sequence[str],
    default_field: str,
    key: Callable[[Any, str], Any],
    to_json: Callable[[Any], Any] = lambda item: item,
) -> Response:
    """One page of `items` as the request's Range header asks (206 and Next-Range when more remain)."""
    try:
        rng = ranges.parse(request.headers.get("Range"), allowed, default_field)
    except ranges.RangeError as exc:
        return error(400, "bad_request", str(exc))
    chunk, content_range, next_range = ranges.page(items, rng, key)
    headers = {"Accept-Ranges": ", ".join(allowed)}
    if content_range:
        headers["Content-Range"] = content_range
    if next_range:
        headers["Next-Range"] = next_range
    return json_response([to_json(item) for item in chunk], 206 if next_range else 200, headers)
