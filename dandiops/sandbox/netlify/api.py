"""The Netlify API stand-in as a Flask app over NetlifyState, under /api/v1, one blueprint per resource.

Protocol details copied from Netlify: `Authorization: Bearer <token>` or 401 "Access Denied", a budget
of 500 requests a minute with X-RateLimit-Limit/-Remaining/-Reset on every answer and a 429 without
Retry-After when it is spent, and `{"code", "message"}` as the body of every error, an unknown route's
included. Faults (`POST /_sandbox/faults`) fail matching requests before they are handled; kind "drop"
handles the request and then cuts the connection without answering.
"""

from __future__ import annotations

import time

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from dandiops.sandbox.faults import Fault
from dandiops.sandbox.netlify.routes import BLUEPRINTS
from dandiops.sandbox.netlify.routing import STATE_KEY, current_state, error
from dandiops.sandbox.netlify.state import RATE_LIMIT, ApiError, NetlifyState
from dandiops.sandbox.request_log import CONTROL_PREFIX
from dandiops.sandbox.standin import cut_connection, injected_fault_answer, record_request


def create_app(state: NetlifyState) -> Flask:
    app = Flask("dandiops-netlify-standin")
    app.extensions[STATE_KEY] = state
    app.before_request(gate)
    app.after_request(finish)
    app.register_error_handler(ApiError, lambda exc: error(exc.status, exc.message))
    app.register_error_handler(HTTPException, http_error)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    return app


def http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    if status == 405:
        status = 404  # Netlify routes by path and method alike: another method is not found either
    return error(status, "Not Found" if status == 404 else exc.name)


def gate() -> Response | None:
    g.rate = None
    if request.path.startswith(CONTROL_PREFIX):
        return None
    answer = injected_fault_answer(current_state, fault_answer)
    if answer is not None:
        return answer
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or token.strip() != current_state.token:
        return error(401, "Access Denied")
    g.rate = current_state.charge()
    if g.rate[0] < 0:
        return error(429, "API rate limit exceeded")
    return None


def fault_answer(fault: Fault) -> Response | None:
    """Netlify's answer to an injected fault: a 429 says when the budget refills (`reset_in` seconds on),
    as Netlify's does, and has no Retry-After; None for a fault that only delays."""
    if not fault.status:
        return None
    answer = error(fault.status, "API rate limit exceeded" if fault.status == 429 else f"injected fault {fault.status}")
    if fault.status == 429:
        answer.headers["X-RateLimit-Limit"] = str(RATE_LIMIT)
        answer.headers["X-RateLimit-Remaining"] = "0"
        answer.headers["X-RateLimit-Reset"] = str(int(time.time() + fault.reset_in))
    return answer


def finish(response: Response) -> Response:
    if request.path.startswith(CONTROL_PREFIX):
        return response
    rate = g.get("rate")
    if rate is not None:
        response.headers["X-RateLimit-Limit"] = str(RATE_LIMIT)
        response.headers["X-RateLimit-Remaining"] = str(max(rate[0], 0))
        response.headers["X-RateLimit-Reset"] = str(rate[1])
    record_request(current_state, response)
    if g.get("drop_connection"):
        cut_connection(request.environ)
    return response
