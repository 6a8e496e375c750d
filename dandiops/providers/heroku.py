"""Heroku Platform API client over httpx.

Talks to https://api.heroku.com (or DANDIOPS_HEROKU_API_URL) with Bearer auth and the v3
Accept header; retries idempotent reads; never blindly retries writes; follows Range
pagination; maps every error to a message that says what failed and what to do.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping, NotRequired, TypedDict, Unpack, cast

import httpx

from dandiops.core.errors import DandiopsError, NotFoundError, UnavailableError
from dandiops.core.names import path_segment
from dandiops.providers.api_json import JsonObject
from dandiops.providers.http import BearerApiClient

DEFAULT_API_URL = "https://api.heroku.com"
ACCEPT_V3 = "application/vnd.heroku+json; version=3"


class RequestOptions(TypedDict, total=False):
    """What `get`, `post` and the other verbs pass on to `request`."""

    headers: Mapping[str, str] | None
    what: str | None
    timeout: float | None


class DynoSizeName(TypedDict):
    name: str


class FormationUpdate(TypedDict):
    """One entry of PATCH /apps/{app}/formation's `updates`."""

    type: str
    quantity: int
    dyno_size: DynoSizeName


class CollaboratorAddition(TypedDict):
    """POST .../collaborators: what Heroku takes to add a collaborator (permissions on team apps only)."""

    user: str
    silent: bool
    permissions: NotRequired[list[str]]


