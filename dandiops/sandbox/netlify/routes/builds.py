"""Builds and deploys: start a build of a branch (none: the production branch), read builds, list and
read deploys. A build of the production branch makes a production deploy; any other, a branch deploy."""

from __future__ import annotations

from flask import Blueprint, Response, request

from dandiops.sandbox.netlify import render
from dandiops.sandbox.netlify.routing import API_PREFIX, current_state, found, requested_page, site_or_404
from dandiops.sandbox.netlify.state import ApiError
from dandiops.sandbox.standin import json_response

blueprint = Blueprint("netlify_builds", __name__, url_prefix=API_PREFIX)


@blueprint.post("/sites/<site_id>/builds")
def create_build(site_id: str) -> Response:
    with current_state.lock:
        site = site_or_404(site_id)
        if not site.build_settings.get("repo_path"):
            raise ApiError(422, "This site is not linked to a repository: upload a zip or link a repository")
        branch = request.args.get("branch") or site.production_branch or "main"
        allowed = site.build_settings.get("allowed_branches") or []
        if allowed and branch not in allowed and branch != site.production_branch:
            raise ApiError(422, f"Branch {branch} is not among the site's branches to deploy")
        if site.build_settings.get("stop_builds"):
            raise ApiError(422, "Builds are stopped for this site")
    build = current_state.start_build(site, branch, request.args.get("title"))
    with current_state.lock:
        return json_response(render.build(build))


@blueprint.get("/sites/<site_id>/builds")
def list_builds(site_id: str) -> Response:
    with current_state.lock:
        site = site_or_404(site_id)
        ids = {deploy.build_id for deploy in site.deploys}
        builds = [b for b in current_state.builds.values() if b.id in ids]
        return json_response([render.build(b) for b in reversed(builds)])


@blueprint.get("/builds/<build_id>")
def get_build(build_id: str) -> Response:
    with current_state.lock:
        return json_response(render.build(found(current_state.builds.get(build_id))))


@blueprint.get("/sites/<site_id>/deploys")
def list_deploys(site_id: str) -> Response:
    branch = request.args.get("branch")
    state = request.args.get("state")
    production = request.args.get("production")
    asked = requested_page()
    with current_state.lock:
        site = site_or_404(site_id)
        deploys = [
            d
            for d in reversed(site.deploys)
            if (not branch or d.branch == branch)
            and (not state or d.state == state)
            and (production is None or (d.context == "production") == (production == "true"))
        ]
        return json_response([render.deploy(site, d) for d in asked.of(deploys)])


@blueprint.get("/sites/<site_id>/deploys/<deploy_id>")
def get_site_deploy(site_id: str, deploy_id: str) -> Response:
    with current_state.lock:
        site = site_or_404(site_id)
        deploy = found(next((d for d in site.deploys if d.id == deploy_id), None))
        return json_response(render.deploy(site, deploy))


@blueprint.get("/deploys/<deploy_id>")
def get_deploy(deploy_id: str) -> Response:
    with current_state.lock:
        deploy = current_state.deploys.get(deploy_id)
        site = current_state.sites.get(deploy.site_id) if deploy else None
        if deploy is None or site is None:
            raise ApiError(404, "Not Found")
        return json_response(render.deploy(site, deploy))
