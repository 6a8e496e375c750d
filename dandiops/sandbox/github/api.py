"""The GitHub REST API stand-in as a Flask app over GitHubState, one blueprint per resource (routes/).

Protocol details copied from GitHub: `Authorization: token|Bearer`, 401 "Bad credentials",
requests without a token reading public repositories under their own rate limit (60 an hour),
X-RateLimit-* headers and the 403 "API rate limit exceeded" answer, X-OAuth-Scopes and
X-Accepted-OAuth-Scopes, weak ETags with 304 answers to If-None-Match (which do not use up the
rate limit), `per_page`/`page` pagination with Link headers, 422 "Validation Failed" bodies, and
GitHub's JSON error body for every error, an unknown route or method included (404, never HTML).

Faults (`state.inject_fault`, `POST /_sandbox/faults`) fail matching requests before they are
handled; kind "drop" instead handles the request and then cuts the connection without answering,
as a network failure after the request reached GitHub does. The gate (faults, credentials, rate
limit) and the finish (ETags, rate-limit headers, request record) run for every route but the
sandbox's own control routes.
"""

from __future__ import annotations

import hashlib
import time

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException, InternalServerError

from dandiops.sandbox.faults import Fault
from dandiops.sandbox.github.routes import BLUEPRINTS
from dandiops.sandbox.github.routing import STATE_KEY, current_state, error
from dandiops.sandbox.github.state import ApiError, GitHubState
from dandiops.sandbox.standin import cut_connection, injected_fault_answer, record_request

API_VERSION = "2022-11-28"
# outside GitHub's API: the sandbox's control routes, and downloads (GitHub serves them from other hosts)
OUTSIDE_API = ("/_sandbox/", "/_downloads/")
UNCOUNTED = ("/rate_limit",)  # GitHub does not charge asking for the rate limit
RECORDED_HEADERS = ("if-none-match", "accept")


def create_app(state: GitHubState) -> Flask:
    app = Flask("dandiops-github-standin")
    app.extensions[STATE_KEY] = state
    app.before_request(gate)
    app.after_request(finish)
    app.register_error_handler(ApiError, api_error)
    app.register_error_handler(HTTPException, http_error)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    return app


def api_error(exc: ApiError) -> Response:
    return error(exc.status, exc.message, exc.errors, exc.headers)


def http_error(exc: HTTPException) -> Response:
    """Flask's own answers in GitHub's shape: an unknown route and a method a route does not take are both
    GitHub's 404 (it answers no 405 there); a failure of the stand-in itself is a 500 "Server Error"."""
    if isinstance(exc, InternalServerError):
        return error(500, "Server Error")
    if exc.code in (404, 405):
        return error(404, "Not Found")
    return error(exc.code or 500, exc.name)


def gate() -> Response | None:
    """Faults first, then the token (its scopes go to `g.scopes`; none: `g.anonymous`), then the rate limit
    of the token or of anonymous callers (`g.rate`)."""
    g.scopes, g.anonymous, g.rate = None, False, None
    if request.path.startswith(OUTSIDE_API):
        return None
    answer = injected_fault_answer(current_state, fault_answer)
    if answer is not None:
        return answer
    g.rate = current_state.anonymous_rate
    header = request.headers.get("Authorization", "")
    if not header:
        g.anonymous = True
    else:
        token = header.split(" ", 1)[1].strip() if " " in header else ""
        scopes = current_state.scopes(token)
        if scopes is None:
            return error(401, "Bad credentials")
        g.scopes, g.rate = scopes, current_state.rate
    if request.path not in UNCOUNTED:
        with current_state.lock:
            g.rate.refresh()
            if g.rate.remaining <= 0:
                return error(403, rate_limit_message())
        g.charged = True
    return None


def rate_limit_message() -> str:
    if g.anonymous:
        return (
            f"API rate limit exceeded for {request.remote_addr}. (But here's the good news: Authenticated "
            "requests get a higher rate limit. Check out the documentation for more details.)"
        )
    return f"API rate limit exceeded for user ID {current_state.user_id}."


def fault_answer(fault: Fault) -> Response | None:
    """GitHub's answer to an injected fault; None for a fault that only delays."""
    if fault.kind == "primary":
        return error(
            403,
            f"API rate limit exceeded for user ID {current_state.user_id}. If you reach out to "
            "GitHub Support for help, please include the request ID.",
            headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time() + fault.reset_in))},
        )
    if fault.kind == "secondary":
        return error(
            fault.status or 403,
            "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
            headers={"Retry-After": fault.retry_after or "1"},
        )
    if fault.status:
        headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
        message = (
            "Server Error"
            if fault.status >= 500
            else "Not Found"
            if fault.status == 404  # GitHub's every 404; clients key on it
            else f"injected {fault.status}"
        )
        return error(fault.status, message, headers=headers)
    return None


def finish(response: Response) -> Response:
    outside = request.path.startswith(OUTSIDE_API)
    charged = g.get("charged", False)
    if request.method == "GET" and response.status_code == 200 and not outside:
        etag = 'W/"' + hashlib.sha256(response.get_data()).hexdigest() + '"'
        response.headers["ETag"] = etag
        if etag in [value.strip() for value in request.headers.get("If-None-Match", "").split(",")]:
            response = Response(status=304, headers={"ETag": etag})
            charged = False  # GitHub does not charge conditional requests answered 304
    if charged:
        with current_state.lock:
            g.rate.remaining -= 1
    if outside:
        return response
    add_github_headers(response)
    record_request(current_state, response, RECORDED_HEADERS)
    if g.get("drop_connection"):
        cut_connection(request.environ)
    return response


def add_github_headers(response: Response) -> None:
    rate = g.get("rate") or current_state.anonymous_rate
    response.headers.setdefault("X-RateLimit-Limit", str(rate.limit))
    response.headers.setdefault("X-RateLimit-Remaining", str(max(rate.remaining, 0)))
    response.headers.setdefault("X-RateLimit-Reset", str(rate.reset))
    response.headers["X-RateLimit-Used"] = str(rate.used)
    response.headers["X-RateLimit-Resource"] = "core"
    response.headers["X-GitHub-Api-Version-Selected"] = API_VERSION
    response.headers["X-GitHub-Request-Id"] = hashlib.md5(str(time.time_ns()).encode()).hexdigest()[:16].upper()
    if g.get("scopes") is not None:
        response.headers["X-OAuth-Scopes"] = ", ".join(sorted(g.scopes))
