"""Contents: files and folders at a ref, as JSON or, asked for with GitHub's raw media type, the file
itself; and a file written as a commit on a branch."""

from __future__ import annotations

import base64
from urllib.parse import unquote

from flask import Response, g, request

from dandiops.sandbox.github import render
from dandiops.sandbox.github.routing import accepts, current_state, error, repository_blueprint
from dandiops.sandbox.github.state import ApiError, Repo
from dandiops.sandbox.standin import base_url, json_body, json_response

blueprint = repository_blueprint("contents", __name__)
RAW = ("application/vnd.github.raw", "application/vnd.github.raw+json")


@blueprint.get("/contents/", defaults={"path": ""})
@blueprint.get("/contents/<path:path>")
def get_contents(repo: Repo, path: str) -> Response:
    ref = request.args.get("ref") or repo.default_branch
    path = unquote(path).strip("/")
    with current_state.lock:
        sha = repo.resolve(ref)
        if sha is None:
            raise ApiError(404, f"No commit found for the ref {ref}")
        tree = repo.commits[sha].tree_sha
        entries = repo.git.entries(tree)
        entry = entries.get(path)
        if entry is not None and entry.kind == "blob":
            content = repo.git.blob(entry.sha) or b""
            if accepts(*RAW):
                return Response(content, mimetype=RAW[0])
            return json_response(render.content_file(base_url(), repo, path, content, entry.sha, ref))
        if path and entry is None:
            raise ApiError(404, "Not Found")
        prefix = f"{path}/" if path else ""
        children = [
            render.content_entry(
                base_url(), repo, child, "file" if item.kind == "blob" else "dir", item.sha, item.size, ref
            )
            for child, item in sorted(entries.items())
            if child.startswith(prefix) and "/" not in child[len(prefix) :]
        ]
        return json_response(children)


@blueprint.put("/contents/<path:path>")
def put_contents(repo: Repo, path: str) -> Response:
    path = unquote(path).strip("/")
    if path.startswith(".github/workflows/") and "workflow" not in g.scopes:
        return error(
            403,
            f"refusing to allow a Personal Access Token to create or update workflow `{path}` without `workflow` scope",
            headers={"X-Accepted-OAuth-Scopes": "workflow"},
        )
    body = json_body()
    if not isinstance(body.get("message"), str) or not isinstance(body.get("content"), str):
        raise ApiError(422, 'Invalid request.\n\n"message" and "content" are required.')
    try:
        content = base64.b64decode(body["content"], validate=False)
    except Exception:
        raise ApiError(422, "content is not valid Base64") from None
    with current_state.lock:
        branch = body.get("branch") or repo.default_branch
        head = repo.branch_sha(branch)
        if head is None:
            raise ApiError(404, f"Branch {branch} not found")
        existing = repo.git.entries(repo.commits[head].tree_sha).get(path)
        if existing is not None:
            if not body.get("sha"):
                raise ApiError(422, 'Invalid request.\n\n"sha" wasn\'t supplied.')
            if body["sha"] != existing.sha:
                raise ApiError(409, f"{path} does not match {body['sha']}")
        committer = body.get("committer") or body.get("author")
        author = (
            (committer["name"], committer["email"])
            if isinstance(committer, dict) and committer.get("name") and committer.get("email")
            else None
        )
        commit = current_state.commit_files(repo, branch, {path: content}, body["message"], author=author)
        written = repo.git.entries(commit.tree_sha)[path]
        return json_response(
            render.file_commit(base_url(), repo, path, len(content), written.sha, commit, branch),
            201 if existing is None else 200,
        )
