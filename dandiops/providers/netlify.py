"""Netlify API client over httpx.

Talks to https://api.netlify.com/api/v1 (or DANDIOPS_NETLIFY_API_URL) with a personal access token
(NETLIFY_AUTH_TOKEN) as Bearer auth, on the shared retry policy: reads are retried on 429, 5xx and
timeouts (Netlify's 429 names the moment its budget refills in X-RateLimit-Reset), writes never
blindly. Lists follow `page`/`per_page` pagination. Every error names what failed and what to do.
Facts about the API: shared/reference/frontend-email-domains.md §1.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, NotRequired, TypedDict, cast

import httpx

from dandiops.core.errors import UnavailableError
from dandiops.core.names import path_segment
from dandiops.providers.api_json import JsonObject
from dandiops.providers.http import BearerApiClient, remote_message

DEFAULT_API_URL = "https://api.netlify.com/api/v1"
PER_PAGE = 100  # Netlify's largest page
MAX_PAGES = 50
# The scopes a variable gets when none are chosen (narrower scopes are a paid feature).
ALL_SCOPES = ("builds", "functions", "runtime", "post-processing")
# A deploy is over in one of these states (NCLI utils/deploy/util.ts).
DEPLOY_DONE = ("ready", "error")


class EnvVarValue(TypedDict):
    """One value of an environment variable: for a deploy context, or a branch (context "branch")."""

    value: str
    context: str
    context_parameter: NotRequired[str]


class EnvVarCreation(TypedDict):
    key: str
    scopes: list[str]
    values: list[EnvVarValue]
    is_secret: bool


class RepoLink(TypedDict, total=False):
    """A site's link to its repository and build settings (`repo` in a site write, `build_settings` in a read)."""

    provider: str
    repo_path: str
    repo_url: str
    repo_branch: str
    base: str
    cmd: str
    dir: str
    allowed_branches: list[str]
    public_repo: bool


