"""The Netlify stand-in's builds, as a browser and Netlify's API see them: the fork checked out at the branch's
head, variables resolved as Netlify resolves them, the server-info plugin, and the published site on web_url."""

from __future__ import annotations

import json
import re
import time

import httpx
import pytest

from dandiops.core.settings import connect_origin
from dandiops.providers.http import RetryPolicy
from dandiops.providers.netlify import NetlifyClient

TEAM = "dandi-sandbox"
FORK = "dandi-sandbox/dandi-archive"
WEB = "https://staging.dandi.test"
STAGING_API = "https://api.staging.dandi.test/api/"
PLUGIN = '[[plugins]]\npackage = "/netlify/plugins/server-info-build"\n'
SPA = '[[redirects]]\nfrom = "/*"\nto = "/index.html"\nstatus = 200\n'


@pytest.fixture
def client(sandbox):
    env = sandbox.environment()
    retry = RetryPolicy(attempts=2, base_delay=0.001)
    with NetlifyClient(env["NETLIFY_AUTH_TOKEN"], base_url=env["DANDIOPS_NETLIFY_API_URL"], retry=retry) as made:
        yield made


def _fork_files(gh_state, repo, files: dict[str, str]) -> str:
    """A developer's commit of web/ files on master (web/ changes start no backend deploy)."""
    commit = gh_state.commit_files(
        repo, "master", {p: t.encode() for p, t in files.items()}, "Web settings", push_event=False
    )
    return commit.sha


def _site(client, variables: dict[str, str]) -> dict:
    site = client.create_site(
        TEAM,
        "gui-staging-dandi-test",
        {"provider": "github", "repo_path": FORK, "repo_branch": "master", "base": "web"},
    )
    client.update_site(site["id"], {"custom_domain": "staging.dandi.test"}, name=site["name"])
    if variables:
        client.create_env_vars(
            TEAM,
            site["id"],
            [
                {"key": key, "scopes": ["builds"], "values": [{"context": "all", "value": value}], "is_secret": False}
                for key, value in variables.items()
            ],
        )
    return site


def _build(client, site: dict) -> dict:
    build = client.create_build(site["id"], branch="master")
    for _ in range(400):
        deploy = client.deploy(site["id"], build["deploy_id"])
        if deploy["state"] in ("ready", "error"):
            return deploy
        time.sleep(0.02)
    raise AssertionError(f"the deploy stayed {deploy['state']}")


def _bundle(page: str) -> dict:
    return json.loads(re.search(r"const env = (\{.*?\});", page, re.S).group(1))


def _get(sandbox, url: str) -> httpx.Response:
    return httpx.get(connect_origin(url, sandbox.environment()), timeout=120)


def test_the_branch_context_of_netlify_toml_beats_the_sites_variable_on_the_published_page(
    sandbox, client, gh_state, repo
):
    toml = (
        '[build]\ncommand = "npm run build"\npublish = "dist"\n\n'
        "[context.production.environment]\n"
        'VITE_APP_DANDI_API_ROOT = "https://api.production-context.test/api/"\n'
        'VITE_APP_OAUTH_CLIENT_ID = "from-production-context"\n\n'
        "[context.master.environment]\n"
        'VITE_APP_DANDI_API_ROOT = "https://api.branch-context.test/api/"\n\n' + SPA
    )
    sha = _fork_files(
        gh_state, repo, {"web/netlify.toml": toml, "web/.env.production": "VITE_APP_DOI_SERVER=https://doi.org/\n"}
    )
    site = _site(client, {"VITE_APP_DANDI_API_ROOT": STAGING_API, "VITE_APP_OAUTH_API_ROOT": "https://ui.test/oauth/"})
    deploy = _build(client, site)
    assert (deploy["state"], deploy["commit_ref"], deploy["context"]) == ("ready", sha, "production")
    page = _get(sandbox, f"{WEB}/")
    assert page.status_code == 200
    assert _bundle(page.text) == {
        "VITE_APP_DANDI_API_ROOT": "https://api.branch-context.test/api/",  # [context.master] over all else
        "VITE_APP_OAUTH_CLIENT_ID": "from-production-context",  # [context.production] over nothing
        "VITE_APP_OAUTH_API_ROOT": "https://ui.test/oauth/",  # the site's own, netlify.toml silent
        "VITE_APP_DOI_SERVER": "https://doi.org/",  # Vite's .env.production, under all of them
        "VITE_APP_GIT_REVISION": sha,
    }
    assert _get(sandbox, f"{WEB}/dandiset/000001").text == page.text  # the single-page app's fallback
    assert client.site(site["id"])["published_deploy"]["id"] == deploy["id"]


