"""Branches, commits and the git data API (refs, commits, trees, blobs), all read from the
repository's git folder, so they agree with the contents API and with each other."""

from __future__ import annotations

from urllib.parse import unquote

from flask import Response, request

from dandiops.sandbox.github import render
from dandiops.sandbox.github.git import Commit
from dandiops.sandbox.github.routing import accepts, current_state, found_or_404, paginated, repository_blueprint
from dandiops.sandbox.github.state import ApiError, Repo
from dandiops.sandbox.standin import base_url, json_body, json_response

blueprint = repository_blueprint("refs", __name__)
SHA_MEDIA_TYPE = "application/vnd.github.sha"


def commit_or_404(repo: Repo, sha: str) -> Commit:
    found: Commit = found_or_404(repo.git.commit(sha))
    return found


def render_commit(repo: Repo, sha: str) -> dict:
    """The commit as the commits API shows it, with what it changed against its first parent."""
    commit = commit_or_404(repo, sha)
    changes = repo.git.file_changes(commit.parents[0] if commit.parents else None, commit.sha)
    return render.commit(base_url(), current_state, repo, commit, changes)


@blueprint.get("/branches")
def list_branches(repo: Repo) -> Response:
    with current_state.lock:
        branches = sorted(
            (ref.removeprefix("refs/heads/"), sha) for ref, sha in repo.refs.items() if ref.startswith("refs/heads/")
        )
        return paginated(branches, lambda item: render.short_branch(base_url(), repo, *item))


@blueprint.get("/branches/<path:branch>")
def get_branch(repo: Repo, branch: str) -> Response:
    name = unquote(branch)
    with current_state.lock:
        head = found_or_404(repo.branch_sha(name), "Branch not found")
        return json_response(render.branch(base_url(), repo, name, render_commit(repo, head)))


@blueprint.get("/commits/<path:ref>")
def get_commit(repo: Repo, ref: str) -> Response:
    """A commit by branch, tag or sha; with GitHub's sha media type, only its sha."""
    ref = unquote(ref)
    with current_state.lock:
        sha = repo.resolve(ref)
        if sha is None:
            raise ApiError(422, f"No commit found for SHA: {ref}")
        if accepts(SHA_MEDIA_TYPE):
            return Response(sha, mimetype=SHA_MEDIA_TYPE)
        return json_response(render_commit(repo, sha))


@blueprint.get("/git/commits/<sha>")
def get_git_commit(repo: Repo, sha: str) -> Response:
    with current_state.lock:
        commit = commit_or_404(repo, sha)
        return json_response(render.git_commit(base_url(), repo, commit))


@blueprint.get("/git/trees/<path:sha>")
def get_git_tree(repo: Repo, sha: str) -> Response:
    recursive = request.args.get("recursive", "") not in ("", "0", "false")
    with current_state.lock:
        kind = repo.git.object_type(sha) if len(sha) == 40 else None
        if kind is None:
            resolved = repo.resolve(unquote(sha))  # a branch or tag name is taken too
            sha, kind = (resolved, "commit") if resolved else (sha, None)
        if kind == "commit":
            sha = commit_or_404(repo, sha).tree_sha
        elif kind != "tree":
            raise ApiError(404, "Not Found")
        return json_response(render.git_tree(base_url(), repo, sha, repo.git.entries(sha), recursive=recursive))


@blueprint.get("/git/blobs/<sha>")
def get_git_blob(repo: Repo, sha: str) -> Response:
    with current_state.lock:
        content = found_or_404(repo.git.blob(sha) if len(sha) == 40 else None)
        return json_response(render.git_blob(base_url(), repo, sha, content))


@blueprint.get("/git/ref/<path:ref>")
def get_ref(repo: Repo, ref: str) -> Response:
    full = "refs/" + unquote(ref)
    with current_state.lock:
        sha = found_or_404(repo.refs.get(full))
        return json_response(render.git_ref(base_url(), repo, full, sha, repo.git.object_type(sha) or "commit"))


@blueprint.get("/git/matching-refs/<path:ref>")
def matching_refs(repo: Repo, ref: str) -> Response:
    prefix = "refs/" + unquote(ref)
    with current_state.lock:
        return json_response(
            [
                render.git_ref(base_url(), repo, r, sha, repo.git.object_type(sha) or "commit")
                for r, sha in sorted(repo.refs.items())
                if r.startswith(prefix)
            ]
        )


@blueprint.post("/git/refs")
def create_ref(repo: Repo) -> Response:
    body = json_body()
    ref, sha = body.get("ref"), body.get("sha")
    if not isinstance(ref, str) or not isinstance(sha, str):
        raise ApiError(422, 'Invalid request.\n\n"ref" and "sha" are required.')
    current_state.create_ref(repo, ref, sha)
    return json_response(render.git_ref(base_url(), repo, ref, sha, repo.git.object_type(sha) or "commit"), 201)


@blueprint.patch("/git/refs/<path:ref>")
def update_ref(repo: Repo, ref: str) -> Response:
    body = json_body()
    full = "refs/" + unquote(ref)
    sha = str(body.get("sha", ""))
    current_state.update_ref(repo, full, sha, force=bool(body.get("force")))
    return json_response(render.git_ref(base_url(), repo, full, sha, repo.git.object_type(sha) or "commit"))


@blueprint.delete("/git/refs/<path:ref>")
def delete_ref(repo: Repo, ref: str) -> Response:
    current_state.delete_ref(repo, "refs/" + unquote(ref))
    return Response(status=204)
