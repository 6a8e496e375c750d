"""What every route of the GitHub stand-in shares: its state, its base URL, GitHub's answer and error
shapes, pagination, and the repository blueprint that resolves `/repos/<owner>/<name>` once.

A repository blueprint's views receive the resolved `repo` in place of `owner` and `name`; an
unknown repository is 404 before the view runs, and a write (POST, PUT, PATCH, DELETE) without one
of the blueprint's scopes is the classic-token 403 GitHub answers. Both run after the app's gate
(faults, credentials, rate limit), as every route's own preamble did.
"""

from __future__ import annotations

import json
from typing import Any, Callable, cast

from flask import Blueprint, Response, current_app, g, request
from werkzeug.local import LocalProxy

from dandiops.sandbox.github.state import ApiError, GitHubState, Repo

STATE_KEY = "github_state"
BASE_URL_KEY = "github_base_url"
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
REPOSITORY_PREFIX = "/repos/<owner>/<name>"
CLASSIC_WRITE_SCOPES = ("repo", "public_repo")

# The state of the app serving the request, as `current_app` is the app.
current_state = cast(GitHubState, LocalProxy(lambda: current_app.config[STATE_KEY]))


def base_url() -> str:
    getter: Callable[[], str] | None = current_app.config.get(BASE_URL_KEY)
    return getter() if getter else request.host_url.rstrip("/")


def json_response(body: Any, status: int = 200, headers: dict | None = None) -> Response:
    response = Response(json.dumps(body), status=status, mimetype="application/json")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def error(status: int, message: str, errors: list | None = None, headers: dict | None = None) -> Response:
    # GitHub links its documentation here; the stand-in keeps every URL on its own host
    docs = request.host_url.rstrip("/") + "/docs/rest"
    body: dict[str, Any] = {"message": message, "documentation_url": docs, "status": str(status)}
    if errors is not None:
        body["errors"] = errors
    return json_response(body, status, headers)


def need_scope(*accepted: str) -> Response | None:
    """Classic tokens: a write needs one of `accepted` scopes, as GitHub says in X-Accepted-OAuth-Scopes."""
    if g.scopes is not None and not (set(accepted) & g.scopes):
        return error(403, "Resource not accessible by personal access token",
                     headers={"X-Accepted-OAuth-Scopes": ", ".join(accepted)})
    return None


def repo_or_404(owner: str, name: str) -> Repo:
    found = current_state.find_repo(owner, name)
    if found is None:
        raise ApiError(404, "Not Found")
    return found


def found_or_404(item: Any) -> Any:
    if item is None:
        raise ApiError(404, "Not Found")
    return item


def repository_blueprint(name: str, import_name: str, *,
                         write_scopes: tuple[str, ...] = CLASSIC_WRITE_SCOPES) -> Blueprint:
    """A blueprint under /repos/<owner>/<name> whose views take `repo`; writes need one of `write_scopes`."""
    blueprint = Blueprint(name, import_name, url_prefix=REPOSITORY_PREFIX)

    @blueprint.before_request
    def resolve_repository() -> Response | None:
        view_args = request.view_args if request.view_args is not None else {}
        view_args["repo"] = repo_or_404(view_args.pop("owner"), view_args.pop("name"))
        if request.method in WRITE_METHODS:
            return need_scope(*write_scopes)
        return None

    return blueprint


def json_body() -> dict:
    """The request's JSON object, or an empty one (GitHub then names the missing fields)."""
    return request.get_json(silent=True) or {}


def paginated(items: list, to_json: Callable[[Any], Any], *, key: str | None = None,
              extra: dict | None = None) -> Response:
    """`per_page`/`page` pagination with GitHub's Link header; `key` wraps the page with a total_count."""
    try:
        per_page = max(1, min(100, int(request.args.get("per_page", 30))))
        page = max(1, int(request.args.get("page", 1)))
    except ValueError:
        raise ApiError(422, "Validation Failed") from None
    chunk = items[(page - 1) * per_page: page * per_page]
    last = max(1, -(-len(items) // per_page))
    url = base_url() + request.path

    def page_url(number: int) -> str:
        args = dict(request.args)
        args["page"] = str(number)
        args["per_page"] = str(per_page)
        return url + "?" + "&".join(f"{k}={v}" for k, v in args.items())

    links = []
    if page < last:
        links += [f'<{page_url(page + 1)}>; rel="next"', f'<{page_url(last)}>; rel="last"']
    if page > 1:
        links += [f'<{page_url(page - 1)}>; rel="prev"', f'<{page_url(1)}>; rel="first"']
    headers = {"Link": ", ".join(links)} if links else {}
    rendered = [to_json(item) for item in chunk]
    if key is None:
        return json_response(rendered, headers=headers)
    return json_response({"total_count": len(items), key: rendered, **(extra or {})}, headers=headers)
