"""Branches, commits and the git data API (refs, commits, trees, blobs), all read from and written to
the repository's git folder, so they agree with the contents API and with each other.

A tree is written from blob entries (`content`, or the `sha` of a blob; `sha: null` removes a path);
entries of type tree or commit (a submodule) are not imitated. As on GitHub, a token without the
workflow scope cannot move a branch to commits that add, change or remove a workflow file."""

from __future__ import annotations

import datetime as dt
from urllib.parse import unquote

from flask import Response, g, request

from dandiops.sandbox.github import render
from dandiops.sandbox.github.git import TIME_FORMAT, Commit, GitError, Person
from dandiops.sandbox.github.routing import (
    accepts,
    current_state,
    error,
    found_or_404,
    paginated,
    repository_blueprint,
)
from dandiops.sandbox.github.state import ApiError, Repo, invalid
from dandiops.sandbox.standin import base_url, json_body, json_response

blueprint = repository_blueprint("refs", __name__)
SHA_MEDIA_TYPE = "application/vnd.github.sha"
FILE_MODES = ("100644", "100755", "120000")  # a tree entry that is a blob: a file, an executable, a symlink
TREE_MODES = (*FILE_MODES, "040000", "160000")
WORKFLOWS = ".github/workflows/"


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


@blueprint.post("/git/trees")
def create_git_tree(repo: Repo) -> Response:
    body = json_body()
    items, base_tree = body.get("tree"), body.get("base_tree")
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ApiError(422, 'Invalid request.\n\n"tree" is required and must be an array of objects.')
    if base_tree is not None and not isinstance(base_tree, str):
        raise invalid("Tree", "base_tree")
    with current_state.lock:
        if base_tree is not None and repo.git.object_type(base_tree) != "tree":
            raise ApiError(422, "base_tree is not a valid tree oid")
        entries = {str(item.get("path")): _tree_entry(repo, item, base_tree) for item in items}
        try:
            sha = repo.git.write_tree_entries(base_tree, entries)
        except GitError:
            raise ApiError(422, "tree.path is not a valid path in a tree") from None
        return json_response(render.git_tree(base_url(), repo, sha, repo.git.entries(sha), recursive=False), 201)


def _tree_entry(repo: Repo, item: dict, base_tree: str | None) -> tuple[str, str] | None:
    """(mode, blob sha) for one entry of a tree to write; None removes its path."""
    path, mode, kind = item.get("path"), item.get("mode"), item.get("type")
    if not isinstance(path, str) or not path or path.startswith("/") or path.endswith("/"):
        raise ApiError(422, "tree.path contains a malformed path component")
    if mode not in TREE_MODES or kind not in ("blob", "tree", "commit"):
        raise ApiError(422, f"tree.mode {mode!r} and tree.type {kind!r} are not a valid tree entry")
    if kind != "blob" or mode not in FILE_MODES:
        raise ApiError(422, "tree entries of type tree or commit are not imitated by the sandbox")
    if "sha" in item and "content" in item and item["sha"] is not None:
        raise ApiError(
            422, "Must supply either tree.sha or tree.content. Request will be rejected if both are present."
        )
    if isinstance(item.get("content"), str):
        return mode, repo.git.write_blob(item["content"].encode("utf-8"))
    sha = item.get("sha")
    if sha is None and "sha" in item:
        if base_tree is None:
            raise ApiError(422, "tree.sha null removes a path of base_tree: base_tree is required")
        return None
    if not isinstance(sha, str) or repo.git.object_type(sha) != "blob":
        raise ApiError(422, f"tree.sha {sha} is not a valid blob")
    return mode, sha


