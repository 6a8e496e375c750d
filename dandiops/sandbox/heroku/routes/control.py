"""Sandbox control for tests and `sandbox serve`: faults. Outside Heroku's API: no credentials, not recorded."""

from __future__ import annotations

from flask import Blueprint, Response

from dandiops.sandbox.heroku.routing import current_state
from dandiops.sandbox.standin import inject_requested_fault

blueprint = Blueprint("control", __name__, url_prefix="/_sandbox")


@blueprint.post("/faults")
def add_fault() -> Response:
    return inject_requested_fault(current_state)
