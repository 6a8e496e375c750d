"""Sites: create (in the user's team or a named one), list, read, update (name, repository link and build
settings, custom domain, HTTPS redirect), and the site's TLS certificate.

The repository link is taken in both spellings Netlify's tools send (`repo_path`/`repo_branch`/`id`
and the older `repo`/`branch`/`repo_id`/`private`), under `repo` or `build_settings`, and answered as
`build_settings`. A certificate is issued (Let's Encrypt, at once) only for a custom domain whose DNS
points at Netlify: in the sandbox, the web hosts it routes to the published sites.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from dandiops.sandbox.netlify import render
from dandiops.sandbox.netlify.routing import (
    API_PREFIX,
    account_or_404,
    current_state,
    found,
    requested_page,
    site_or_404,
    typed,
)
from dandiops.sandbox.netlify.state import HOSTNAME, SITE_NAME, Account, ApiError, Certificate, Site, hex_id, now
from dandiops.sandbox.standin import json_body, json_response

blueprint = Blueprint("netlify_sites", __name__, url_prefix=API_PREFIX)

PROVIDERS = ("github", "gitlab", "bitbucket", "manual")
# build_settings fields and their JSON types (NS repoInfo, plus base, package_path and skip_prs, which
# Netlify's CLI and Terraform provider send although the description leaves them out)
LINK_FIELDS: dict[str, type | tuple[type, ...]] = {
    "id": int,
    "provider": str,
    "deploy_key_id": str,
    "repo_path": str,
    "repo_branch": str,
    "dir": str,
    "functions_dir": str,
    "cmd": str,
    "allowed_branches": list,
    "public_repo": bool,
    "private_logs": bool,
    "repo_url": str,
    "installation_id": int,
    "stop_builds": bool,
    "base": str,
    "package_path": str,
    "skip_prs": bool,
}
OLD_SPELLINGS = {"repo": "repo_path", "branch": "repo_branch", "repo_id": "id"}


def paginated(items: list[dict[str, Any]]) -> Response:
    """One page of `items`, with a Link to the next when there is one, as Netlify's lists have."""
    asked = requested_page()
    more = asked.page * asked.per_page < len(items)
    return json_response(
        asked.of(items), headers={"Link": f'<{asked.url(asked.page + 1)}>; rel="next"'} if more else {}
    )


@blueprint.get("/sites")
def list_sites() -> Response:
    name = request.args.get("name")
    with current_state.lock:
        sites = [s for s in current_state.sites.values() if not name or name in s.name]
        return paginated([render.site(current_state, s) for s in sites])


@blueprint.get("/<account_slug>/sites")
def list_team_sites(account_slug: str) -> Response:
    with current_state.lock:
        account = account_or_404(account_slug)
        sites = [s for s in current_state.sites.values() if s.account is account]
        return paginated([render.site(current_state, s) for s in sites])


@blueprint.post("/sites")
def create_site() -> Response:
    return _create(current_state.account)


@blueprint.post("/<account_slug>/sites")
def create_team_site(account_slug: str) -> Response:
    with current_state.lock:
        account = account_or_404(account_slug)
    return _create(account)


def _create(account: Account) -> Response:
    body = json_body()
    with current_state.lock:
        name = typed(body, "name", str) or f"site-{hex_id()[:8]}"
        _check_name(name, None)
        site = Site(id=_uuid(), name=name, account=account)
        _apply(site, {key: value for key, value in body.items() if key != "name"})
        current_state.sites[site.id] = site
        return json_response(render.site(current_state, site), 201)


@blueprint.get("/sites/<site_id>")
def get_site(site_id: str) -> Response:
    with current_state.lock:
        return json_response(render.site(current_state, site_or_404(site_id)))


@blueprint.patch("/sites/<site_id>")
def update_site(site_id: str) -> Response:
    body = json_body()
    with current_state.lock:
        site = site_or_404(site_id)
        if "name" in body:
            name = typed(body, "name", str)
            if name and name != site.name:
                _check_name(name, site)
                site.name = name
        _apply(site, {key: value for key, value in body.items() if key != "name"})
        site.updated_at = now()
        return json_response(render.site(current_state, site))


