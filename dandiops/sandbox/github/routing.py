"""What the GitHub stand-in's routes share: its state, GitHub's error answers, pagination, and the
repository blueprint that resolves `/repos/<owner>/<name>` once.

A repository blueprint's views receive the resolved `repo` in place of `owner` and `name`; an
unknown repository (or, without a token, a private one) is 404 before the view runs, a write
(POST, PUT, PATCH, DELETE) without a token is 401 "Requires authentication", and one without one of
the blueprint's scopes is the classic-token 403 GitHub answers. All come after the app's gate
(faults, credentials, rate limit), which leaves `g.anonymous` set for a request without a token.
"""

from __future__ import annotations

from typing import Any, Callable

from flask import Blueprint, Response, g, request

from dandiops.sandbox.github.state import ApiError, GitHubState, Repo, invalid
from dandiops.sandbox.standin import PageRequest, base_url, current, json_response, resolving_blueprint

STATE_KEY = "dandiops.github_state"
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
CLASSIC_WRITE_SCOPES = ("repo", "public_repo")

current_state = current(STATE_KEY, GitHubState)


def error(status: int, message: str, errors: list | None = None, headers: dict | None = None) -> Response:
    # GitHub links its documentation here; the stand-in keeps every URL on its own host
    body: dict[str, Any] = {"message": message, "documentation_url": base_url() + "/docs/rest", "status": str(status)}
    if errors is not None:
        body["errors"] = errors
    return json_response(body, status, headers)


def need_token() -> Response | None:
    """GitHub's answer to a request without a token where one is needed."""
    return error(401, "Requires authentication") if g.anonymous else None


def need_scope(*accepted: str) -> Response | None:
    """Classic tokens: a write needs one of `accepted` scopes, as GitHub says in X-Accepted-OAuth-Scopes."""
    if g.scopes is not None and not (set(accepted) & g.scopes):
        return error(
            403,
            "Resource not accessible by personal access token",
            headers={"X-Accepted-OAuth-Scopes": ", ".join(accepted)},
        )
    return None


def found_or_404(item: Any, message: str = "Not Found") -> Any:
    if item is None:
        raise ApiError(404, message)
    return item


def repo_or_404(owner: str, name: str) -> Repo:
    found: Repo = found_or_404(current_state.find_repo(owner, name))
    return found


def repository_blueprint(
    name: str,
    import_name: str,
    *,
    write_scopes: tuple[str, ...] = CLASSIC_WRITE_SCOPES,
    anonymous_reads: bool = True,
) -> Blueprint:
    """A blueprint under /repos/<owner>/<name> whose views take `repo`; writes need one of `write_scopes`,
    and reads a token unless `anonymous_reads` (a public repository's reads, as on GitHub)."""

    def resolve(view_args: dict[str, Any]) -> Response | None:
        repo = repo_or_404(view_args.pop("owner"), view_args.pop("name"))
        if g.anonymous and repo.private:
            raise ApiError(404, "Not Found")  # GitHub does not say a private repository exists
        view_args["repo"] = repo
        if request.method in WRITE_METHODS:
            return need_token() or need_scope(*write_scopes)
        return None if anonymous_reads else need_token()

    return resolving_blueprint(name, import_name, "/repos/<owner>/<name>", resolve)


def typed_fields(body: dict, fields: dict[str, type], resource: str) -> dict:
    """The body's known fields, each of its JSON type (GitHub's 422 names the first that is not)."""
    for key, kind in fields.items():
        if key in body and not isinstance(body[key], kind):
            raise invalid(resource, key)
    return {key: body[key] for key in fields if key in body}


def paginated(items: list, to_json: Callable[[Any], Any], *, key: str | None = None) -> Response:
    """`per_page`/`page` pagination with GitHub's Link header; `key` wraps the page with a total_count."""
    try:
        asked = PageRequest.read(30)
    except ValueError:
        raise ApiError(422, "Validation Failed") from None
    page, last = asked.page, max(1, -(-len(items) // asked.per_page))
    links = []
    if page < last:
        links += [f'<{asked.url(page + 1)}>; rel="next"', f'<{asked.url(last)}>; rel="last"']
    if page > 1:
        links += [f'<{asked.url(page - 1)}>; rel="prev"', f'<{asked.url(1)}>; rel="first"']
    headers = {"Link": ", ".join(links)} if links else {}
    rendered = [to_json(item) for item in asked.of(items)]
    if key is None:
        return json_response(rendered, headers=headers)
    return json_response({"total_count": len(items), key: rendered}, headers=headers)


def accepts(*media_types: str) -> bool:
    """Whether the request's Accept header asks for one of `media_types` (GitHub's custom media types,
    also spelled with the API version: application/vnd.github.v3.raw)."""
    wanted = {media.replace("application/vnd.github.", "application/vnd.github.v3.") for media in media_types}
    wanted |= set(media_types)
    asked = {part.split(";", 1)[0].strip().lower() for part in request.headers.get("Accept", "").split(",")}
    return bool(asked & wanted)
