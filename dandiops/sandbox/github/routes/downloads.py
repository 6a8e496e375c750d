"""What GitHub serves from other hosts through short-lived signed links: a finished workflow run's log
archive. Outside the API (no token, no rate limit, not recorded), as those hosts are; a link is good
for one minute, as GitHub's are, and only as the stand-in signed it."""

from __future__ import annotations

import hashlib
import hmac
import io
import time
import zipfile

from flask import Blueprint, Response, request

from dandiops.sandbox.github import render
from dandiops.sandbox.github.routing import current_state, error
from dandiops.sandbox.github.state import TERMINAL
from dandiops.sandbox.standin import base_url

PREFIX = "/_downloads"
LIFETIME_SECONDS = 60
blueprint = Blueprint("downloads", __name__, url_prefix=PREFIX)


def signed_url(path: str) -> str:
    expires = int(time.time()) + LIFETIME_SECONDS
    return f"{base_url()}{PREFIX}/{path}?expires={expires}&signature={_signature(path, expires)}"


def _signature(path: str, expires: int) -> str:
    return hmac.new(current_state.download_key, f"{path}\0{expires}".encode(), hashlib.sha256).hexdigest()


def _link_is_good(path: str) -> bool:
    try:
        expires = int(request.args.get("expires", ""))
    except ValueError:
        return False
    signature = request.args.get("signature", "")
    return time.time() < expires and hmac.compare_digest(signature, _signature(path, expires))


@blueprint.get("/runs/<int:run_id>/logs.zip")
def run_logs(run_id: int) -> Response:
    if not _link_is_good(f"runs/{run_id}/logs.zip"):
        return error(403, "This link has expired or was not made by this server.")
    with current_state.lock:
        run = next((repo.runs[run_id] for repo in current_state.repos.values() if run_id in repo.runs), None)
        if run is None or run.status != TERMINAL:
            return error(404, "Not Found")
        files = render.run_logs(run)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, text in files.items():
            bundle.writestr(name, text)
    return Response(archive.getvalue(), mimetype="application/zip")
