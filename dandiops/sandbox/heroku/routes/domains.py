"""An app's domains: its own herokuapp.com name and the custom domains added to it; its SNI endpoints.

A custom domain gets a DNS target as Heroku's (`<adjective>-<noun>-<random>.herokudns.com`) and is
answered `pending` when added: Heroku provisions the target in the background, and by the next
read it has `succeeded`. With Automated Certificate Management on, its certificate is `pending`
until DNS points at the target, which nothing in the sandbox does (the seeded apps' domains, set
up as Terraform and Route 53 do, have theirs issued). The sandbox holds no certificates: an app's
SNI endpoints are an empty list, and a domain cannot be tied to one.
"""

from __future__ import annotations

import re
import secrets
import string

from flask import Response

from dandiops.sandbox.heroku import render
from dandiops.sandbox.heroku.routing import app_blueprint, attr_key, current_state, error, found_or_404, listed
from dandiops.sandbox.heroku.state import App, Domain, HerokuState, now
from dandiops.sandbox.standin import json_body, json_response

blueprint = app_blueprint("domains", __name__)

# A host name of letters, digits and dashes in dot-separated labels; a wildcard may stand for the first.
HOSTNAME = re.compile(r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$")
ADJECTIVES = ("ancient", "brave", "calm", "deep", "gentle", "hidden", "quiet", "shallow", "silent", "swift")
NOUNS = ("brook", "cliff", "forest", "harbor", "lake", "meadow", "ridge", "river", "summit", "willow")


def dns_target() -> str:
    unique = "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(24))
    return f"{secrets.choice(ADJECTIVES)}-{secrets.choice(NOUNS)}-{unique}.herokudns.com"


def custom_domain(app: App, hostname: str, *, provisioned: bool = False) -> Domain:
    """A custom domain as Heroku adds it; `provisioned` for one whose DNS and certificate are in place."""
    if provisioned:
        acm_status = "cert issued" if app.acm else None
        return Domain(hostname, "custom", dns_target(), status="succeeded", acm_status=acm_status)
    return Domain(hostname, "custom", dns_target(), acm_status="pending" if app.acm else None)


def find_domain(state: HerokuState, hostname: str) -> tuple[App, Domain] | None:
    """The app that has this custom domain, among every app (callers hold the state's lock)."""
    for app in state.apps.values():
        for domain in app.domains:
            if domain.hostname == hostname:
                return app, domain
    return None


def domain_or_404(app: App, ident: str) -> Domain:
    """The app's domain by id or host name, its herokuapp.com one included (callers hold the lock)."""
    found = next((d for d in [render.heroku_domain(app), *app.domains] if ident in (d.id, d.hostname)), None)
    return found_or_404(found, "domain")


@blueprint.get("/domains")
def list_domains(app: App) -> Response:
    with current_state.lock:
        items = [render.domain(app, d) for d in [render.heroku_domain(app), *app.domains]]
    return listed(items, ["id", "hostname"], "id", attr_key)


@blueprint.get("/domains/<domain_ident>")
def get_domain(app: App, domain_ident: str) -> Response:
    with current_state.lock:
        return json_response(render.domain(app, domain_or_404(app, domain_ident)))


@blueprint.post("/domains")
def add_domain(app: App) -> Response:
    body = json_body()
    hostname = body.get("hostname")
    if not isinstance(hostname, str) or not HOSTNAME.match(hostname.lower()):
        return error(422, "invalid_params", "Hostname must be a valid domain name, e.g. www.example.com.")
    if "sni_endpoint" not in body:
        return error(422, "invalid_params", "Missing required params: sni_endpoint.")
    if body["sni_endpoint"] is not None:
        return sni_endpoint_not_found(str(body["sni_endpoint"]))
    hostname = hostname.lower()
    if hostname.endswith((".herokuapp.com", ".herokudns.com")):
        return error(422, "invalid_params", f"{hostname} is a Heroku domain and cannot be added to an app.")
    with current_state.lock:
        taken = find_domain(current_state, hostname)
        if taken is not None:
            owner = "this app" if taken[0] is app else "another app"
            return error(422, "invalid_params", f"{hostname} is already added to {owner}.")
        domain = custom_domain(app, hostname)
        app.domains.append(domain)
        rendered = render.domain(app, domain)
        domain.status = "succeeded"  # its DNS target is provisioned right after the answer
        return json_response(rendered, 201)


@blueprint.patch("/domains/<domain_ident>")
def update_domain(app: App, domain_ident: str) -> Response:
    body = json_body()
    with current_state.lock:
        domain = domain_or_404(app, domain_ident)
        if "sni_endpoint" not in body:
            return error(422, "invalid_params", "Missing required params: sni_endpoint.")
        if body["sni_endpoint"] is not None:
            return sni_endpoint_not_found(str(body["sni_endpoint"]))
        domain.updated_at = now()
        return json_response(render.domain(app, domain))


@blueprint.delete("/domains/<domain_ident>")
def remove_domain(app: App, domain_ident: str) -> Response:
    with current_state.lock:
        domain = domain_or_404(app, domain_ident)
        if domain.kind == "heroku":
            return error(422, "invalid_params", f"{domain.hostname} is the app's own domain and cannot be removed.")
        app.domains.remove(domain)
        return json_response(render.domain(app, domain))


@blueprint.get("/sni-endpoints")
def list_sni_endpoints(app: App) -> Response:
    return json_response([])


def sni_endpoint_not_found(name: str) -> Response:
    return error(404, "not_found", f"Couldn't find that SNI endpoint ({name}).", resource="sni_endpoint")
