"""Sandbox control for `sandbox serve` users and tests, outside Netlify's API: faults, a deploy's log.
No credentials, no rate limit, not recorded."""

from __future__ import annotations

from flask import Blueprint, Response

from dandiops.sandbox.netlify.routing import current_state, found
from dandiops.sandbox.standin import inject_requested_fault, json_response

blueprint = Blueprint("netlify_control", __name__, url_prefix="/_sandbox")


@blueprint.post("/faults")
def add_fault() -> Response:
    return inject_requested_fault(current_state)


@blueprint.get("/deploys/<deploy_id>/log")
def deploy_log(deploy_id: str) -> Response:
    """What the build said, as the deploy's page in Netlify's UI shows it."""
    with current_state.lock:
        deploy = found(current_state.deploys.get(deploy_id))
        return json_response({"id": deploy.id, "state": deploy.state, "log": list(deploy.log)})
