"""App features (Heroku Labs flags such as log-runtime-metrics), as the Heroku stand-in serves them.

GET /apps/<app>/features[/<name>] and PATCH /apps/<app>/features/<name> `{"enabled": bool}`;
objects are shaped like the published schema's app-feature. Enabled flags are kept per app id.
The account has no Labs features here: GET /account/features is an empty list and each one is
not found, which sends the official CLI's `heroku labs:enable` on to the app's features.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field

from flask import Blueprint, Flask, Response, abort, request

from dandiops.sandbox.heroku.render import shaped
from dandiops.sandbox.heroku.routing import app_blueprint, error, not_found
from dandiops.sandbox.heroku.state import App, HerokuState, new_id, now
from dandiops.sandbox.standin import current, json_response


@dataclass(frozen=True)
class Feature:
    name: str
    display_name: str
    description: str
    doc_url: str
    state: str = "beta"
    id: str = field(default_factory=new_id)


CATALOGUE = (
    Feature(
        "log-runtime-metrics",
        "Log runtime metrics",
        "Emit dyno resource usage (load and memory) in the application's logs every 20 seconds.",
        "https://devcenter.heroku.com/articles/log-runtime-metrics",
    ),
    Feature(
        "runtime-dyno-metadata",
        "Runtime dyno metadata",
        "Provide the dyno with release and app metadata as environment variables.",
        "https://devcenter.heroku.com/articles/dyno-metadata",
    ),
    Feature(
        "preboot",
        "Preboot",
        "Start new web dynos before stopping the old ones on deploys and restarts.",
        "https://devcenter.heroku.com/articles/preboot",
        state="general",
    ),
)

EXTENSION_KEY = "dandiops.heroku_app_features"


class AppFeaturesStandIn:
    """A Heroku stand-in extension: call it with (flask_app, state) to add the app-feature routes."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Every feature off on every app."""
        with self.lock:
            self.enabled: dict[str, set[str]] = {}  # app id -> enabled feature names
            self.updated_at: dict[tuple[str, str], str] = {}

    def snapshot(self) -> tuple[dict[str, set[str]], dict[tuple[str, str], str]]:
        """What `restore` brings back: the features each app has on, and when each was last changed."""
        with self.lock:
            return copy.deepcopy(self.enabled), dict(self.updated_at)

    def restore(self, snapshot: tuple[dict[str, set[str]], dict[tuple[str, str], str]]) -> None:
        with self.lock:
            self.enabled, self.updated_at = copy.deepcopy(snapshot[0]), dict(snapshot[1])

    def is_enabled(self, app_id: str, name: str) -> bool:
        with self.lock:
            return name in self.enabled.get(app_id, set())

    def set_enabled(self, app_id: str, name: str, enabled: bool) -> None:
        with self.lock:
            names = self.enabled.setdefault(app_id, set())
            if enabled:
                names.add(name)
            else:
                names.discard(name)
            self.updated_at[(app_id, name)] = now()

    def render(self, app_id: str, feature: Feature) -> dict:
        return shaped(
            "app-feature",
            feature,
            "id name display_name description doc_url state",
            enabled=self.is_enabled(app_id, feature.name),
            feedback_email="feedback@heroku.com",
            created_at="2026-01-05T12:00:00Z",
            updated_at=self.updated_at.get((app_id, feature.name), "2026-01-05T12:00:00Z"),
        )

    def __call__(self, app: Flask, state: HerokuState) -> None:
        app.extensions[EXTENSION_KEY] = self
        app.register_blueprint(account_blueprint)
        app.register_blueprint(app_features_blueprint)


current_features = current(EXTENSION_KEY, AppFeaturesStandIn)
account_blueprint = Blueprint("account_features", __name__)
app_features_blueprint = app_blueprint("app_features", __name__)


def feature_or_404(name: str) -> Feature:
    """The catalogue's feature by name or id; an unknown one ends the request in Heroku's 404."""
    feature = next((f for f in CATALOGUE if name in (f.name, f.id)), None)
    if feature is None:
        abort(not_found("app-feature", "Couldn't find that feature."))
    return feature


@account_blueprint.get("/account/features")
def list_account_features() -> Response:
    return json_response([])


@account_blueprint.get("/account/features/<name>")
def get_account_feature(name: str) -> Response:
    return not_found("account-feature", "Couldn't find that feature.")


@app_features_blueprint.get("/features")
def list_app_features(app: App) -> Response:
    return json_response([current_features.render(app.id, f) for f in CATALOGUE])


@app_features_blueprint.get("/features/<name>")
def get_app_feature(app: App, name: str) -> Response:
    return json_response(current_features.render(app.id, feature_or_404(name)))


@app_features_blueprint.patch("/features/<name>")
def update_app_feature(app: App, name: str) -> Response:
    feature = feature_or_404(name)
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("enabled"), bool):
        return error(422, "invalid_params", "enabled must be true or false.")
    current_features.set_enabled(app.id, feature.name, body["enabled"])
    return json_response(current_features.render(app.id, feature))
