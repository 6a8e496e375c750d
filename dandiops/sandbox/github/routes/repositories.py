"""A repository, its tags and its releases (drafts: seen only with push access, found by id, not by tag)."""

from __future__ import annotations

from urllib.parse import unquote

from flask import Response, g

from dandiops.sandbox.github import render
from dandiops.sandbox.github.routing import (
    current_state,
    found_or_404,
    paginated,
    repository_blueprint,
    typed_fields,
)
from dandiops.sandbox.github.state import ApiError, GhRelease, Repo, invalid
from dandiops.sandbox.standin import base_url, json_body, json_response

blueprint = repository_blueprint("repositories", __name__)
RELEASE_EDITS = {"tag_name": str, "target_commitish": str, "name": str, "body": str, "draft": bool, "prerelease": bool}


def visible_releases(repo: Repo) -> list[GhRelease]:
    """Drafts are seen only by those who can push (a token here), as on GitHub."""
    return [r for r in repo.releases if not (r.draft and g.anonymous)]


def render_release(repo: Repo, release: GhRelease) -> dict:
    return render.release(base_url(), current_state, repo, release)


@blueprint.get("")
def get_repo(repo: Repo) -> Response:
    with current_state.lock:
        body = render.repository(base_url(), current_state, repo)
    if g.anonymous:
        del body["permissions"]  # what the caller may do: GitHub says it to a signed-in caller only
    return json_response(body)


@blueprint.get("/tags")
def list_tags(repo: Repo) -> Response:
    with current_state.lock:
        tags = sorted(
            ((r.removeprefix("refs/tags/"), sha) for r, sha in repo.refs.items() if r.startswith("refs/tags/")),
            reverse=True,
        )
        return paginated(tags, lambda item: render.tag(base_url(), repo, *item))


@blueprint.get("/releases")
def list_releases(repo: Repo) -> Response:
    with current_state.lock:
        items = sorted(visible_releases(repo), key=lambda r: r.id, reverse=True)
        return paginated(items, lambda r: render_release(repo, r))


@blueprint.post("/releases")
def create_release(repo: Repo) -> Response:
    body = json_body()
    tag_name = body.get("tag_name")
    if not isinstance(tag_name, str) or not tag_name:
        raise invalid("Release", "tag_name", "missing_field")
    release = current_state.create_release(
        repo,
        tag_name,
        target=body.get("target_commitish"),
        name=body.get("name"),
        body=body.get("body"),
        draft=bool(body.get("draft")),
        prerelease=bool(body.get("prerelease")),
    )
    with current_state.lock:
        return json_response(render_release(repo, release), 201)


@blueprint.get("/releases/latest")
def latest_release(repo: Repo) -> Response:
    with current_state.lock:
        published = [r for r in repo.releases if not r.draft and not r.prerelease]
        if not published:
            raise ApiError(404, "Not Found")
        return json_response(render_release(repo, published[-1]))


@blueprint.get("/releases/tags/<path:tag>")
def release_by_tag(repo: Repo, tag: str) -> Response:
    with current_state.lock:
        found = found_or_404(current_state.published_release(repo, unquote(tag)))
        return json_response(render_release(repo, found))


@blueprint.get("/releases/<int:release_id>")
def get_release(repo: Repo, release_id: int) -> Response:
    with current_state.lock:
        found = found_or_404(next((r for r in visible_releases(repo) if r.id == release_id), None))
        return json_response(render_release(repo, found))


@blueprint.patch("/releases/<int:release_id>")
def update_release(repo: Repo, release_id: int) -> Response:
    changes = typed_fields(json_body(), RELEASE_EDITS, "Release")
    release = current_state.update_release(repo, release_id, changes)
    with current_state.lock:
        return json_response(render_release(repo, release))
