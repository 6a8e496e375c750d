"""Sandbox control for `sandbox serve` users and tests: faults, a developer's push, a merge from the web
page, the outcome of the next run, and letting a held run go on. Outside GitHub's API: no credentials, no
rate limit, not recorded."""

from __future__ import annotations

import time

from flask import Blueprint, Response

from dandiops.sandbox.github.routing import current_state, found_or_404, repo_or_404
from dandiops.sandbox.github.state import MergeRequest
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
    """The merge button: `{"merge_method": "merge" | "squash" | "rebase"}`, merge by default."""
    method = json_body().get("merge_method") or "merge"
    pull = current_state.merge_pull(repo_or_404(owner, name), number, MergeRequest(str(method)))
    return json_response({"sha": pull.merge_commit_sha})


@blueprint.post("/repos/<owner>/<name>/actions/runs/<int:run_id>/release")
def release_held_run(owner: str, name: str, run_id: int) -> Response:
    """A run scripted to be held (`/_sandbox/runs/next` with `"hold": true`) goes on to its scripted
    outcome; 409 for a run that is not held."""
    run = found_or_404(current_state.find_run(repo_or_404(owner, name), run_id))
    current_state.release_hold(run)
    return json_response({"ok": True})


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
