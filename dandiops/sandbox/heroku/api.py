"""The Heroku Platform API stand-in as a Flask app over HerokuState."""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

from flask import Flask, Response, abort, g, request

from dandiops.sandbox.heroku import ranges, render
from dandiops.sandbox.heroku.state import Collaborator, HerokuState, RequestRecord, now

ACCEPT_PREFIX = "application/vnd.heroku+json; version=3"
UNMETERED = ("/account/rate-limits",)


def error(status: int, ident: str, message: str, **extra: Any) -> Response:
    return json_response({"id": ident, "message": message, **extra}, status)


def json_response(body: Any, status: int = 200, headers: dict | None = None) -> Response:
    response = Response(json.dumps(body), status=status, mimetype="application/json")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def not_found_app() -> Response:
    return error(404, "not_found", "Couldn't find that app.", resource="app")


def require_app(state: HerokuState, ident: str):
    """The app named or identified by `ident`; a request for an unknown one ends in Heroku's 404."""
    found = state.find_app(ident)
    if found is None:
        abort(not_found_app())
    return found


def _drop(environ) -> None:
    import socket

    sock = environ.get("werkzeug.socket")
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def create_app(state: HerokuState, *, base_url_getter=None, extensions=()) -> Flask:
    """`extensions` are callables (flask_app, state) that add routes: dynos, logs, Data API..."""
    app = Flask("dandiops-heroku-standin")
    app.config["heroku_state"] = state

    def base_url() -> str:
        return base_url_getter() if base_url_getter else request.host_url.rstrip("/")

    @app.before_request
    def gate():
        g.request_id = str(uuid.uuid4())
        path = request.path
        if path.startswith("/_sandbox/") or path.startswith("/sessions/") or path.startswith("/client/"):
            return None  # control, logplex and Data API routes have their own rules
        fault = state.take_fault(request.method, path)
        if fault and fault.kind == "drop":
            g.drop_connection = fault  # the request is carried out; its answer never arrives
        elif fault:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.kind == "html":  # what a misconfigured proxy in between answers
                return Response("<html><body>Service Unavailable</body></html>", 200, mimetype="text/html")
            if fault.status:
                headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                ident = {429: "rate_limit", 503: "unavailable"}.get(fault.status, "internal_server_error")
                return json_response({"id": ident, "message": f"injected fault {fault.status}"}, fault.status, headers)
        if not _authorized(state):
            return error(401, "unauthorized", "Invalid credentials provided.")
        accept = request.headers.get("Accept", "")
        if not accept.startswith(ACCEPT_PREFIX):
            return error(406, "not_acceptable", "Please specify a version along with Heroku's API MIME type. "
                         "For example, `Accept: application/vnd.heroku+json; version=3`.")
        if path not in UNMETERED:
            with state.lock:
                if state.rate_remaining <= 0:
                    return error(429, "rate_limit", "Your account reached the API rate limit. "
                                 "Please wait a few minutes before making new requests")
                state.rate_remaining -= 1
        return None

    @app.after_request
    def finish(response: Response) -> Response:
        response.headers["Request-Id"] = getattr(g, "request_id", "")
        response.headers["RateLimit-Remaining"] = str(max(state.rate_remaining, 0))
        if not request.path.startswith("/_sandbox/"):
            try:
                body = request.get_json(silent=True)
            except Exception:
                body = None
            with state.lock:
                sent = None
                if response.mimetype == "application/json" and not response.direct_passthrough:
                    sent = json.loads(response.get_data() or b"null")
                state.requests.append(RequestRecord(request.method, request.path, response.status_code,
                                                    {k: v for k, v in request.headers.items()
                                                     if k.lower() in ("range", "accept", "content-type")}, body,
                                                    sent))
        dropped = g.get("drop_connection")
        if dropped is not None:
            time.sleep(dropped.delay)  # the client waits for an answer that is lost on the way
            _drop(request.environ)
        return response

    def listed(items, allowed, default_field, key, to_json=lambda item: item):
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

    def attr_key(obj, field):
        return obj[field] if isinstance(obj, dict) else getattr(obj, field)

    # --- account -----------------------------------------------------------------------
    @app.get("/account")
    def get_account():
        return json_response(render.account(state))

    @app.get("/account/rate-limits")
    def get_rate_limits():
        return json_response({"remaining": max(state.rate_remaining, 0)})

    # --- apps --------------------------------------------------------------------------
    @app.get("/apps")
    def list_apps():
        with state.lock:
            items = [render.app(state, a, base_url()) for a in state.apps.values()]
        return listed(items, ["id", "name", "updated_at"], "id", attr_key)

    @app.get("/apps/<ident>")
    def get_app(ident):
        found = require_app(state, ident)
        return json_response(render.app(state, found, base_url()))

    # --- config vars -------------------------------------------------------------------
    @app.get("/apps/<ident>/config-vars")
    def get_config_vars(ident):
        found = require_app(state, ident)
        with state.lock:
            return json_response(dict(found.config))

    @app.patch("/apps/<ident>/config-vars")
    def patch_config_vars(ident):
        found = require_app(state, ident)
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or any(not isinstance(v, (str, type(None))) for v in body.values()):
            return error(422, "invalid_params", "Config vars must be a JSON object of strings or nulls.")
        with state.lock:
            set_keys = sorted(k for k, v in body.items() if v is not None and found.config.get(k) != v)
            removed = sorted(k for k, v in body.items() if v is None and k in found.config)
            for key, value in body.items():
                if value is None:
                    found.config.pop(key, None)
                else:
                    found.config[key] = value
            result = dict(found.config)
        if set_keys or removed:
            parts = []
            if set_keys:
                parts.append(f"Set {', '.join(set_keys)} config vars")
            if removed:
                parts.append(f"Remove {', '.join(removed)} config vars")
            state.create_release(found, " and ".join(parts))
        return json_response(result)

    # --- formation ---------------------------------------------------------------------
    @app.get("/apps/<ident>/formation")
    def get_formation(ident):
        found = require_app(state, ident)
        with state.lock:
            return json_response([render.formation(found, f) for f in found.formation.values()])

    @app.get("/apps/<ident>/formation/<ftype>")
    def get_formation_one(ident, ftype):
        found = require_app(state, ident)
        item = found.formation.get(ftype) or next((f for f in found.formation.values() if f.id == ftype), None)
        if not item:
            return error(404, "not_found", "Couldn't find that formation.", resource="formation")
        return json_response(render.formation(found, item))

    def apply_formation_update(found, ftype, update) -> Response | None:
        item = found.formation.get(ftype)
        if item is None:
            return error(404, "not_found", f"Couldn't find that process type ({ftype}).", resource="formation")
        quantity = update.get("quantity")
        if quantity is not None:
            if isinstance(quantity, str) and quantity.isdigit():
                quantity = int(quantity)
            if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
                return error(422, "invalid_params", "Quantity must be a non-negative integer.")
        size = update.get("size")
        if isinstance(update.get("dyno_size"), dict):
            size = update["dyno_size"].get("name") or update["dyno_size"].get("id") or size
        if size is not None and size.lower() not in render.SIZE_NAMES:
            return error(422, "invalid_params", f"No such size as {size}.")
        if quantity is not None:
            item.quantity = quantity
        if size is not None:
            item.size = size.lower()
        item.updated_at = now()
        return None

    @app.patch("/apps/<ident>/formation")
    def patch_formation(ident):
        found = require_app(state, ident)
        body = request.get_json(silent=True)
        updates = body.get("updates") if isinstance(body, dict) else None
        if not isinstance(updates, list) or not all(isinstance(u, dict) and u.get("type") for u in updates):
            return error(422, "invalid_params", "updates must be a list of objects with a type.")
        with state.lock:
            for update in updates:
                problem = apply_formation_update(found, update["type"], update)
                if problem:
                    return problem
            changed = [found.formation[u["type"]] for u in updates]
            return json_response([render.formation(found, f) for f in changed])

    @app.patch("/apps/<ident>/formation/<ftype>")
    def patch_formation_one(ident, ftype):
        found = require_app(state, ident)
        body = request.get_json(silent=True) or {}
        with state.lock:
            problem = apply_formation_update(found, ftype, body)
            if problem:
                return problem
            return json_response(render.formation(found, found.formation[ftype]))

    # --- releases ----------------------------------------------------------------------
    @app.get("/apps/<ident>/releases")
    def list_releases(ident):
        found = require_app(state, ident)
        with state.lock:
            return listed(list(found.releases), ["id", "version"], "id", attr_key,
                          lambda item: render.release(found, item))

    @app.get("/apps/<ident>/releases/<rel>")
    def get_release(ident, rel):
        found = require_app(state, ident)
        with state.lock:
            item = next((r for r in found.releases if r.id == rel or str(r.version) == rel), None)
            if not item:
                return error(404, "not_found", "Couldn't find that release.", resource="release")
            return json_response(render.release(found, item))

    # --- dynos -------------------------------------------------------------------------
    @app.get("/apps/<ident>/dynos")
    def list_dynos(ident):
        found = require_app(state, ident)
        with state.lock:
            return json_response([render.dyno(found, d) for d in found.dynos.values()])

    @app.get("/apps/<ident>/dynos/<dyno>")
    def get_dyno(ident, dyno):
        found = require_app(state, ident)
        with state.lock:
            item = found.find_dyno(dyno)
            if not item:
                return error(404, "not_found", "Couldn't find that dyno.", resource="dyno")
            return json_response(render.dyno(found, item))

    # --- add-ons -----------------------------------------------------------------------
    @app.get("/apps/<ident>/addons")
    def list_addons(ident):
        found = require_app(state, ident)
        with state.lock:
            return json_response([render.addon(found, a) for a in found.addons])

    @app.get("/apps/<ident>/addon-attachments")
    def list_attachments(ident):
        found = require_app(state, ident)
        with state.lock:
            return json_response([render.addon_attachment(found, a) for a in found.addons])

    @app.post("/actions/addon-attachments/resolve")
    def resolve_attachment():
        body = request.get_json(silent=True) or {}
        found = require_app(state, str(body.get("app", "")))
        name = str(body.get("addon_attachment", ""))
        service = body.get("addon_service")
        with state.lock:
            matches = [a for a in found.addons
                       if (a.attachment_name == name or f"{a.attachment_name}_URL" == name or a.name == name
                           or name in a.config_vars)
                       and (service is None or a.service == service)]
            if not matches:
                return error(404, "not_found", f"Couldn't find that add on attachment ({name}).",
                             resource="add_on attachment")
            return json_response([render.addon_attachment(found, a) for a in matches])

    # --- collaborators -----------------------------------------------------------------
    def collaborator_routes(prefix: str, team: bool):
        def find(found, who):
            return next((c for c in found.collaborators if who in (c.id, c.email, c.user_id)), None)

        def list_view(ident):
            found = require_app(state, ident)
            with state.lock:
                items = [render.collaborator(found, c, team=team) for c in found.collaborators]
            return listed(items, ["email", "id"], "email", lambda obj, field: obj["user"]["email"]
                          if field == "email" else obj["id"])

        def get_view(ident, who):
            found = require_app(state, ident)
            with state.lock:
                item = find(found, who)
                if not item:
                    return error(404, "not_found", "Couldn't find that collaborator.", resource="collaborator")
                return json_response(render.collaborator(found, item, team=team))

        def create_view(ident):
            found = require_app(state, ident)
            if team and not found.team:
                return error(422, "invalid_params", "App is not owned by a team.")
            if not team and found.team:
                return error(422, "invalid_params",
                             "Team apps take collaborators through /teams/apps/{app}/collaborators.")
            body = request.get_json(silent=True) or {}
            email = str(body.get("user", ""))
            if "@" not in email:
                return error(422, "invalid_params", "Invalid user: a user's email address or id is required.")
            with state.lock:
                if not _user_exists(state, email):
                    return error(404, "not_found", f"Couldn't find that user ({email}).", resource="user")
                if find(found, email):
                    return error(422, "invalid_params", f"{email} is already a collaborator on {found.name}.")
                permissions = body.get("permissions") or ["view", "deploy", "operate"]
                item = Collaborator(email=email, role="member" if team else "collaborator",
                                    permissions=list(permissions))
                found.collaborators.append(item)
                return json_response(render.collaborator(found, item, team=team), 201)

        def delete_view(ident, who):
            found = require_app(state, ident)
            with state.lock:
                item = find(found, who)
                if not item:
                    return error(404, "not_found", "Couldn't find that collaborator.", resource="collaborator")
                found.collaborators.remove(item)
                return json_response(render.collaborator(found, item, team=team))

        kind = "team" if team else "app"
        app.add_url_rule(f"{prefix}/<ident>/collaborators", f"{kind}_collab_list", list_view, methods=["GET"])
        app.add_url_rule(f"{prefix}/<ident>/collaborators", f"{kind}_collab_create", create_view, methods=["POST"])
        app.add_url_rule(f"{prefix}/<ident>/collaborators/<who>", f"{kind}_collab_get", get_view, methods=["GET"])
        app.add_url_rule(f"{prefix}/<ident>/collaborators/<who>", f"{kind}_collab_delete", delete_view,
                         methods=["DELETE"])

    collaborator_routes("/apps", team=False)
    collaborator_routes("/teams/apps", team=True)

    @app.get("/addon-attachments")
    def list_all_attachments():
        with state.lock:
            items = [render.addon_attachment(a, addon) for a in state.apps.values() for addon in a.addons]
        return json_response(items)

    @app.get("/teams/<team>/members")
    def list_team_members(team):
        with state.lock:
            members = state.teams.get(team)
            if members is None:
                return error(404, "not_found", "Couldn't find that team.", resource="team")
            items = [render.team_member(state, m) for m in members]
        return listed(items, ["email"], "email", lambda obj, field: obj[field])

    for extension in extensions:
        extension(app, state)

    # --- sandbox control (tests and `sandbox serve`) -------------------------------------
    @app.post("/_sandbox/faults")
    def add_fault():
        body = request.get_json(silent=True) or {}
        state.inject_fault(int(body.get("status", 500)), int(body.get("count", 1)),
                           delay=float(body.get("delay", 0)), methods=set(body["methods"]) if body.get("methods") else None,
                           path_prefix=body.get("path_prefix"), retry_after=body.get("retry_after"),
                           kind=body.get("kind"))
        return json_response({"ok": True})

    return app


def _user_exists(state: HerokuState, email: str) -> bool:
    """Heroku adds only people who have a Heroku account: the sandbox's accounts are state.users."""
    known = {m["email"] for members in state.teams.values() for m in members}
    return email in known or email in state.users


def _authorized(state: HerokuState) -> bool:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[len("Bearer "):] == state.api_key
    if header.startswith("Basic "):
        try:
            decoded = base64.b64decode(header[len("Basic "):]).decode()
        except Exception:
            return False
        return decoded.partition(":")[2] == state.api_key
    return False