def test_a_build_without_the_api_root_fails_in_the_server_info_plugin(sandbox, client, gh_state, repo):
    # upstream's web/.env.production names an API, but the plugin reads the build's environment only
    _fork_files(
        gh_state,
        repo,
        {
            "web/netlify.toml": PLUGIN,
            "web/.env.production": "VITE_APP_DANDI_API_ROOT=https://api.dandiarchive.org/api/\n",
        },
    )
    site = _site(client, {"VITE_APP_OAUTH_CLIENT_ID": "client"})
    deploy = _build(client, site)
    assert deploy["state"] == "error"
    assert "VITE_APP_DANDI_API_ROOT" in deploy["error_message"] and "server-info-build" in deploy["error_message"]
    assert "published_deploy" not in client.site(site["id"])
    assert _get(sandbox, f"{WEB}/").status_code == 404  # nothing published on the web host


def test_server_info_proxies_to_the_api_the_build_was_given(sandbox, client, gh_state, repo):
    _fork_files(gh_state, repo, {"web/netlify.toml": PLUGIN + SPA})
    site = _site(client, {"VITE_APP_DANDI_API_ROOT": STAGING_API})
    assert _build(client, site)["state"] == "ready"
    info = _get(sandbox, f"{WEB}/server-info")
    assert info.status_code == 200, info.text[:300]
    assert info.json() == _get(sandbox, f"{STAGING_API}info/?format=json").json()


def test_a_site_linked_to_an_unknown_fork_fails_to_prepare_its_repo(client):
    site = client.create_site(
        TEAM, "gui-missing", {"provider": "github", "repo_path": "nobody/nothing", "repo_branch": "master"}
    )
    deploy = _build(client, site)
    assert deploy["state"] == "error" and deploy["error_message"].startswith("Failed to prepare repo")


def test_the_variables_api_takes_both_scope_spellings_and_refuses_a_variable_twice(sandbox, client):
    site = _site(client, {})
    url = f"{sandbox.environment()['DANDIOPS_NETLIFY_API_URL']}/accounts/{TEAM}/env"
    headers = {"Authorization": f"Bearer {sandbox.environment()['NETLIFY_AUTH_TOKEN']}"}
    body = [{"key": "A_KEY", "scopes": ["builds", "post_processing"], "values": [{"context": "all", "value": "x"}]}]
    made = httpx.post(url, params={"site_id": site["id"]}, json=body, headers=headers)
    assert made.status_code == 201 and made.json()[0]["scopes"] == ["builds", "post-processing"]
    again = httpx.post(url, params={"site_id": site["id"]}, json=body, headers=headers)
    assert (again.status_code, again.json()) == (
        422,
        {"code": 422, "message": "Environment variable A_KEY already exists"},
    )
    assert httpx.get(url, params={"site_id": site["id"]}).json() == {"code": 401, "message": "Access Denied"}


def test_a_reset_leaves_an_empty_team_and_nothing_published(sandbox, client, netlify):
    site = _site(client, {"VITE_APP_DANDI_API_ROOT": STAGING_API})
    assert _build(client, site)["state"] == "ready"
    sandbox.reset()
    assert client.find_site(site["name"]) is None and netlify.state.builds == {}
    assert _get(sandbox, f"{WEB}/").status_code == 404
