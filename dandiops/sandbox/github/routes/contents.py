"""Contents and git data: files and directories at a ref, commits of one file, and git refs."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import unquote

from flask import Response, g, request

from dandiops.sandbox.github import render
from dandiops.sandbox.github.routing import current_state, error, repository_blueprint
from dandiops.sandbox.github.state import ApiError, Repo, blob_sha
from dandiops.sandbox.standin import base_url, json_body, json_response

blueprint = repository_blueprint("contents", __name__)


@blueprint.get("/contents/", defaults={"path": ""})
@blueprint.get("/contents/<path:path>")
def get_contents(repo: Repo, path: str) -> Response:
    ref = request.args.get("ref") or repo.default_branch
    path = unquote(path).strip("/")
    with current_state.lock:
        sha = repo.resolve(ref)
        if sha is None:
            raise ApiError(404, f"No commit found for the ref {ref}")
        tree = repo.commits[sha].tree
        if path in tree:
            return json_response(render.content_file(base_url(), repo, path, tree[path], ref))
        prefix = f"{path}/" if path else ""
        children: dict[str, str] = {}
        for file_path in tree:
            if file_path.startswith(prefix):
                rest = file_path[len(prefix) :]
                children[prefix + rest.split("/", 1)[0]] = "dir" if "/" in rest else "file"
        if not children:
            raise ApiError(404, "Not Found")
        entries = []
        for child, kind in sorted(children.items()):
            content = tree.get(child, b"")
            digest = blob_sha(content) if kind == "file" else hashlib.sha1(child.encode()).hexdigest()
            entries.append(
                render.content_entry(base_url(), repo, child, kind, digest, len(content) if kind == "file" else 0, ref)
            )
        return json_response(entries)


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
        existing = repo.file(head, path)
        if existing is not None:
            if not body.get("sha"):
                raise ApiError(422, 'Invalid request.\n\n"sha" wasn\'t supplied.')
            if body["sha"] != blob_sha(existing):
                raise ApiError(409, f"{path} does not match {body['sha']}")
        committer = body.get("committer") or body.get("author")
        author = (
            (committer["name"], committer["email"])
            if isinstance(committer, dict) and committer.get("name") and committer.get("email")
            else None
        )
        commit = current_state.commit_files(repo, branch, {path: content}, body["message"], author=author)
        return json_response(
            render.file_commit(base_url(), repo, path, content, commit, branch), 201 if existing is None else 200
        )


@blueprint.get("/git/ref/<path:ref>")
def get_ref(repo: Repo, ref: str) -> Response:
    full = "refs/" + unquote(ref)
    with current_state.lock:
        if full not in repo.refs:
            raise ApiError(404, "Not Found")
        return json_response(render.git_ref(base_url(), repo, full, repo.refs[full]))


@blueprint.get("/git/matching-refs/<path:ref>")
def matching_refs(repo: Repo, ref: str) -> Response:
    prefix = "refs/" + unquote(ref)
    with current_state.lock:
        return json_response(
            [render.git_ref(base_url(), repo, r, sha) for r, sha in sorted(repo.refs.items()) if r.startswith(prefix)]
        )


@blueprint.post("/git/refs")
def create_ref(repo: Repo) -> Response:
    body = json_body()
    ref, sha = body.get("ref"), body.get("sha")
    if not isinstance(ref, str) or not isinstance(sha, str):
        raise ApiError(422, 'Invalid request.\n\n"ref" and "sha" are required.')
    current_state.create_ref(repo, ref, sha)
    return json_response(render.git_ref(base_url(), repo, ref, sha), 201)


@blueprint.patch("/git/refs/<path:ref>")
def update_ref(repo: Repo, ref: str) -> Response:
    body = json_body()
    full = "refs/" + unquote(ref)
    current_state.update_ref(repo, full, str(body.get("sha", "")), force=bool(body.get("force")))
    return json_response(render.git_ref(base_url(), repo, full, repo.refs[full]))


@blueprint.delete("/git/refs/<path:ref>")
def delete_ref(repo: Repo, ref: str) -> Response:
    full = "refs/" + unquote(ref)
    with current_state.lock:
        if repo.refs.pop(full, None) is None:
            raise ApiError(422, "Reference does not exist")
    return Response(status=204)