class HerokuClient(BearerApiClient):
    api_name = "Heroku"
    url_setting = "DANDIOPS_HEROKU_API_URL"  # named in hints; the Data API client has its own
    default_url = DEFAULT_API_URL
    accept = ACCEPT_V3
    credential_names = ("HEROKU_API_KEY",)
    credential_noun = "API key"
    credential_hint = (
        "set HEROKU_API_KEY in the environment or in .env beside dandiops.toml "
        "(create one with `heroku authorizations:create`)"
    )
    service = "heroku"
    status_hints = {
        401: "check HEROKU_API_KEY; create a new one with `heroku authorizations:create`",
        403: "the key's account needs access to this app (ask a team admin to grant it)",
        429: "wait a minute and run again; the limit refills at about 75 requests a minute",
        500: "Heroku kept failing; try again later or check status.heroku.com",
    }

    # --- transport -----------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        what: str | None = None,
        timeout: float | None = None,
    ) -> httpx.Response:
        """`timeout` (seconds) shortens the client's own limits for this request, e.g. to fit a deadline."""
        request = self._http.build_request(
            method,
            path,
            json=json,
            headers=headers,
            timeout=self._capped_timeout(timeout) if timeout is not None else httpx.USE_CLIENT_DEFAULT,
        )
        return self.send(request, path, what or f"{method} {path}")

    def state_hint(self, path: str) -> str:
        return f"the current state with {state_command(path, self.env_name)}"

    def _capped_timeout(self, seconds: float) -> httpx.Timeout:
        limits = self._http.timeout
        return httpx.Timeout(
            **{
                phase: seconds if limit is None else min(limit, seconds)
                for phase, limit in (
                    ("connect", limits.connect),
                    ("read", limits.read),
                    ("write", limits.write),
                    ("pool", limits.pool),
                )
            }
        )

    def get(self, path: str, **options: Unpack[RequestOptions]) -> Any:
        return self.json_body(self.request("GET", path, **options))

    def patch(self, path: str, body: Any, **options: Unpack[RequestOptions]) -> Any:
        return self.json_or_none(self.request("PATCH", path, json=body, **options))

    def post(self, path: str, body: Any = None, **options: Unpack[RequestOptions]) -> Any:
        return self.json_or_none(self.request("POST", path, json=body if body is not None else {}, **options))

    def put(self, path: str, body: Any, **options: Unpack[RequestOptions]) -> Any:
        return self.json_or_none(self.request("PUT", path, json=body, **options))

    def delete(self, path: str, **options: Unpack[RequestOptions]) -> Any:
        return self.json_or_none(self.request("DELETE", path, **options))

    def paginate(
        self, path: str, *, range_header: str = "id ..; max=1000", what: str | None = None, limit: int | None = None
    ) -> list[Any]:
        """GET every page of a list, following Next-Range on 206."""
        items: list[Any] = []
        header = range_header
        while True:
            response = self.request("GET", path, headers={"Range": header}, what=what)
            page = self.json_body(response)
            if not isinstance(page, list):
                raise UnavailableError(
                    f"Heroku answered GET {path} with something other than a list",
                    hint=f"check {self.url_setting}: it must point at the Heroku Platform API",
                )
            items.extend(page)
            next_range = response.headers.get("Next-Range")
            if response.status_code != 206 or not next_range or (limit and len(items) >= limit):
                return items[:limit] if limit else items
            header = next_range

    def status_error(self, response: httpx.Response, path: str, action: str) -> DandiopsError:
        app = _app_in_path(path)
        if response.status_code == 404 and app:
            try:
                body = response.json()
            except ValueError:
                body = {}
            resource = body.get("resource") if isinstance(body, dict) else None
            if resource == "app" or path.rstrip("/") in (f"/apps/{app}", f"/teams/apps/{app}"):
                env = f" of environment {self.env_name}" if self.env_name else ""
                return NotFoundError(
                    f"app {app} not found",
                    hint=f"check heroku_app{env} in dandiops.toml, and that the key's account can see it",
                )
        return super().status_error(response, path, action)

    # --- typed helpers -------------------------------------------------------------------
    # The answers are the API's JSON as sent: these state the shape Heroku's schema gives each route.
    def _get_object(self, path: str, what: str) -> JsonObject:
        return cast(JsonObject, self.get(path, what=what))

    def _get_list(self, path: str, what: str) -> list[JsonObject]:
        return cast(list[JsonObject], self.get(path, what=what))

    def _write_object(self, method: str, path: str, body: Any, what: str) -> JsonObject:
        return cast(JsonObject, self.json_or_none(self.request(method, path, json=body, what=what)))

    def _write_list(self, method: str, path: str, body: Any, what: str) -> list[JsonObject]:
        return cast(list[JsonObject], self.json_or_none(self.request(method, path, json=body, what=what)))

    def account(self) -> JsonObject:
        return self._get_object("/account", "reading the Heroku account")

    def app(self, app: str) -> JsonObject:
        return self._get_object(_app_path(app), f"reading app {app}")

    def create_app(self, app: str, *, region: str, team: str | None = None) -> JsonObject:
        if team:
            body = {"name": app, "team": team, "region": region}
            return self._write_object("POST", "/teams/apps", body, f"creating app {app} in team {team}")
        return self._write_object("POST", "/apps", {"name": app, "region": region}, f"creating app {app}")

    def enable_acm(self, app: str) -> JsonObject:
        """Turn on Automated Certificate Management: Heroku then issues a certificate for each custom
        domain whose DNS points at it."""
        return self._write_object("POST", _app_path(app, "acm"), None, f"turning on certificates (ACM) for {app}")

    def domains(self, app: str) -> list[JsonObject]:
        """The app's herokuapp.com domain (kind `heroku`) and its custom domains (kind `custom`)."""
        return self.paginate(_app_path(app, "domains"), what=f"listing domains of {app}")

    def add_domain(self, app: str, hostname: str) -> JsonObject:
        """Add a custom domain; Heroku answers with the DNS target (`cname`) the host must point at."""
        body = {"hostname": hostname, "sni_endpoint": None}  # no SNI endpoint: ACM gives the certificate
        return self._write_object("POST", _app_path(app, "domains"), body, f"adding domain {hostname} to {app}")

    def buildpack_installations(self, app: str) -> list[JsonObject]:
        return self._get_list(_app_path(app, "buildpack-installations"), f"reading buildpacks of {app}")

    def set_buildpacks(self, app: str, urls: Iterable[str]) -> list[JsonObject]:
        """Replace the app's buildpacks with `urls`, in this order."""
        body = {"updates": [{"buildpack": url} for url in urls]}
        return self._write_list("PUT", _app_path(app, "buildpack-installations"), body, f"setting buildpacks of {app}")

    def app_feature(self, app: str, feature: str) -> JsonObject:
        return self._get_object(_app_path(app, "features", feature), f"reading the {feature} feature of {app}")

    def enable_app_feature(self, app: str, feature: str) -> JsonObject:
        path = _app_path(app, "features", feature)
        return self._write_object("PATCH", path, {"enabled": True}, f"enabling {feature} on {app}")

    def config_vars(self, app: str) -> dict[str, str]:
        return cast(dict[str, str], self.get(_app_path(app, "config-vars"), what=f"reading config vars of {app}"))

    def update_config_vars(self, app: str, changes: Mapping[str, str | None]) -> dict[str, str]:
        path = _app_path(app, "config-vars")
        return cast(dict[str, str], self.patch(path, dict(changes), what=f"updating config vars of {app}"))

    def formation(self, app: str) -> list[JsonObject]:
        return self._get_list(_app_path(app, "formation"), f"reading the formation of {app}")

    def update_formation(self, app: str, updates: Iterable[FormationUpdate]) -> list[JsonObject]:
        body = {"updates": list(updates)}
        return self._write_list("PATCH", _app_path(app, "formation"), body, f"updating the formation of {app}")

    def releases(self, app: str, *, limit: int = 10) -> list[JsonObject]:
        """The newest releases first."""
        response = self.request(
            "GET",
            _app_path(app, "releases"),
            headers={"Range": f"version ..; max={limit}, order=desc"},
            what=f"reading releases of {app}",
        )
        return cast(list[JsonObject], response.json())

    def release(self, app: str, id_or_version: str | int) -> JsonObject:
        path = _app_path(app, "releases", str(id_or_version))
        return self._get_object(path, f"reading release {id_or_version} of {app}")

    def dynos(self, app: str) -> list[JsonObject]:
        return self._get_list(_app_path(app, "dynos"), f"listing dynos of {app}")

    def addons(self, app: str) -> list[JsonObject]:
        return self._get_list(_app_path(app, "addons"), f"listing add-ons of {app}")

    def create_addon(self, app: str, plan: str) -> JsonObject:
        return self._write_object("POST", _app_path(app, "addons"), {"plan": plan}, f"creating add-on {plan} on {app}")

    def addon_attachments(self, app: str) -> list[JsonObject]:
        return self._get_list(_app_path(app, "addon-attachments"), f"listing add-on attachments of {app}")

    # Team apps take collaborators with permissions under /teams/apps; personal apps under /apps, without.
    def collaborators(self, app: str, *, team: bool) -> list[JsonObject]:
        return self.paginate(_collaborators_path(app, team), what=f"listing collaborators of {app}")

    def add_collaborator(self, app: str, email: str, *, team: bool, permissions: list[str] | None = None) -> JsonObject:
        body: CollaboratorAddition = {"user": email, "silent": False}
        if team:
            body["permissions"] = list(permissions or [])
        return self._write_object("POST", _collaborators_path(app, team), body, f"adding {email} to {app}")

    def set_collaborator_permissions(self, app: str, email: str, permissions: list[str]) -> JsonObject:
        path = f"{_collaborators_path(app, True)}/{path_segment(email)}"
        body = {"permissions": permissions}
        return self._write_object("PATCH", path, body, f"changing the permissions of {email} on {app}")

    def remove_collaborator(self, app: str, email: str, *, team: bool) -> None:
        self.delete(f"{_collaborators_path(app, team)}/{path_segment(email)}", what=f"removing {email} from {app}")


