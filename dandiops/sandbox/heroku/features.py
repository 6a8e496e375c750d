"""App features (Heroku Labs flags such as log-runtime-metrics), as the Heroku stand-in serves them.

GET /apps/<app>/features[/<name>] and PATCH /apps/<app>/features/<name> `{"enabled": bool}`;
objects are shaped like the published schema's app-feature. Enabled flags are kept per app id.
The account has no Labs features here: GET /account/features is an empty list and each one is
not found, which sends the official CLI's `heroku labs:enable` on to the app's features.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from flask import Flask, request

from dandiops.sandbox.heroku.api import error, json_response, require_app
from dandiops.sandbox.heroku.schema import example
from dandiops.sandbox.heroku.state import HerokuState, new_id, now


@dataclass(frozen=True)
class Feature:
    name: str
    display_name: str
    description: str
    doc_url: str
    state: str = "beta"
    id: str = field(default_factory=new_id)


CATALOGUE = (
    Feature("log-runtime-metrics", "Log runtime metrics",
            "Emit dyno resource usage (load and memory) in the application's logs every 20 seconds.",
            "https://devcenter.heroku.com/articles/log-runtime-metrics"),
    Feature("runtime-dyno-metadata", "Runtime dyno metadata",
            "Provide the dyno with release and app metadata as environment variables.",
            "https://devcenter.heroku.com/articles/dyno-metadata"),
    Feature("preboot", "Preboot", "Start new web dynos before stopping the old ones on deploys and restarts.",
            "https://devcenter.heroku.com/articles/preboot", state="general"),
)


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

    def is_enabled(self, app_id: str, name: str) -> bool:
        with self.lock:
            return name in self.enabled.get(app_id, set())

    def render(self, app_id: str, feature: Feature) -> dict:
        body = example("app-feature")
        stamp = self.updated_at.get((app_id, feature.name), "2026-01-05T12:00:00Z")
        body.update(id=feature.id, name=feature.name, display_name=feature.display_name,
                    description=feature.description, doc_url=feature.doc_url, state=feature.state,
                    enabled=self.is_enabled(app_id, feature.name), feedback_email="feedback@heroku.com",
                    created_at="2026-01-05T12:00:00Z", updated_at=stamp)
        return body

    def __call__(self, app: Flask, state: HerokuState) -> None:
        def feature_or_error(name: str):
            feature = next((f for f in CATALOGUE if name in (f.name, f.id)), None)
            if feature is None:
                return None, error(404, "not_found", "Couldn't find that feature.", resource="app-feature")
            return feature, None

        @app.get("/account/features")
        def list_account_features():
            return json_response([])

        @app.get("/account/features/<name>")
        def get_account_feature(name):
            return error(404, "not_found", "Couldn't find that feature.", resource="account-feature")

        @app.get("/apps/<ident>/features")
        def list_app_features(ident):
            found = require_app(state, ident)
            return json_response([self.render(found.id, f) for f in CATALOGUE])

        @app.get("/apps/<ident>/features/<name>")
        def get_app_feature(ident, name):
            found = require_app(state, ident)
            feature, problem = feature_or_error(name)
            if problem:
                return problem
            return json_response(self.render(found.id, feature))

        @app.patch("/apps/<ident>/features/<name>")
        def update_app_feature(ident, name):
            found = require_app(state, ident)
            feature, problem = feature_or_error(name)
            if problem:
                return problem
            body = request.get_json(silent=True)
            if not isinstance(body, dict) or not isinstance(body.get("enabled"), bool):
                return error(422, "invalid_params", "enabled must be true or false.")
            with self.lock:
                names = self.enabled.setdefault(found.id, set())
                if body["enabled"]:
                    names.add(feature.name)
                else:
                    names.discard(feature.name)
                self.updated_at[(found.id, feature.name)] = now()
            return json_response(self.render(found.id, feature))
