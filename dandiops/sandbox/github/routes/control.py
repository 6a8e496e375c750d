"""Sandbox control for `sandbox serve` users and tests: faults, a developer's push, a merge from the web
page, and the outcome of the next run. Outside GitHub's API: no credentials, no rate limit, not recorded."""

from __future__ import annotations

import time

from flask import Blueprint, Response

from dandiops.sandbox.github.routing import current_state, repo_or_404
from dandiops.sandbox.standin import inject_requested_fault, json_body, json_response

blueprint = Blueprint("control", __name__, url_prefix="/_sandbox")


@blueprint.post("/faults")
def add_fault() -> Response:
    return inject_requested_fault(current_state)


@blueprint.post("/repos/<owner>/<name>/push")
def push(owner: str, name: str) -> Response:
    """Commit files to a branch as a developer's `git push` would; push workflows run."""
    repo = repo_or_404(owner, name)
    body = json_body()
    files = {
        path: (None if text is None else str(text).encode())
        for path, text in (body.get("files") or {"CHANGES.txt": f"change at {time.time()}\n"}).items()
    }
    commit = current_state.commit_files(
        repo, body.get("branch") or repo.default_branch, files, body.get("message") or "Update from the sandbox"
    )
    return json_response({"sha": commit.sha})


@blueprint.post("/repos/<owner>/<name>/pulls/<int:number>/merge")
def merge(owner: str, name: str, number: int) -> Response:
    pull = current_state.merge_pull(repo_or_404(owner, name), number)
    return json_response({"sha": pull.merge_commit_sha})


@blueprint.post("/runs/next")
def script_next_run() -> Response:
    body = json_body()
    current_state.script_next_run(
        body.get("conclusion", "success"),
        at_step=body.get("at_step"),
        hold=bool(body.get("hold")),
        workflow=body.get("workflow"),
    )
    return json_response({"ok": True})
