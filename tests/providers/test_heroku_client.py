"""The httpx Heroku client against the stand-in: retries, pagination, error mapping."""

import httpx
import pytest

from dandiops.core.errors import AuthError, NotFoundError, UnavailableError
from dandiops.providers.heroku import HerokuClient
from dandiops.providers.http import RetryPolicy

FAST = RetryPolicy(attempts=4, base_delay=0.001)


@pytest.fixture
def client(sandbox):
    with HerokuClient(sandbox.heroku.api_key, base_url=sandbox.heroku.url, env_name="staging", retry=FAST) as c:
        yield c


def test_sends_heroku_headers(client, heroku_state):
    client.account()
    record = heroku_state.requests[-1]
    assert record.headers["Accept"] == "application/vnd.heroku+json; version=3"


def test_retries_429_then_succeeds(client, heroku_state):
    heroku_state.inject_fault(429, 2, retry_after="0")
    assert client.app("dandi-sandbox-api")["name"] == "dandi-sandbox-api"
    assert [r.status for r in heroku_state.requests] == [429, 429, 200]


def test_retries_5xx_on_reads(client, heroku_state):
    heroku_state.inject_fault(503, 1)
    assert client.config_vars("dandi-sandbox-api")
    assert [r.status for r in heroku_state.requests] == [503, 200]


def test_gives_up_after_the_attempts(client, heroku_state):
    heroku_state.inject_fault(500, 10)
    with pytest.raises(UnavailableError, match="Heroku API error 500"):
        client.app("dandi-sandbox-api")
    assert len(heroku_state.requests) == FAST.attempts


def test_a_500_on_patch_is_reported_not_retried_naming_what_shows_the_config_vars(client, heroku_state):
    heroku_state.inject_fault(500, 1, methods={"PATCH"})
    with pytest.raises(UnavailableError) as info:
        client.update_config_vars("dandi-sandbox-api", {"FOO": "bar"})
    assert "was not retried" in info.value.hint and "`dandiops config check -e staging" in info.value.hint
    assert [(r.method, r.status) for r in heroku_state.requests] == [("PATCH", 500)]
    assert "FOO" not in heroku_state.apps["dandi-sandbox-api"].config


def test_read_timeout_is_retried_for_reads(sandbox, heroku_state):
    import time

    heroku_state.inject_fault(0, 1, delay=0.5)
    with HerokuClient(
        sandbox.heroku.api_key, base_url=sandbox.heroku.url, retry=FAST, timeout=httpx.Timeout(0.2)
    ) as slow:
        assert slow.account()["email"]
    deadline = time.monotonic() + 5  # the stand-in records the delayed request once it has answered it
    while len(heroku_state.requests) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [(r.method, r.path) for r in heroku_state.requests] == [("GET", "/account")] * 2


def test_rate_budget_spent_gives_429_and_a_clear_error(client, heroku_state):
    heroku_state.rate_remaining = 0
    with pytest.raises(UnavailableError, match="rate limit"):
        client.app("dandi-sandbox-api")
    assert client.get("/account/rate-limits")["remaining"] == 0  # the rate-limit endpoint is not metered


def test_pagination_follows_next_range(client, heroku_state):
    app = heroku_state.apps["dandi-sandbox-api"]
    for i in range(7):
        heroku_state.create_release(app, f"Set X{i} config vars")
    items = client.paginate("/apps/dandi-sandbox-api/releases", range_header="version ..; max=3")
    assert [r["version"] for r in items] == list(range(1, 10))
    ranges = [r.headers.get("Range") for r in heroku_state.requests]
    assert ranges == ["version ..; max=3", "version ]3..; max=3, order=asc", "version ]6..; max=3, order=asc"]
    assert [r.status for r in heroku_state.requests] == [206, 206, 200]


@pytest.mark.parametrize(
    "header", ["version ..; max=2, order=desc", "version ..; order=desc,max=2", "version ..; order=desc,max=2;"]
)
def test_range_separators_seen_in_the_wild(client, heroku_state, header):
    response = client.request("GET", "/apps/dandi-sandbox-api/releases", headers={"Range": header})
    assert response.status_code == 200
    assert [r["version"] for r in response.json()] == [2, 1]


def test_errors_are_mapped(sandbox, client):
    with pytest.raises(NotFoundError) as info:
        client.config_vars("ghost")
    assert info.value.message == "app ghost not found"
    with HerokuClient("nope-nope", base_url=sandbox.heroku.url, retry=FAST) as bad:
        with pytest.raises(AuthError, match="rejected the API key"):
            bad.account()


def test_formation_accepts_string_quantity_and_size(client, heroku_state):
    result = client.update_formation(
        "dandi-sandbox-api-staging", [{"type": "web", "quantity": "2", "size": "Standard-1X"}]
    )
    assert result[0]["quantity"] == 2 and result[0]["size"] == "Standard-1X"
    client.update_formation(
        "dandi-sandbox-api-staging", [{"type": "web", "quantity": 1, "dyno_size": {"name": "basic"}}]
    )
    assert heroku_state.apps["dandi-sandbox-api-staging"].formation["web"].size == "basic"


def test_config_patch_null_deletes_and_creates_a_release(client, heroku_state):
    app = heroku_state.apps["dandi-sandbox-api-staging"]
    before = len(app.releases)
    result = client.update_config_vars(app.name, {"DJANGO_DANDI_DOI_PUBLISH": None})
    assert "DJANGO_DANDI_DOI_PUBLISH" not in result
    assert app.releases[-1].description == "Remove DJANGO_DANDI_DOI_PUBLISH config vars"
    assert len(app.releases) == before + 1


def test_an_empty_rate_budget_waits_for_a_token_before_retrying(heroku_state):
    from dandiops.providers.http import RATE_TOKEN_SECONDS

    response = httpx.Response(429, headers={"RateLimit-Remaining": "0"})
    assert FAST.delay(0, response) == RATE_TOKEN_SECONDS
    assert FAST.delay(0, httpx.Response(429, headers={"RateLimit-Remaining": "0", "Retry-After": "2"})) == 2.0
    assert FAST.delay(0, httpx.Response(503)) < RATE_TOKEN_SECONDS
