"""Creating what Terraform's heroku module makes: apps, buildpacks and add-ons, as the stand-in serves them.

Routes: POST /apps and POST /teams/apps (201, like Heroku: a new app has releases v1 and v2 and no
formation), GET/PUT /apps/<app>/buildpack-installations (registry buildpacks are reported as
`urn:buildpack:NAME` with `name`), POST /apps/<app>/addons (201; sets the add-on's config vars
and makes an "Attach" release). As on Heroku, process types appear with the first deploy: when a
release carries a commit and the app has no Procfile yet, the archive's Procfile arrives with it
and the formation gets web at 1 and every other process type at 0.
"""

from __future__ import annotations

import secrets as random_secrets
from pathlib import Path

from flask import Blueprint, Flask, Response, request

from dandiops.sandbox.heroku import catalogue, render
from dandiops.sandbox.heroku.routing import app_blueprint, current_state, error, not_found, requested
from dandiops.sandbox.heroku.seed import PROCFILE
from dandiops.sandbox.heroku.state import (
    APP_NAME,
    APP_NAME_RULE,
    REGIONS,
    STACKS,
    Addon,
    App,
    Formation,
    HerokuState,
    Release,
)
from dandiops.sandbox.standin import current, json_body, json_response

ATTACHMENTS = {"heroku-postgresql": "DATABASE", "cloudamqp": "CLOUDAMQP", "papertrail": "PAPERTRAIL"}
REGISTRY_PREFIX = "urn:buildpack:"
EXTENSION_KEY = "dandiops.heroku_provisioning"


def addon_config(service: str, app: App, database_dir: Path | None) -> dict[str, str]:
    """The config vars an add-on sets when it is attached (sandbox values, never real services)."""
    if service == "heroku-postgresql":
        if database_dir is not None:
            return {"DATABASE_URL": f"sqlite:///{database_dir / f'{app.name}.sqlite3'}"}
        return {
            "DATABASE_URL": f"postgres://u{random_secrets.token_hex(4)}:{random_secrets.token_hex(16)}"
            f"@db.sandbox.test:5432/d{random_secrets.token_hex(4)}"
        }
    if service == "cloudamqp":
        return {
            "CLOUDAMQP_URL": f"amqps://user:{random_secrets.token_hex(8)}@rabbit.sandbox.test/vhost",
            "CLOUDAMQP_APIKEY": random_secrets.token_hex(16),
        }
    return {"PAPERTRAIL_API_TOKEN": random_secrets.token_hex(16)}


def buildpack_json(ordinal: int, ident: str) -> dict:
    registry = not ident.startswith(("http://", "https://"))
    return {"buildpack": {"url": REGISTRY_PREFIX + ident if registry else ident, "name": ident}, "ordinal": ordinal}


class ProvisioningStandIn:
    """A Heroku stand-in extension: call it with (flask_app, state) to add the provisioning routes."""

    def __init__(self, database_dir: str | Path | None = None, *, app_dirs: dict[str, str] | None = None):
        self.database_dir = Path(database_dir) if database_dir else None
        self.app_dirs = dict(app_dirs or {})  # app name -> the checkout its dynos run in (`serve --app-dir`)

    def reset(self) -> None:
        """Hook into releases again (a reset of the Heroku state drops every hook)."""
        if self.first_deploy not in self.state.on_release:
            self.state.on_release.append(self.first_deploy)

    def __call__(self, app: Flask, state: HerokuState) -> None:
        self.state = state
        state.on_release.append(self.first_deploy)
        app.extensions[EXTENSION_KEY] = self
        app.register_blueprint(creation_blueprint)
        app.register_blueprint(per_app_blueprint)

    def first_deploy(self, app: App, release: Release) -> None:
        """The first deploy brings the Procfile: web starts at 1, other process types at 0."""
        with self.state.lock:
            if not release.commit or app.formation:
                return
            if not app.procfile:
                app.procfile = dict(PROCFILE)
            for ptype, command in app.procfile.items():
                if ptype != "release":
                    app.formation[ptype] = Formation(
                        type=ptype, quantity=1 if ptype == "web" else 0, size="basic", command=command
                    )


current_provisioning = current(EXTENSION_KEY, ProvisioningStandIn)
creation_blueprint = Blueprint("provisioning", __name__)
per_app_blueprint = app_blueprint("provisioning_app", __name__)


@creation_blueprint.post("/apps")
def create_personal_app() -> Response:
    return new_app(None, "app")


@creation_blueprint.post("/teams/apps")
def create_team_app() -> Response:
    body = json_body()
    team = body.get("team") if isinstance(body, dict) else None
    if not team or body.get("personal"):
        return new_app(None, "team-app")
    return new_app(str(team), "team-app")


