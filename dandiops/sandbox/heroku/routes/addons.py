"""Add-ons and their attachments: an app's, the account's, one add-on's, and resolving either by name.

Clients may ask for more than the schema's references (the official CLI always does):
`Accept-Expansion: addon_service,plan` shows an add-on's service and plan as whole objects, and
`Accept-Inclusion: addon:plan,config_vars` adds the add-on's plan and the config vars to an attachment.
"""

from __future__ import annotations

from typing import Callable, Iterable

from flask import Blueprint, Response, abort

from dandiops.sandbox.heroku import render
from dandiops.sandbox.heroku.routing import (
    app_blueprint,
    current_state,
    found_or_404,
    not_found,
    requested,
    require_app,
)
from dandiops.sandbox.heroku.state import Addon, App
from dandiops.sandbox.standin import json_body, json_response

blueprint = app_blueprint("addons", __name__)
account_wide = Blueprint("addon_attachments", __name__)


def addons_json(pairs: Iterable[tuple[App, Addon]]) -> Response:
    expand = requested("Accept-Expansion")
    with current_state.lock:
        return json_response([render.addon(app, addon, expand) for app, addon in pairs])


def attachments_json(pairs: Iterable[tuple[App, Addon]]) -> Response:
    include = requested("Accept-Inclusion")
    with current_state.lock:
        return json_response([render.addon_attachment(app, addon, include) for app, addon in pairs])


def every_addon() -> list[tuple[App, Addon]]:
    """Every add-on of every app the key can see (callers hold the state's lock)."""
    return [(app, addon) for app in current_state.apps.values() for addon in app.addons]


def candidates(ident: str, app_name: object) -> tuple[list[tuple[App, Addon]], str]:
    """The add-ons a resolver looks among, and the name to look for: the named app's, or every app's
    when none is named; `app::name` names one of that app's whatever app the request names."""
    if "::" in ident:
        app_name, _, ident = ident.partition("::")
    if not app_name:
        return every_addon(), ident
    app = require_app(str(app_name))
    return [(app, addon) for addon in app.addons], ident


@blueprint.get("/addons")
def list_addons(app: App) -> Response:
    return addons_json((app, addon) for addon in list(app.addons))


@blueprint.get("/addons/<addon_ident>")
def get_addon(app: App, addon_ident: str) -> Response:
    with current_state.lock:
        addon = next((a for a in app.addons if addon_ident in (a.id, a.name, a.attachment_name)), None)
        return addons_json([(app, found_or_404(addon, "add_on"))])


@account_wide.get("/addons")
def list_all_addons() -> Response:
    with current_state.lock:
        return addons_json(every_addon())


@account_wide.get("/addon-attachments")
def list_all_attachments() -> Response:
    with current_state.lock:
        return attachments_json(every_addon())


@account_wide.get("/addons/<ident>/addon-attachments")
def list_addon_attachments(ident: str) -> Response:
    with current_state.lock:
        pairs = [(app, addon) for app, addon in every_addon() if ident in (addon.id, addon.name)]
        if not pairs:
            return not_found("add_on", "Couldn't find that add on.")
        return attachments_json(pairs)


@blueprint.get("/addon-attachments")
def list_attachments(app: App) -> Response:
    return attachments_json((app, addon) for addon in list(app.addons))


def resolved(field: str, resource: str, names: Callable[[Addon, str, bool], bool]) -> list[tuple[App, Addon]]:
    """What a resolve action's body names in `field`, as `names` tells (given the name, and whether the
    request names an app), of the body's addon_service if it gives one; else the end of the request
    in Heroku's 404 for `resource` (callers hold the state's lock)."""
    body = json_body()
    ident, service = str(body.get(field, "")), body.get("addon_service")
    among, name = candidates(ident, body.get("app"))
    scoped = bool(body.get("app")) or "::" in ident
    matches = [(app, a) for app, a in among if names(a, name, scoped) and (service is None or a.service == service)]
    if not matches:
        abort(not_found(resource, f"Couldn't find that {resource.replace('_', ' ')} ({name})."))
    return matches


@account_wide.post("/actions/addon-attachments/resolve")
def resolve_attachment() -> Response:
    def names(a: Addon, name: str, scoped: bool) -> bool:
        known = (a.attachment_name, f"{a.attachment_name}_URL", a.attachment_id, a.name, a.id)
        return name in known or name in a.config_vars

    with current_state.lock:
        return attachments_json(resolved("addon_attachment", "add_on attachment", names))


@account_wide.post("/actions/addons/resolve")
def resolve_addon() -> Response:
    def names(a: Addon, name: str, scoped: bool) -> bool:
        # an attachment's name is only unique within its app: it names an add-on when an app is given
        return name in (a.id, a.name) or (scoped and name == a.attachment_name)

    with current_state.lock:
        return addons_json(resolved("addon", "add_on", names))
