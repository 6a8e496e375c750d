"""The httpx Netlify client against the stand-in: sites, team variables, pagination, HTTPS, retries and
how Netlify's refusals become dandiops' exit codes."""

from __future__ import annotations

import time
from urllib.parse import parse_qs

import httpx
import pytest

from dandiops.core.errors import AuthError, ExitCode, MaybeAppliedError, NotFoundError, UnavailableError, UsageError
from dandiops.providers.http import RetryPolicy
from dandiops.providers.netlify import NetlifyClient

FAST = RetryPolicy(attempts=4, base_delay=0.001)
TEAM = "dandi-sandbox"
FORK = "dandi-sandbox/dandi-archive"


@pytest.fixture
def client(sandbox):
    env = sandbox.environment()
    with NetlifyClient(
        env["NETLIFY_AUTH_TOKEN"], base_url=env["DANDIOPS_NETLIFY_API_URL"], env_name="staging", retry=FAST
    ) as made:
        yield made


def _site(client, name="gui-test-site"):
    return client.create_site(TEAM, name, {"provider": "github", "repo_path": FORK, "repo_branch": "master"})


def test_a_site_in_the_team_with_its_variables_read_back(client, netlify):
    assert [team["slug"] for team in client.accounts()] == [TEAM]
    assert client.find_site("gui-test-site") is None
    site = _site(client)
    assert client.find_site("gui-test-site")["id"] == site["id"]
    assert site["account_slug"] == TEAM and site["build_settings"]["repo_url"] == f"https://github.com/{FORK}"
    client.create_env_vars(
        TEAM,
        site["id"],
        [
            {
                "key": "VITE_APP_DANDI_API_ROOT",
                "scopes": ["builds"],
                "values": [{"context": "all", "value": "a"}],
                "is_secret": False,
            }
        ],
    )
    client.set_env_var_value(TEAM, site["id"], "VITE_APP_DANDI_API_ROOT", {"context": "production", "value": "b"})
    (variable,) = client.env_vars(TEAM, site["id"])
    assert {(v["context"], v["value"]) for v in variable["values"]} == {("all", "a"), ("production", "b")}
    # the team's id works where Netlify's CLI sends the slug
    assert client.env_vars(netlify.state.account.id, site["id"])[0]["key"] == "VITE_APP_DANDI_API_ROOT"
    updated = client.update_site(site["id"], {"repo": {"repo_branch": "release", "base": "web"}}, name="gui-test-site")
    assert (updated["build_settings"]["repo_branch"], updated["build_settings"]["base"]) == ("release", "web")


def test_finding_a_site_follows_the_next_page(client, netlify):
    for number in range(100):
        client.create_site(TEAM, f"gui-{number:03d}", {"provider": "manual"})
    client.create_site(TEAM, "gui", {"provider": "manual"})  # its name is in every other's: the 101st match
    assert client.find_site("gui")["name"] == "gui"
    pages = [
        parse_qs(r.query)["page"] for r in netlify.state.requests if r.method == "GET" and r.path == "/api/v1/sites"
    ]
    assert pages == [["1"], ["2"]]


def test_a_certificate_waits_for_a_custom_domain_whose_dns_points_at_netlify(client):
    site = _site(client)
    assert client.certificate(site["id"]) is None
    assert client.provision_certificate(site["id"]) == (None, "No custom domain configured")
    client.update_site(site["id"], {"custom_domain": "www.elsewhere.test"}, name="gui-test-site")
    assert client.provision_certificate(site["id"]) == (None, "bad dns for custom domain")
    client.update_site(site["id"], {"custom_domain": "staging.dandi.test"}, name="gui-test-site")
    certificate, refused = client.provision_certificate(site["id"])
    assert refused is None and certificate["state"] == "issued" and certificate["domains"] == ["staging.dandi.test"]
    assert client.certificate(site["id"])["domains"] == ["staging.dandi.test"]


def test_refusals_become_exit_codes_naming_what_failed(sandbox, client):
    env = sandbox.environment()
    with NetlifyClient("nfp_wrong", base_url=env["DANDIOPS_NETLIFY_API_URL"], retry=FAST) as wrong:
        with pytest.raises(AuthError, match="Netlify rejected the token") as rejected:
            wrong.accounts()
    assert rejected.value.exit_code == ExitCode.AUTH and "NETLIFY_AUTH_TOKEN" in rejected.value.hint
    with pytest.raises(NotFoundError, match="reading Netlify site nope") as missing:
        client.site("nope")
    assert "netlify_site" in missing.value.hint
    site = _site(client)
    with pytest.raises(UsageError, match="not a valid domain name"):
        client.update_site(site["id"], {"custom_domain": "not a host"}, name="gui-test-site")


def test_reads_are_retried_until_netlifys_budget_refills_and_writes_are_not(client, netlify):
    state = netlify.state
    state.inject_fault(429, 1, reset_in=0)
    assert client.accounts()
    assert [r.status for r in state.requests] == [429, 200]
    state.inject_fault(503, 1, methods={"POST"})
    with pytest.raises(UnavailableError, match="Netlify API error 503") as failed:
        _site(client)
    assert "not retried" in failed.value.hint and "dandiops frontend status" in failed.value.hint
    assert [r.status for r in state.requests if r.method == "POST"] == [503]


def test_a_build_whose_answer_is_lost_may_have_started(client, netlify):
    site = _site(client)
    netlify.state.inject_fault(0, 1, methods={"POST"}, path_prefix="/api/v1/sites/", kind="drop")
    with pytest.raises(MaybeAppliedError, match="may have been applied") as lost:
        client.create_build(site["id"], branch="master")
    assert "dandiops frontend status -e staging" in lost.value.hint
    assert len(netlify.state.builds) == 1  # Netlify did start it


def test_the_retry_delay_of_a_429_is_the_time_left_until_netlifys_reset():
    reset = int(time.time()) + 5
    answer = httpx.Response(429, headers={"X-RateLimit-Reset": str(reset)})
    assert 3 < RetryPolicy(base_delay=0.001).delay(0, answer) <= 5
    past = httpx.Response(429, headers={"X-RateLimit-Reset": str(reset - 3600)})
    assert RetryPolicy(base_delay=0.001).delay(0, past) == 0
