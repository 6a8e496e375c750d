"""Platform API routes for one-off dynos, added to the Heroku stand-in as an extension.

POST /apps/{app}/dynos creates (201, a schema-valid dyno with a rendezvous attach_url when
attached). Stopping and restarting go through the Heroku stand-in's dyno routes, which end a
one-off dyno through the stop the runner gives it. Inputs are checked as leniently as Heroku does.
"""

from __future__ import annotations

import re
from typing import Callable

from flask import Flask, Response, current_app, request

from dandiops.sandbox.dyno.runner import OneOffRunner
from dandiops.sandbox.heroku import render
from dandiops.sandbox.heroku.routing import app_blueprint, current_state, error
from dandiops.sandbox.heroku.state import App, HerokuState
from dandiops.sandbox.standin import json_response

_ENV_NAME = re.compile(r"^\w+$")
MAX_TIME_TO_LIVE = 86400


RUNNER_KEY = "dandiops.heroku_oneoff_runner"
blueprint = app_blueprint("oneoff_dynos", __name__)


def dyno_routes(runner_for: Callable[[], OneOffRunner]) -> Callable[[Flask, HerokuState], None]:
    """The extension; `runner_for` returns the runner once the component has started it."""

    def install(app: Flask, state: HerokuState) -> None:
        app.extensions[RUNNER_KEY] = runner_for
        app.register_blueprint(blueprint)

    return install


def runner() -> OneOffRunner:
    runner_for: Callable[[], OneOffRunner] = current_app.extensions[RUNNER_KEY]
    return runner_for()


@blueprint.post("/dynos")
def oneoff_create_dyno(app: App) -> Response:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return error(400, "bad_request", "Request body must be a JSON object.")
    problem = _invalid(body)
    if problem:
        return error(422, "invalid_params", problem)
    if not app.deployed:
        # Heroku's runtime answers 409 while it finds no release to run (the official CLI retries twice):
        # an app that was never deployed has none.
        return error(409, "conflict", "No release is available for this app yet; try again shortly.")
    size = str(body.get("size") or _default_size(app)).lower()
    dyno = runner().create(
        app,
        command=body["command"],
        env=body.get("env") or {},
        size=size,
        attach=bool(body.get("attach")),
        time_to_live=body.get("time_to_live"),
        dyno_type=str(body.get("type") or "run"),
    )
    with current_state.lock:
        return json_response(render.dyno(app, dyno), 201)


def _default_size(app: App) -> str:
    web = app.formation.get("web")
    return web.size if web else "standard-1x"


def _invalid(body: dict) -> str | None:
    command = body.get("command")
    if not isinstance(command, str) or not command.strip():
        return "Command can't be blank."
    env = body.get("env")
    if env is not None:
        if not isinstance(env, dict):
            return "env must be an object of strings."
        for key, value in env.items():
            if not _ENV_NAME.match(str(key)) or not isinstance(value, str):
                return f"Invalid env entry {key!r}: names are letters, digits and underscores; values are strings."
    size = body.get("size")
    if size is not None and (not isinstance(size, str) or size.lower() not in render.SIZE_NAMES):
        return f"No such size as {size}. Use one of: {', '.join(render.SIZE_NAMES.values())}."
    ttl = body.get("time_to_live")
    if ttl is not None and (not isinstance(ttl, int) or isinstance(ttl, bool) or not 0 < ttl <= MAX_TIME_TO_LIVE):
        return f"time_to_live must be a whole number of seconds from 1 to {MAX_TIME_TO_LIVE}."
    for flag in ("attach", "force_no_tty"):
        if body.get(flag) is not None and not isinstance(body.get(flag), bool):
            return f"{flag} must be true or false."
    return None
