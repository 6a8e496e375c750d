"""A repository, its tags and its releases."""

from __future__ import annotations

from urllib.parse import unquote

from flask import Response

from dandiops.sandbox.github import render
from dandiops.sandbox.github.routing import current_state, found_or_404, paginated, repository_blueprint
from dandiops.sandbox.github.state import ApiError, Repo
from dandiops.sandbox.standin import base_url, json_body, json_response

blueprint = repository_blueprint("repositories", __name__)


@blueprint.get("")
def get_repo(repo: Repo) -> Response:
    with current_state.lock:
        return json_response(render.repository(base_url(), current_state, repo))


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
        items = sorted(repo.releases, key=lambda r: r.id, reverse=True)
        return paginated(items, lambda r: render.release(base_url(), current_state, repo, r))


@blueprint.post("/releases")
def create_release(repo: Repo) -> Response:
    body = json_body()
    tag_name = body.get("tag_name")
    if not isinstance(tag_name, str) or not tag_name:
        raise ApiError(
            422, "Validation Failed", [{"resource": "Release", "code": "missing_field", "field": "tag_name"}]
        )
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
        return json_response(render.release(base_url(), current_state, repo, release), 201)


@blueprint.get("/releases/latest")
def latest_release(repo: Repo) -> Response:
    with current_state.lock:
        published = [r for r in repo.releases if not r.draft and not r.prerelease]
        if not published:
            raise ApiError(404, "Not Found")
        return json_response(render.release(base_url(), current_state, repo, published[-1]))


@blueprint.get("/releases/tags/<path:tag>")
def release_by_tag(repo: Repo, tag: str) -> Response:
    with current_state.lock:
        found = found_or_404(next((r for r in repo.releases if r.tag_name == unquote(tag)), None))
        return json_response(render.release(base_url(), current_state, repo, found))


@blueprint.get("/releases/<int:release_id>")
def get_release(repo: Repo, release_id: int) -> Response:
    with current_state.lock:
        found = found_or_404(next((r for r in repo.releases if r.id == release_id), None))
        return json_response(render.release(base_url(), current_state, repo, found))
