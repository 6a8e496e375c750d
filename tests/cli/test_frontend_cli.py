"""`dandiops frontend status|setup|deploy` against the sandbox's Netlify and GitHub stand-ins."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from dandiops.core.errors import ExitCode
from dandiops.core.settings import connect_origin
from dandiops.sandbox.netlify.state import BuildPace

SITE = "gui-staging-dandi-test"
API_ROOT = "https://api.staging.dandi.test/api/"
PLUGIN = '[[plugins]]\npackage = "/netlify/plugins/server-info-build"\n'


@pytest.fixture(autouse=True)
def _fast_polling(monkeypatch):
    monkeypatch.setenv("DANDIOPS_POLL_INTERVAL", "0.02")


def _published_bundle(sandbox) -> dict:
    page = httpx.get(connect_origin("https://staging.dandi.test/", sandbox.environment()), timeout=30)
    assert page.status_code == 200, page.text
    return json.loads(re.search(r"const env = (\{.*?\});", page.text, re.S).group(1))


def _site(netlify):
    return next(site for site in netlify.state.sites.values() if site.name == SITE)


def _toml(gh_state, repo, text: str) -> None:
    gh_state.commit_files(repo, "master", {"web/netlify.toml": text.encode()}, "Web settings", push_event=False)


def test_setup_makes_the_site_serve_this_clone_and_a_second_setup_writes_nothing(cli, sandbox, netlify, audit_lines):
    before = cli("frontend", "status", "-e", "staging", "--json")
    assert before.exit_code == ExitCode.CHECK_FAILED, before
    assert before.json()["site"]["id"] is None and "dandiops frontend setup -e staging" in before.stderr

    result = cli("frontend", "setup", "-e", "staging")
    assert result.exit_code == 0, result
    assert "DNS: staging.dandi.test CNAME gui-staging-dandi-test.netlify.app" in result.stderr
    assert "deploy" in result.stderr and ": ready" in result.stderr
    site = _site(netlify)
    assert site.build_settings | {"repo_url": None} == {
        "provider": "github",
        "repo_path": "dandi-sandbox/dandi-archive",
        "repo_url": None,
        "repo_branch": "master",
        "base": "web",
        "cmd": "git fetch --tags && npm run build",
        "dir": "dist",
        "allowed_branches": ["master"],
    }
    assert (site.custom_domain, site.force_ssl, site.certificate.state) == ("staging.dandi.test", True, "issued")
    bundle = _published_bundle(sandbox)
    assert bundle["VITE_APP_DANDI_API_ROOT"] == API_ROOT
    assert bundle["VITE_APP_OAUTH_API_ROOT"] == "https://api.staging.dandi.test/oauth/"
    assert bundle["VITE_APP_OAUTH_CLIENT_ID"] == "Dk0zosgt1GAAKfN8LT4STJmLJXwMDPbYWYzfNtAl"
    actions = [line["action"] for line in audit_lines()]
    assert actions == [
        "netlify.site.create",
        "netlify.site.domain",
        "netlify.site.certificate",
        "netlify.site.force-ssl",
        "netlify.build.create",
    ]  # no variable: the sandbox fork's netlify.toml, as the fork step left it, sets every one for master
    assert netlify.token not in json.dumps(audit_lines()) + result.stdout + result.stderr

    writes = len(netlify.state.writes())
    again = cli("frontend", "setup", "-e", "staging", "--json")
    assert again.exit_code == 0, again
    assert again.json()["changes"] == [] and len(netlify.state.writes()) == writes
    status = cli("frontend", "status", "-e", "staging", "--json")
    assert status.exit_code == 0, status
    assert {v["key"]: (v["source"], v["ok"]) for v in status.json()["variables"]} == {
        key: ("netlify.toml [context.master.environment]", True)
        for key in (
            "VITE_APP_DANDI_API_ROOT",
            "VITE_APP_OAUTH_API_ROOT",
            "VITE_APP_OAUTH_CLIENT_ID",
            "VITE_APP_DOI_SERVER",
        )
    }
    assert status.json()["deploy"]["state"] == "ready"


def test_a_netlify_toml_that_names_another_api_is_reported_for_the_fork_and_exits_6(cli, netlify, gh_state, repo):
    _toml(
        gh_state,
        repo,
        '[context.master.environment]\nVITE_APP_DANDI_API_ROOT = "https://api.sandbox.dandiarchive.org/api/"\n',
    )
    result = cli("frontend", "setup", "-e", "staging")
    assert result.exit_code == ExitCode.CHECK_FAILED, result
    assert (
        "web/netlify.toml sets VITE_APP_DANDI_API_ROOT = 'https://api.sandbox.dandiarchive.org/api/' in "
        f"[context.master.environment] (needs '{API_ROOT}')"
    ) in result.stderr
    assert "fork step" in result.stderr
    site = _site(netlify)
    # the site gets what netlify.toml leaves unset; its API root would not count
    assert set(site.env) == {"VITE_APP_OAUTH_API_ROOT", "VITE_APP_OAUTH_CLIENT_ID", "VITE_APP_DOI_SERVER"}


def test_deploy_exit_code_is_the_deploys_outcome(cli, netlify, gh_state, repo):
    assert cli("frontend", "deploy", "-e", "staging").exit_code == ExitCode.NOT_FOUND  # no site yet
    assert cli("frontend", "setup", "-e", "staging").exit_code == 0

    ready = cli("frontend", "deploy", "-e", "staging", "--json")
    assert ready.exit_code == 0, ready
    assert ready.json()["deploy"]["state"] == "ready" and ready.json()["states"][-1] == "ready"

    _toml(gh_state, repo, PLUGIN)  # the fork's contexts are gone, and setup left the site no API root of its own
    failed = cli("frontend", "deploy", "-e", "staging")
    assert failed.exit_code == ExitCode.FAILURE, failed
    assert "API URL not defined" in failed.stderr and "deploy" in failed.stdout

    netlify.state.pace = BuildPace(state_seconds=3600)  # a build that never finishes in time
    slow = cli("frontend", "deploy", "-e", "staging", "--timeout", "0.2")
    assert slow.exit_code == ExitCode.TIMEOUT, slow
    assert "dandiops frontend status -e staging" in slow.stderr


def test_production_deploy_needs_yes_without_a_terminal(cli, netlify):
    assert cli("frontend", "setup", "-e", "production", "--yes").exit_code == 0
    builds = len(netlify.state.builds)
    refused = cli("frontend", "deploy", "-e", "production")
    assert refused.exit_code == ExitCode.USAGE and "--yes" in refused.stderr
    assert len(netlify.state.builds) == builds
    dry = cli("frontend", "deploy", "-e", "production", "--dry-run")
    assert dry.exit_code == 0 and "would build dandi-sandbox/dandi-archive release" in dry.stderr
    assert len(netlify.state.builds) == builds


def test_without_a_token_or_a_site_name_nothing_is_sent_and_the_setting_is_named(cli, sandbox, netlify):
    no_token = cli("frontend", "setup", "-e", "staging", env={"NETLIFY_AUTH_TOKEN": ""})
    assert no_token.exit_code == ExitCode.CONFIG and "NETLIFY_AUTH_TOKEN" in no_token.stderr
    config = sandbox.config_path.read_text()
    sandbox.config_path.write_text(re.sub(r'netlify_site = "[^"]*"\n', "", config))
    no_site = cli("frontend", "status", "-e", "staging")
    assert no_site.exit_code == ExitCode.CONFIG and "netlify_site" in no_site.stderr
    bad = cli("frontend", "setup", "-e", "staging", "--timeout", "0")
    assert bad.exit_code == ExitCode.USAGE and "--timeout" in bad.stderr
    assert netlify.state.requests == []


def _netlify_api(sandbox) -> httpx.Client:
    """Netlify's API as the token's user has it (what someone does in Netlify's UI, done here)."""
    env = sandbox.environment()
    return httpx.Client(
        base_url=env["DANDIOPS_NETLIFY_API_URL"], headers={"Authorization": f"Bearer {env['NETLIFY_AUTH_TOKEN']}"}
    )


def _production_site(netlify):
    return next(site for site in netlify.state.sites.values() if site.production_branch == "release")


def test_a_new_commit_on_release_makes_production_pending_until_setup_publishes_it(cli, netlify, gh_state, repo):
    assert cli("frontend", "setup", "-e", "production", "--yes").exit_code == 0
    assert cli("frontend", "status", "-e", "production").exit_code == 0

    moved = gh_state.commit_files(repo, "release", {"web/NEWS.md": b"A release\n"}, "Release", push_event=False)
    status = cli("frontend", "status", "-e", "production", "--json")
    assert status.exit_code == ExitCode.CHECK_FAILED, status
    assert [(c["action"], c["after"]) for c in status.json()["changes"]] == [("build", f"release @ {moved.sha[:7]}")]

    builds = len(netlify.state.builds)
    published = cli("frontend", "setup", "-e", "production", "--yes")
    assert published.exit_code == 0, published
    assert len(netlify.state.builds) == builds + 1
    assert _production_site(netlify).published_deploy.commit_ref == moved.sha
    assert cli("frontend", "status", "-e", "production").exit_code == 0


def test_a_failed_deploy_of_the_head_is_built_again_and_one_under_way_is_followed(
    cli, sandbox, netlify, gh_state, repo
):
    _toml(gh_state, repo, PLUGIN)  # no contexts: the site's own variables are the build's
    assert cli("frontend", "setup", "-e", "staging").exit_code == 0
    head = repo.branch_sha("master")
    with _netlify_api(sandbox) as api:
        team, site_id = netlify.state.TEAM_SLUG, _site(netlify).id
        removed = api.delete(f"/accounts/{team}/env/VITE_APP_DANDI_API_ROOT", params={"site_id": site_id})
        assert removed.status_code == 204
        failed = cli("frontend", "deploy", "-e", "staging")
        assert failed.exit_code == ExitCode.FAILURE and "API URL not defined" in failed.stderr
        restored = api.post(
            f"/accounts/{team}/env",
            params={"site_id": site_id},
            json=[
                {
                    "key": "VITE_APP_DANDI_API_ROOT",
                    "scopes": ["builds"],
                    "values": [{"context": "all", "value": API_ROOT}],
                    "is_secret": False,
                }
            ],
        )
        assert restored.status_code == 201

    status = cli("frontend", "status", "-e", "staging", "--json")
    assert status.exit_code == ExitCode.CHECK_FAILED, status
    assert status.json()["deploy"]["state"] == "error" and status.json()["head"] == head
    assert [(c["action"], c["after"]) for c in status.json()["changes"]] == [("build", f"master @ {head[:7]}")]

    netlify.state.pace = BuildPace(state_seconds=3600)  # the build goes on past every --timeout below
    started = cli("frontend", "setup", "-e", "staging", "--timeout", "0.2")
    assert started.exit_code == ExitCode.TIMEOUT, started
    builds = len(netlify.state.builds)
    under_way = cli("frontend", "status", "-e", "staging", "--json").json()
    assert [c["action"] for c in under_way["changes"]] == ["follow"]
    followed = cli("frontend", "setup", "-e", "staging", "--timeout", "0.2")
    assert followed.exit_code == ExitCode.TIMEOUT, followed
    assert f"deploy {under_way['deploy']['id']}" in followed.stderr
    assert len(netlify.state.builds) == builds  # no second build of the same commit