class NetlifyClient(BearerApiClient):
    api_name = "Netlify"
    url_setting = "DANDIOPS_NETLIFY_API_URL"
    default_url = DEFAULT_API_URL
    accept = "application/json"
    credential_names = ("NETLIFY_AUTH_TOKEN",)
    credential_noun = "token"
    credential_hint = (
        "set NETLIFY_AUTH_TOKEN in the environment or in .env beside dandiops.toml (a personal access "
        "token: Netlify > User settings > Applications > Personal access tokens)"
    )
    service = "netlify"
    status_hints = {
        401: "check NETLIFY_AUTH_TOKEN; create a new personal access token in Netlify's user settings",
        403: "the token's user must be a member of the team that owns the site (netlify_team)",
        404: "check netlify_site and netlify_team{env} in dandiops.toml, and that the token's user can see them",
        429: "wait a minute and run again: a token may make 500 requests a minute",
        500: "Netlify kept failing; try again later or check netlifystatus.com",
    }

    # --- transport -----------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
        what: str | None = None,
        allowed: tuple[int, ...] = (),
    ) -> httpx.Response:
        """The answer to one request; an error status raises unless it is one of `allowed`."""
        request = self._http.build_request(method, path, params=params, json=json)
        return self.send(request, path, what or f"{method} {path}", allowed=allowed)

    def state_hint(self, path: str) -> str:
        env = f" -e {self.env_name}" if self.env_name else ""
        return f"the site as it is now with `dandiops frontend status{env}`"

    def _object(self, method: str, path: str, what: str, **options: Any) -> JsonObject:
        body = self.json_or_none(self.request(method, path, what=what, **options))
        if not isinstance(body, dict):
            raise UnavailableError(
                f"Netlify answered {what} with something other than an object",
                hint=f"check {self.url_setting}: it must point at Netlify's API (…/api/v1)",
            )
        return cast(JsonObject, body)

    def _list(self, path: str, what: str, params: Mapping[str, str | int] | None = None) -> list[JsonObject]:
        """Every page of a list: Netlify answers `per_page` items a page and a Link header naming the next;
        without the header, a full page means there may be another (as Netlify's own CLI reads it)."""
        items: list[JsonObject] = []
        for page in range(1, MAX_PAGES + 1):
            paged = {**(params or {}), "page": page, "per_page": PER_PAGE}
            response = self.request("GET", path, params=paged, what=what)
            chunk = self.json_or_none(response)
            if not isinstance(chunk, list):
                raise UnavailableError(
                    f"Netlify answered {what} with something other than a list",
                    hint=f"check {self.url_setting}: it must point at Netlify's API (…/api/v1)",
                )
            items += cast(list[JsonObject], chunk)
            link = response.headers.get("Link")
            more = 'rel="next"' in link if link is not None else len(chunk) == PER_PAGE
            if not more or not chunk:
                break
        return items

    # --- account -------------------------------------------------------------------------
    def accounts(self) -> list[JsonObject]:
        """The teams (accounts) the token's user belongs to, each with its `slug`."""
        return self._list("/accounts", "listing the Netlify teams")

    # --- sites ---------------------------------------------------------------------------
    def find_site(self, name: str) -> JsonObject | None:
        """The site called `name` among every site the token's user can see, or None."""
        sites = self._list("/sites", f"looking for Netlify site {name}", {"name": name, "filter": "all"})
        return next((site for site in sites if site.get("name") == name), None)

    def site(self, site_id: str) -> JsonObject:
        return self._object("GET", f"/sites/{path_segment(site_id)}", f"reading Netlify site {site_id}")

    def create_site(self, team: str, name: str, repo: RepoLink) -> JsonObject:
        body = {"name": name, "repo": dict(repo)}
        what = f"creating Netlify site {name} in team {team}"
        return self._object("POST", f"/{path_segment(team)}/sites", what, json=body)

    def update_site(self, site_id: str, changes: Mapping[str, Any], *, name: str) -> JsonObject:
        what = f"updating Netlify site {name}"
        return self._object("PATCH", f"/sites/{path_segment(site_id)}", what, json=dict(changes))

    # --- environment variables (the account-level API with site_id, as Netlify's CLI uses it) ---
    def env_vars(self, team: str, site_id: str) -> list[JsonObject]:
        path = f"/accounts/{path_segment(team)}/env"
        body = self.json_or_none(
            self.request("GET", path, params={"site_id": site_id}, what="reading the site's variables")
        )
        if not isinstance(body, list):
            raise UnavailableError(
                "Netlify answered reading the site's variables with something other than a list",
                hint=f"check {self.url_setting}: it must point at Netlify's API (…/api/v1)",
            )
        return cast(list[JsonObject], body)

    def create_env_vars(self, team: str, site_id: str, variables: Iterable[EnvVarCreation]) -> list[JsonObject]:
        path = f"/accounts/{path_segment(team)}/env"
        body = list(variables)
        what = f"creating the site's variables {', '.join(v['key'] for v in body)}"
        answer = self.json_or_none(self.request("POST", path, params={"site_id": site_id}, json=body, what=what))
        return cast(list[JsonObject], answer)

    def set_env_var_value(self, team: str, site_id: str, key: str, value: EnvVarValue) -> JsonObject:
        """Set the variable's value for one context, keeping its values for the others."""
        path = f"/accounts/{path_segment(team)}/env/{path_segment(key)}"
        what = f"setting the site's variable {key}"
        return self._object("PATCH", path, what, params={"site_id": site_id}, json=value)

    # --- builds and deploys ------------------------------------------------------------------
    def create_build(self, site_id: str, *, branch: str, title: str | None = None) -> JsonObject:
        """Start a build of the branch's head (the production branch makes a production deploy)."""
        params: dict[str, str | int] = {"branch": branch}
        if title:
            params["title"] = title
        path = f"/sites/{path_segment(site_id)}/builds"
        return self._object("POST", path, f"starting a build of {branch}", params=params)

    def build(self, build_id: str) -> JsonObject:
        return self._object("GET", f"/builds/{path_segment(build_id)}", f"reading build {build_id}")

    def deploy(self, site_id: str, deploy_id: str) -> JsonObject:
        path = f"/sites/{path_segment(site_id)}/deploys/{path_segment(deploy_id)}"
        return self._object("GET", path, f"reading deploy {deploy_id}")

    def deploys(self, site_id: str, *, branch: str | None = None, limit: int = 10) -> list[JsonObject]:
        """The newest deploys first."""
        params: dict[str, str | int] = {"page": 1, "per_page": limit}
        if branch:
            params["branch"] = branch
        path = f"/sites/{path_segment(site_id)}/deploys"
        body = self.json_or_none(self.request("GET", path, params=params, what="listing the site's deploys"))
        return cast(list[JsonObject], body or [])

    # --- HTTPS ----------------------------------------------------------------------------
    def certificate(self, site_id: str) -> JsonObject | None:
        """The site's TLS certificate, or None when it has none."""
        path = f"/sites/{path_segment(site_id)}/ssl"
        response = self.request("GET", path, what="reading the site's certificate", allowed=(404,))
        if response.status_code == 404:
            return None
        body = self.json_or_none(response)
        return cast(JsonObject, body) if isinstance(body, dict) and body else None

    def provision_certificate(self, site_id: str) -> tuple[JsonObject | None, str | None]:
        """Ask Netlify for a Let's Encrypt certificate for the site's domains: (certificate, None), or
        (None, why not) when Netlify refuses for now (no custom domain yet, DNS not pointing at it)."""
        path = f"/sites/{path_segment(site_id)}/ssl"
        response = self.request("POST", path, what="provisioning the site's certificate", allowed=(422,))
        if response.status_code == 422:
            return None, remote_message(response)
        return cast(JsonObject, self.json_or_none(response)), None