def _app_path(app: str, *below: str) -> str:
    """The request path of the app or of what is below it (each part a path segment, made safe)."""
    return "/".join(["/apps", *(path_segment(part) for part in (app, *below))])


def _collaborators_path(app: str, team: bool) -> str:
    return ("/teams" if team else "") + _app_path(app, "collaborators")


# What shows the state a lost write may have changed, by the resource its path names.
_STATE_COMMANDS = (
    ("/domains", "dandiops init{env} --only domain --dry-run"),
    ("/acm", "dandiops init{env} --only domain --dry-run"),
    ("/config-vars", "dandiops config check{env} (or `dandiops hosts list{env}`)"),
    ("/formation", "dandiops status{env}"),
    ("/dynos", "dandiops status{env}"),
    ("/collaborators", "dandiops access list{env}"),
    ("/features", "dandiops alerts{env} --dry-run"),
    ("/transfers", "dandiops backups list{env}"),
    ("/schedules", "dandiops backups list{env}"),
)


def state_command(path: str, env_name: str | None) -> str:
    env = f" -e {env_name}" if env_name else ""
    for fragment, command in _STATE_COMMANDS:
        if fragment in path:
            return "`" + command.format(env=env) + "`"
    return f"`dandiops status{env}`"


_APP_PATH = re.compile(r"^/(?:teams/)?apps/([^/]+)")


def _app_in_path(path: str) -> str | None:
    match = _APP_PATH.match(path)
    return match.group(1) if match else None
