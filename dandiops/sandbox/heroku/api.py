"""The Heroku Platform API stand-in as a Flask app over HerokuState, one blueprint per resource
(routes/), and extensions that add the rest (provisioning, one-off dynos, log sessions, the Data
API, app features, team permissions).

The gate (faults, credentials, the versioned Accept header, the rate limit) and the finish
(Request-Id, RateLimit-Remaining, the request record, a "drop" fault's cut) run for every route
but the sandbox's control routes, the logplex stream and the Data API, which have their own rules.
"""

from __future__ import annotations

import time
import uuid
from typing import Callable, Iterable

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from dandiops.sandbox.faults import Fault
from dandiops.sandbox.heroku.routes import BLUEPRINTS
from dandiops.sandbox.heroku.routing import STATE_KEY, authorized, current_state, error
from dandiops.sandbox.heroku.state import HerokuState
from dandiops.sandbox.request_log import CONTROL_PREFIX
from dandiops.sandbox.standin import cut_connection, injected_fault_answer, json_response, record_request

ACCEPT_PREFIX = "application/vnd.heroku+json; version=3"
UNMETERED = ("/account/rate-limits",)
OWN_RULES = (CONTROL_PREFIX, "/sessions/", "/client/")  # control, logplex and Data API routes
RECORDED_HEADERS = ("range", "accept", "accept-inclusion", "accept-expansion", "content-type")
# What Heroku answers for a path no route serves: its API is JSON on every path, never an HTML page.
NO_SUCH_ENDPOINT = (
    "The requested API endpoint was not found. Are you using the right HTTP verb (i.e. `GET` vs. `POST`), "
    "and did you specify your intended version with the `Accept` header?"
)

# An extension adds routes to the stand-in: called with (flask_app, state) before the app serves.
Extension = Callable[[Flask, HerokuState], None]


def create_app(state: HerokuState, *, extensions: Iterable[Extension] = ()) -> Flask:
    app = Flask("dandiops-heroku-standin")
    app.extensions[STATE_KEY] = state
    app.before_request(gate)
    app.after_request(finish)
    app.register_error_handler(HTTPException, http_error)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    for extension in extensions:
        extension(app, state)
    return app


def gate() -> Response | None:
    g.request_id = str(uuid.uuid4())
    path = request.path
    if path.startswith(OWN_RULES):
        return None
    answer = injected_fault_answer(current_state, fault_answer)
    if answer is not None:
        return answer
    if not authorized(current_state):
        return error(401, "unauthorized", "Invalid credentials provided.")
    accept = request.headers.get("Accept", "")
    if not accept.startswith(ACCEPT_PREFIX):
        return error(
            406,
            "not_acceptable",
            "Please specify a version along with Heroku's API MIME type. "
            "For example, `Accept: application/vnd.heroku+json; version=3`.",
        )
    if path not in UNMETERED:
        with current_state.lock:
            if current_state.rate_remaining <= 0:
                return error(
                    429,
                    "rate_limit",
                    "Your account reached the API rate limit. Please wait a few minutes before making new requests",
                )
            current_state.rate_remaining -= 1
    return None


def http_error(exc: HTTPException) -> Response:
    """Werkzeug's own answers (no such route, method not allowed, a view that raised) in Heroku's JSON
    error shape, with the same status; on every path, the Data API's included."""
    status = exc.code or 500
    if status == 404:
        return error(404, "not_found", NO_SUCH_ENDPOINT)
    if status == 405:
        return error(405, "method_not_allowed", f"{request.method} is not allowed on {request.path}.")
    ident = exc.name.lower().replace(" ", "_") if status < 500 else "internal_server_error"
    return error(status, ident, exc.description or exc.name)


def fault_answer(fault: Fault) -> Response | None:
    """Heroku's answer to an injected fault; None for a fault that only delays."""
    if fault.kind == "html":  # what a misconfigured proxy in between answers
        return Response("<html><body>Service Unavailable</body></html>", 200, mimetype="text/html")
    if fault.status:
        headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
        ident = {429: "rate_limit", 503: "unavailable"}.get(fault.status, "internal_server_error")
        return json_response({"id": ident, "message": f"injected fault {fault.status}"}, fault.status, headers)
    return None


def finish(response: Response) -> Response:
    response.headers["Request-Id"] = getattr(g, "request_id", "")
    response.headers["RateLimit-Remaining"] = str(max(current_state.rate_remaining, 0))
    if not request.path.startswith(CONTROL_PREFIX):
        record_request(current_state, response, RECORDED_HEADERS)
    dropped = g.get("drop_connection")
    if dropped is not None:
        time.sleep(dropped.delay)  # the client waits for an answer that is lost on the way
        cut_connection(request.environ)
    return response
