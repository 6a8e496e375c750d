"""Pull requests and labels (a pull request's labels are its issue's)."""

from __future__ import annotations

from flask import Response, request

from dandiops.sandbox.github import render
from dandiops.sandbox.github.routing import current_state, found_or_404, paginated, repository_blueprint
from dandiops.sandbox.github.state import ApiError, Pull, Repo
from dandiops.sandbox.standin import base_url, json_body, json_response

blueprint = repository_blueprint("pulls", __name__)


def pull_or_404(repo: Repo, number: int) -> Pull:
    return found_or_404(repo.pulls.get(number))


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
        return paginated(items, lambda p: render.pull(base_url(), current_state, repo, p, full=False))


@blueprint.post("/pulls")
def create_pull(repo: Repo) -> Response:
    body = json_body()
    for key in ("title", "head", "base"):
        if not isinstance(body.get(key), str) or not body[key]:
            raise ApiError(
                422, "Validation Failed", [{"resource": "PullRequest", "code": "missing_field", "field": key}]
            )
    pull = current_state.create_pull(
        repo, title=body["title"], head=body["head"], base=body["base"], body=body.get("body")
    )
    with current_state.lock:
        return json_response(render.pull(base_url(), current_state, repo, pull), 201)


@blueprint.get("/pulls/<int:number>")
def get_pull(repo: Repo, number: int) -> Response:
    with current_state.lock:
        return json_response(render.pull(base_url(), current_state, repo, pull_or_404(repo, number)))


@blueprint.put("/pulls/<int:number>/merge")
def merge_pull(repo: Repo, number: int) -> Response:
    pull = current_state.merge_pull(repo, number, message=json_body().get("commit_title"))
    return json_response({"sha": pull.merge_commit_sha, "merged": True, "message": "Pull Request successfully merged"})


@blueprint.get("/labels")
def list_labels(repo: Repo) -> Response:
    with current_state.lock:
        items = sorted(repo.labels.values(), key=lambda label: label.id)
        return paginated(items, lambda label: render.label(base_url(), repo, label))


@blueprint.get("/issues/<int:number>/labels")
def issue_labels(repo: Repo, number: int) -> Response:
    with current_state.lock:
        pull = pull_or_404(repo, number)
        return json_response([render.label(base_url(), repo, repo.labels[n]) for n in pull.labels])


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
        return json_response([render.label(base_url(), repo, label) for label in labels])
