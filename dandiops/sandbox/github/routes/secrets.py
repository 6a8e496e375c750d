"""Actions secrets: the repository's public key, and secrets sealed with it (reads need a token, writes
the `repo` scope)."""

from __future__ import annotations

import re

from flask import Response

from dandiops.sandbox.github import render
from dandiops.sandbox.github.routing import current_state, found_or_404, paginated, repository_blueprint
from dandiops.sandbox.github.state import ApiError, Repo
from dandiops.sandbox.standin import json_body, json_response

blueprint = repository_blueprint("secrets", __name__, write_scopes=("repo",), anonymous_reads=False)
SECRET_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@blueprint.get("/actions/secrets/public-key")
def public_key(repo: Repo) -> Response:
    return json_response({"key_id": current_state.key_id, "key": current_state.public_key})


@blueprint.get("/actions/secrets")
def list_secrets(repo: Repo) -> Response:
    with current_state.lock:
        items = sorted(repo.secrets.values(), key=lambda s: s.name)
        return paginated(items, render.secret, key="secrets")


@blueprint.get("/actions/secrets/<secret_name>")
def get_secret(repo: Repo, secret_name: str) -> Response:
    with current_state.lock:
        return json_response(render.secret(found_or_404(repo.secrets.get(secret_name.upper()))))


@blueprint.put("/actions/secrets/<secret_name>")
def put_secret(repo: Repo, secret_name: str) -> Response:
    if not SECRET_NAME.fullmatch(secret_name) or secret_name.upper().startswith("GITHUB_"):
        raise ApiError(
            422,
            "Secret names can only contain alphanumeric characters ([a-z], [A-Z], [0-9]) "
            "or underscores (_), and must not start with GITHUB_.",
        )
    body = json_body()
    if not isinstance(body.get("encrypted_value"), str) or not isinstance(body.get("key_id"), str):
        raise ApiError(422, 'Invalid request.\n\n"encrypted_value" and "key_id" are required.')
    created = current_state.put_secret(repo, secret_name, body["encrypted_value"], body["key_id"])
    return json_response({}, 201) if created else Response(status=204)


@blueprint.delete("/actions/secrets/<secret_name>")
def delete_secret(repo: Repo, secret_name: str) -> Response:
    with current_state.lock:
        if repo.secrets.pop(secret_name.upper(), None) is None:
            raise ApiError(404, "Not Found")
    return Response(status=204)