@blueprint.get("/sites/<site_id>/ssl")
def show_certificate(site_id: str) -> Response:
    with current_state.lock:
        return json_response(render.certificate(found(site_or_404(site_id).certificate)))


@blueprint.post("/sites/<site_id>/ssl")
def provision_certificate(site_id: str) -> Response:
    with current_state.lock:
        site = site_or_404(site_id)
        if request.args.get("certificate") or request.args.get("key"):
            raise ApiError(422, "custom certificates are not available in the sandbox")
        if not site.custom_domain:
            raise ApiError(422, "No custom domain configured")
        domains = [site.custom_domain, *site.domain_aliases]
        if any(domain not in current_state.dns_hosts for domain in domains):
            raise ApiError(422, "bad dns for custom domain")
        if site.certificate is None or site.certificate.domains != domains:
            site.certificate = Certificate(domains)
        return json_response(render.certificate(site.certificate))


def _uuid() -> str:
    import uuid

    return str(uuid.uuid4())


def _check_name(name: str, site: Site | None) -> None:
    if not SITE_NAME.match(name):
        raise ApiError(422, "name: only lowercase letters, digits and dashes, at most 63 characters")
    if any(other.name == name and other is not site for other in current_state.sites.values()):
        raise ApiError(422, "name: subdomain must be unique")


def _apply(site: Site, body: dict[str, Any]) -> None:
    """A site write's fields (the caller holds the lock); a 422 before anything changes when one is invalid."""
    link = _link(site, body)
    custom = body.get("custom_domain", site.custom_domain) if "custom_domain" in body else site.custom_domain
    if custom is not None and not isinstance(custom, str):
        raise ApiError(422, "custom_domain is invalid")
    custom = (custom or "").strip().lower() or None
    if custom is not None:
        if not HOSTNAME.match(custom) or custom.endswith(".netlify.app"):
            raise ApiError(422, f"custom_domain: {custom} is not a valid domain name")
        if any(other.custom_domain == custom and other is not site for other in current_state.sites.values()):
            raise ApiError(422, f"custom_domain: {custom} is already used by another site")
    aliases = typed(body, "domain_aliases", list)
    if aliases is not None and not all(isinstance(a, str) and HOSTNAME.match(a.lower()) for a in aliases):
        raise ApiError(422, "domain_aliases is invalid")
    force_ssl = typed(body, "force_ssl", bool)
    # valid: apply
    if link is not None:
        site.build_settings = link
    if custom != site.custom_domain:
        site.custom_domain = custom
        site.certificate = None  # a certificate names the domains it was issued for
    if aliases is not None:
        site.domain_aliases = [a.lower() for a in aliases]
    if force_ssl is not None:
        site.force_ssl = force_ssl


def _link(site: Site, body: dict[str, Any]) -> dict[str, Any] | None:
    """The site's build settings after the write's `repo` / `build_settings`, or None when it has neither."""
    given = [part for part in (body.get("repo"), body.get("build_settings")) if part is not None]
    if not given:
        return None
    settings = dict(site.build_settings)
    url_given = False
    for part in given:
        if not isinstance(part, dict):
            raise ApiError(422, "repo is invalid")
        for old, new in OLD_SPELLINGS.items():
            if old in part and new not in part:
                part = {**part, new: part[old]}
        url_given = url_given or "repo_url" in part
        if "private" in part and "public_repo" not in part:
            part = {**part, "public_repo": not part["private"]}
        for key, kind in LINK_FIELDS.items():
            if key not in part:
                continue
            value = part[key]
            if value is not None and (not isinstance(value, kind) or (kind is int and isinstance(value, bool))):
                raise ApiError(422, f"repo.{key} is invalid")
            if value is None:
                settings.pop(key, None)
            else:
                settings[key] = value
    if settings.get("provider", "github") not in PROVIDERS:
        raise ApiError(422, f"repo.provider must be one of {', '.join(PROVIDERS)}")
    if not all(isinstance(branch, str) for branch in settings.get("allowed_branches", [])):
        raise ApiError(422, "repo.allowed_branches is invalid")
    if settings.get("repo_path"):
        settings.setdefault("provider", "github")
        if not url_given:
            settings["repo_url"] = f"https://github.com/{settings['repo_path']}"
        settings.setdefault("repo_branch", "main")
    return settings
