"""An app's config vars; a change makes a release, as on Heroku."""

from __future__ import annotations

from flask import Response, request

from dandiops.sandbox.heroku.routing import app_blueprint, current_state, error
from dandiops.sandbox.heroku.state import App
from dandiops.sandbox.standin import json_response

blueprint = app_blueprint("config_vars", __name__)


@blueprint.get("/config-vars")
def get_config_vars(app: App) -> Response:
    with current_state.lock:
        return json_response(dict(app.config))


@blueprint.patch("/config-vars")
def patch_config_vars(app: App) -> Response:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or any(not isinstance(v, (str, type(None))) for v in body.values()):
        return error(422, "invalid_params", "Config vars must be a JSON object of strings or nulls.")
    with current_state.lock:
        set_keys = sorted(k for k, v in body.items() if v is not None and app.config.get(k) != v)
        removed = sorted(k for k, v in body.items() if v is None and k in app.config)
        for key, value in body.items():
            if value is None:
                app.config.pop(key, None)
            else:
                app.config[key] = value
        result = dict(app.config)
    if set_keys or removed:
        parts = []
        if set_keys:
            parts.append(f"Set {', '.join(set_keys)} config vars")
        if removed:
            parts.append(f"Remove {', '.join(removed)} config vars")
        current_state.create_release(app, " and ".join(parts))
    return json_response(result)
