"""The Heroku stand-in over raw HTTP: what Heroku answers beyond response shapes.
Every answer is also checked against the schema by the `sandbox` fixture."""

from __future__ import annotations

import httpx
import pytest

STAGING = "dandi-sandbox-api-staging"
PRODUCTION = "dandi-sandbox-api"


@pytest.fixture
def api(sandbox):
    headers = {
        "Accept": "application/vnd.heroku+json; version=3",
        "Authorization": f"Bearer {sandbox.heroku.api_key}",
    }
    with httpx.Client(base_url=sandbox.heroku.url, headers=headers) as client:
        yield client


@pytest.mark.parametrize(
    ("method", "path", "status", "ident"),
    [
        ("GET", "/no-such-endpoint", 404, "not_found"),
        ("GET", f"/apps/{STAGING}/no-such-thing", 404, "not_found"),
        ("GET", "/client/v11/no-such-endpoint", 404, "not_found"),
        ("DELETE", "/account", 405, "method_not_allowed"),
        ("PUT", f"/apps/{STAGING}/config-vars", 405, "method_not_allowed"),
    ],
)
def test_unknown_routes_and_methods_answer_herokus_json_error(api, method, path, status, ident):
    response = api.request(method, path)
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["id"] == ident
    assert "<html" not in response.text.lower()