@per_app_blueprint.get("/buildpack-installations")
def list_buildpacks(app: App) -> Response:
    with current_state.lock:
        return buildpacks_answer(app)


@per_app_blueprint.put("/buildpack-installations")
def put_buildpacks(app: App) -> Response:
    body = request.get_json(silent=True)
    updates = body.get("updates") if isinstance(body, dict) else None
    if not isinstance(updates, list) or not all(
        isinstance(u, dict) and isinstance(u.get("buildpack"), str) and u["buildpack"] for u in updates
    ):
        return error(422, "invalid_params", "updates must be a list of objects with a buildpack.")
    with current_state.lock:
        app.buildpacks = [u["buildpack"].removeprefix(REGISTRY_PREFIX) for u in updates]
        return buildpacks_answer(app)


@per_app_blueprint.post("/addons")
def create_addon(app: App) -> Response:
    """Provision an add-on: `plan` as a name (or `{"name": ...}`, as the official CLI sends it), an
    optional `attachment.name` (`--as`) and add-on `name`; answered as `Accept-Expansion` asks."""
    body = json_body()
    plan = body.get("plan")
    if isinstance(plan, dict):
        plan = plan.get("name") or plan.get("id")
    if not isinstance(plan, str) or not plan:
        return error(422, "invalid_params", "Missing required params: plan")
    listed = catalogue.find_plan(plan) or next((p for p in catalogue.PLANS.values() if p.id == plan), None)
    if listed is None or listed.service not in ATTACHMENTS:
        return error(422, "invalid_params", f'Couldn\'t find either the add-on service or the add-on plan of "{plan}".')
    service = catalogue.SERVICES[listed.service]
    attachment_body = body.get("attachment")
    asked_attachment = attachment_body.get("name") if isinstance(attachment_body, dict) else None
    asked_name = body.get("name")
    default_prefix = ATTACHMENTS[service.name]
    config = addon_config(service.name, app, current_provisioning.database_dir)
    with current_state.lock:
        installed = [a for a in app.addons if a.service == service.name]
        if installed and not service.supports_multiple_installations:
            return error(422, "invalid_params", f"{service.name} is already installed on {app.name}.")
        if asked_attachment:
            attachment = str(asked_attachment).upper()
        elif any(a.attachment_name == default_prefix for a in app.addons):
            attachment = f"HEROKU_POSTGRESQL_{random_secrets.token_hex(2).upper()}"
        else:
            attachment = default_prefix
        if any(a.attachment_name == attachment for a in app.addons):
            return error(422, "invalid_params", f"{attachment} is already an attachment name on {app.name}.")
        name = asked_name or f"{service.name.removeprefix('heroku-')}-{random_secrets.token_hex(4)}"
        if any(a.name == name for other in current_state.apps.values() for a in other.addons):
            return error(422, "invalid_params", f"Name {name} is already taken.")
        config = {key.replace(default_prefix, attachment, 1): value for key, value in config.items()}
        addon = Addon(service.name, listed.full_name, str(name), sorted(config), attachment)
        app.addons.append(addon)
        app.config.update(config)
        rendered = render.addon(app, addon, requested("Accept-Expansion"))
    current_state.create_release(app, f"Attach {attachment} (@ref:{addon.name})")
    return json_response(rendered, 201)


def new_app(team: str | None, status_view: str) -> Response:
    """A new app (personal when `team` is None), answered as an app or as a team-app."""
    state = current_state
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return error(400, "bad_request", "Request body must be a JSON object.")
    name = body.get("name") or f"sandbox-app-{random_secrets.token_hex(3)}"
    region = body.get("region") or "us"
    stack = body.get("stack") or "heroku-24"
    if not isinstance(name, str) or not APP_NAME.match(name):
        return error(422, "invalid_params", APP_NAME_RULE)
    if region not in REGIONS:
        return error(422, "invalid_params", f"Couldn't find that region ({region}).")
    if stack not in STACKS:
        return error(422, "invalid_params", f"Couldn't find that stack ({stack}).")
    if team is not None and team not in state.teams:
        return not_found("team")
    with state.lock:
        if name in state.apps:
            return error(422, "invalid_params", f"Name {name} is already taken")
        created = state.add_app(
            App(
                name=name,
                region=region,
                stack=stack,
                team=team,
                owner_email=state.account_email,
                app_dir=current_provisioning.app_dirs.get(name),
            )
        )
    state.create_release(created, "Initial release")
    state.create_release(created, "Enable Logplex")
    rendered = render.app(state, created) if status_view == "app" else render.team_app(state, created)
    return json_response(rendered, 201)


def buildpacks_answer(app: App) -> Response:
    return json_response([buildpack_json(i, b) for i, b in enumerate(app.buildpacks)])