@blueprint.post("/git/commits")
def create_git_commit(repo: Repo) -> Response:
    body = json_body()
    message, tree, parents = body.get("message"), body.get("tree"), body.get("parents", [])
    if not isinstance(message, str) or not isinstance(tree, str):
        raise ApiError(422, 'Invalid request.\n\n"message" and "tree" are required.')
    if not isinstance(parents, list) or not all(isinstance(parent, str) for parent in parents):
        raise invalid("Commit", "parents")
    with current_state.lock:
        if repo.git.object_type(tree) != "tree":
            raise ApiError(422, "Tree SHA does not exist")
        if any(repo.git.object_type(parent) != "commit" for parent in parents):
            raise ApiError(422, "Parent SHA does not exist or is not a commit object")
        author = _person(body.get("author"), "author") or current_state.person()
        committer = _person(body.get("committer"), "committer") or author
        sha = repo.git.write_commit(tree, parents, message, author, committer)
        return json_response(render.git_commit(base_url(), repo, commit_or_404(repo, sha)), 201)


def _person(value: object, role: str) -> Person | None:
    """An author or committer as the request names it ({name, email, date?}); None when it names none."""
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("name"), str) or not isinstance(value.get("email"), str):
        raise invalid("Commit", role)
    date = value.get("date")
    if date is not None:
        try:  # GitHub takes ISO 8601; the stand-in keeps its own form of it
            moment = dt.datetime.fromisoformat(str(date).replace("Z", "+00:00"))
        except ValueError:
            raise invalid("Commit", f"{role}.date") from None
        date = moment.astimezone(dt.timezone.utc).strftime(TIME_FORMAT)
    return current_state.person((value["name"], value["email"]), date=date)


def _workflow_edits_refused(repo: Repo, ref: str, before: str | None, after: str) -> Response | None:
    """GitHub's refusal of a token without the workflow scope moving a branch to commits that touch a
    workflow file: since the branch's head, or for a new branch since where it leaves the default branch."""
    if g.scopes is None or "workflow" in g.scopes or not ref.startswith("refs/heads/"):
        return None
    if repo.git.object_type(after) != "commit":
        return None  # the ref update refuses it
    if before is None:
        default = repo.branch_sha(repo.default_branch)
        before = repo.git.merge_base(default, after) if default else None
    touched = [
        path
        for path in (repo.git.changed_paths(before, after) if before else repo.commits[after].tree)
        if path.startswith(WORKFLOWS)
    ]
    if not touched:
        return None
    return error(
        403,
        f"refusing to allow a Personal Access Token to create or update workflow `{touched[0]}` without "
        "`workflow` scope",
        headers={"X-Accepted-OAuth-Scopes": "workflow"},
    )


@blueprint.post("/git/refs")
def create_ref(repo: Repo) -> Response:
    body = json_body()
    ref, sha = body.get("ref"), body.get("sha")
    if not isinstance(ref, str) or not isinstance(sha, str):
        raise ApiError(422, 'Invalid request.\n\n"ref" and "sha" are required.')
    with current_state.lock:
        refused = _workflow_edits_refused(repo, ref, None, sha)
        if refused is not None:
            return refused
        current_state.create_ref(repo, ref, sha)
    return json_response(render.git_ref(base_url(), repo, ref, sha, repo.git.object_type(sha) or "commit"), 201)


@blueprint.patch("/git/refs/<path:ref>")
def update_ref(repo: Repo, ref: str) -> Response:
    body = json_body()
    full = "refs/" + unquote(ref)
    sha = str(body.get("sha", ""))
    with current_state.lock:
        current = repo.refs.get(full)
        refused = _workflow_edits_refused(repo, full, current, sha) if current is not None else None
        if refused is not None:
            return refused
        current_state.update_ref(repo, full, sha, force=bool(body.get("force")))
    return json_response(render.git_ref(base_url(), repo, full, sha, repo.git.object_type(sha) or "commit"))


@blueprint.delete("/git/refs/<path:ref>")
def delete_ref(repo: Repo, ref: str) -> Response:
    current_state.delete_ref(repo, "refs/" + unquote(ref))
    return Response(status=204)
