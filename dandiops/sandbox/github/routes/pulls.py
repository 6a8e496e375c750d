"""Pull requests (opened, edited, closed, reopened and merged as GitHub does) and labels (a pull
request's labels are its issue's)."""

from __future__ import annotations

from urllib.parse import unquote

from flask import Response, request

from dandiops.sandbox.github import render
from dandiops.sandbox.github.routing import (
    current_state,
    found_or_404,
    paginated,
    repository_blueprint,
    typed_fields,
)
from dandiops.sandbox.github.state import ApiError, Label, MergeRequest, Pull, Repo, invalid
from dandiops.sandbox.standin import base_url, json_body, json_response

blueprint = repository_blueprint("pulls", __name__)
PULL_EDITS = {"title": str, "body": str, "state": str, "base": str, "maintainer_can_modify": bool}


def render_pull(repo: Repo, pull: Pull, *, full: bool = True) -> dict:
    return render.pull(base_url(), current_state, repo, pull, full=full)


def render_labels(repo: Repo, labels: list[Label]) -> Response:
    return json_response([render.label(base_url(), repo, label) for label in labels])


@blueprint.get("/pulls")
def list_pulls(repo: Repo) -> Response:
    wanted = request.args.get("state", "open")
    with current_state.lock:
        items = [
            p
            for p in sorted(repo.pulls.values(), key=lambda p: p.number, reverse=True)
            if wanted == "all" or p.state == wanted
        ]
        if request.args.get("head"):
            items = [p for p in items if f"{repo.owner}:{p.head_ref}" == request.args["head"]]
        if request.args.get("base"):
            items = [p for p in items if p.base_ref == request.args["base"]]
        return paginated(items, lambda p: render_pull(repo, p, full=False))


@blueprint.post("/pulls")
def create_pull(repo: Repo) -> Response:
    body = json_body()
    for key in ("title", "head", "base"):
        if not isinstance(body.get(key), str) or not body[key]:
            raise invalid("PullRequest", key, "missing_field")
    pull = current_state.create_pull(
        repo, title=body["title"], head=body["head"], base=body["base"], body=body.get("body")
    )
    with current_state.lock:
        return json_response(render_pull(repo, pull), 201)


@blueprint.get("/pulls/<int:number>")
def get_pull(repo: Repo, number: int) -> Response:
    with current_state.lock:
        return json_response(render_pull(repo, current_state.find_pull(repo, number)))


@blueprint.patch("/pulls/<int:number>")
def update_pull(repo: Repo, number: int) -> Response:
    changes = typed_fields(json_body(), PULL_EDITS, "PullRequest")
    if changes.get("state", "open") not in ("open", "closed"):
        raise invalid("PullRequest", "state")
    pull = current_state.update_pull(repo, number, changes)
    with current_state.lock:
        return json_response(render_pull(repo, pull))


@blueprint.put("/pulls/<int:number>/merge")
def merge_pull(repo: Repo, number: int) -> Response:
    body = typed_fields(
        json_body(), {"commit_title": str, "commit_message": str, "sha": str, "merge_method": str}, "PullRequest"
    )
    asked = MergeRequest(
        body.get("merge_method", "merge"), body.get("sha"), body.get("commit_title"), body.get("commit_message")
    )
    pull = current_state.merge_pull(repo, number, asked)
    return json_response({"sha": pull.merge_commit_sha, "merged": True, "message": "Pull Request successfully merged"})


@blueprint.get("/labels")
def list_labels(repo: Repo) -> Response:
    with current_state.lock:
        items = sorted(repo.labels.values(), key=lambda label: label.id)
        return paginated(items, lambda label: render.label(base_url(), repo, label))


@blueprint.post("/labels")
def create_label(repo: Repo) -> Response:
    body = typed_fields(json_body(), {"name": str, "color": str, "description": str}, "Label")
    if not body.get("name"):
        raise invalid("Label", "name", "missing_field")
    label = current_state.create_label(repo, body["name"], body.get("color"), body.get("description"))
    with current_state.lock:
        body = render.label(base_url(), repo, label)
        return json_response(body, 201, {"Location": body["url"]})


@blueprint.get("/labels/<path:label_name>")
def get_label(repo: Repo, label_name: str) -> Response:
    with current_state.lock:
        return json_response(render.label(base_url(), repo, found_or_404(repo.find_label(unquote(label_name)))))


@blueprint.get("/issues/<int:number>/labels")
def issue_labels(repo: Repo, number: int) -> Response:
    with current_state.lock:
        pull = current_state.find_pull(repo, number)
        return render_labels(repo, [repo.labels[n] for n in pull.labels])


@blueprint.post("/issues/<int:number>/labels")
def add_issue_labels(repo: Repo, number: int) -> Response:
    body = request.get_json(silent=True)
    names = body.get("labels") if isinstance(body, dict) else body
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ApiError(422, "Invalid request.\n\nFor 'links/0/schema', nil is not an array.")
    labels = current_state.add_labels(repo, number, names)
    with current_state.lock:
        return render_labels(repo, labels)


@blueprint.delete("/issues/<int:number>/labels/<path:label_name>")
def remove_issue_label(repo: Repo, number: int, label_name: str) -> Response:
    labels = current_state.remove_label(repo, number, unquote(label_name))
    with current_state.lock:
        return render_labels(repo, labels)
