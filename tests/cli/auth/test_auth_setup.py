"""`dandiops auth setup` against the miniature archive: the dyno really runs, the rows are read back."""

from __future__ import annotations

import json
import tomllib
from urllib.parse import urlsplit

STAGING_APP = "dandi-sandbox-api-staging"
SECRET = "f3c1a8d2e47b9c0d5a6e1f2b3c4d5e6f7a8b9c0d"
OTHER_SECRET = "0badc0ffee0badc0ffee0badc0ffee0badc0ffee"
GITHUB_ID = "Iv1.5a1b2c3d4e5f6a7b"
WEB_CLIENT_ID = "dandi-web-sandbox-7Q2"
DEFAULT_CLIENT_ID = "Dk0zosgt1GAAKfN8LT4STJmLJXwMDPbYWYzfNtAl"
SETUP = ("auth", "setup", "-e", "staging", "--github-client-id", GITHUB_ID, "--oauth-client-id", WEB_CLIENT_ID)


def api_url(sandbox) -> str:
    return tomllib.loads(sandbox.config_path.read_text())["environments"]["staging"]["api_url"]


def test_setup_configures_site_github_app_and_oauth_application_in_one_dyno(
    cli, sandbox, staging, audit_lines, dyno_posts
):
    result = cli(*SETUP, "--github-client-secret-stdin", "--json", input=SECRET + "\n")
    assert result.exit_code == 0, result
    host = urlsplit(api_url(sandbox)).hostname
    data = result.json()
    assert data["changed"] is True and data["dry_run"] is False
    assert data["github_app"]["callback_url"] == f"https://{host}/accounts/github/login/callback/"
    assert data["oauth_application"] == {"client_id": WEB_CLIENT_ID, "redirect_uris": ["https://staging.dandi.test/"]}
    assert {(c["target"], c["action"]) for c in data["changes"]} >= {
        ("Site 1 domain", "set"),
        ("social application github", "create"),
        ("social application github secret", "set"),
        ("OAuth application redirect_uris", "set"),
    }

    rows = staging.auth_rows()
    assert rows["sites"] == [{"id": 1, "domain": host, "name": host}]
    [github] = rows["social_apps"]
    assert (github["provider"], github["name"], github["client_id"], github["secret"], github["sites"]) == (
        "github",
        "GitHub",
        GITHUB_ID,
        SECRET,
        [1],
    )
    # The migration's default application became the web app's: no second application, no localhost.
    [web] = rows["applications"]
    assert (
        web["client_id"],
        web["name"],
        web["redirect_uris"],
        web["client_type"],
        web["grant"],
        web["skip_authorization"],
    ) == (WEB_CLIENT_ID, "DANDI GUI", "https://staging.dandi.test/", "public", "authorization-code", True)

    [post] = dyno_posts()
    assert SECRET not in post.body["command"] and GITHUB_ID not in post.body["command"]
    assert post.body["env"]["DANDIOPS_GITHUB_CLIENT_SECRET"] == SECRET
    lines = audit_lines()
    assert [line["action"] for line in lines] == ["auth.site.set", "auth.github-app.set", "auth.oauth-application.set"]
    assert lines[1]["detail"]["fields"] == ["created", "client_id", "secret", "sites"]
    everything = result.stdout + result.stderr + json.dumps(lines)
    assert SECRET not in everything
    app_log = "\n".join(sandbox.heroku.state.log_lines[STAGING_APP])
    assert "DANDIOPS-RESULT" in app_log and SECRET not in app_log


def test_a_second_run_reports_no_change_and_writes_nothing(cli, staging, audit_lines):
    first = cli(*SETUP, env={"DANDIOPS_GITHUB_CLIENT_SECRET": SECRET})
    assert first.exit_code == 0, first
    before, rows = staging.fingerprint(), staging.auth_rows()
    again = cli(*SETUP, "--json", env={"DANDIOPS_GITHUB_CLIENT_SECRET": SECRET})
    assert again.exit_code == 0, again
    assert (again.json()["changed"], again.json()["changes"]) == (False, [])
    assert "sign-in is already set up on dandi-sandbox-api-staging; nothing changed" in again.stderr
    assert staging.fingerprint() == before  # not even an UPDATE with equal values
    assert staging.auth_rows() == rows
    assert len(audit_lines()) == 3  # only the first run's
    assert SECRET not in again.stdout + again.stderr


def test_human_output_names_the_callback_url_and_hides_the_secret(cli, sandbox):
    result = cli(*SETUP, "--github-client-secret-stdin", input=SECRET)
    assert result.exit_code == 0, result
    host = urlsplit(api_url(sandbox)).hostname
    assert f"GitHub OAuth App callback URL: https://{host}/accounts/github/login/callback/" in result.stdout
    assert f"VITE_APP_OAUTH_CLIENT_ID): {WEB_CLIENT_ID}" in result.stdout
    assert "set social application github secret (secret value hidden)" in result.stderr
    assert SECRET not in result.stdout + result.stderr


def test_dry_run_names_the_app_and_reports_the_plan_from_a_read_only_dyno(cli, staging, audit_lines, dyno_posts):
    before = staging.fingerprint()
    result = cli(*SETUP, "--dry-run", "--json", env={"DANDIOPS_GITHUB_CLIENT_SECRET": SECRET})
    assert result.exit_code == 0, result
    data = result.json()
    assert data["dry_run"] is True and data["changed"] is False
    planned = {c["target"]: c for c in data["changes"]}
    assert planned["Site 1 domain"]["before"] == "api.dandiarchive.org"
    assert planned["OAuth application client_id"]["before"] == DEFAULT_CLIENT_ID
    assert planned["OAuth application redirect_uris"] == {
        "target": "OAuth application redirect_uris",
        "action": "set",
        "before": "http://localhost:8085/",
        "after": "https://staging.dandi.test/",
        "secret": False,
    }
    assert "would change" in result.stderr
    assert f"dry run of setting up sign-in: environment staging, app {STAGING_APP}" in result.stderr
    assert staging.fingerprint() == before
    assert audit_lines() == []
    [post] = dyno_posts()
    assert "DANDIOPS_GITHUB_CLIENT_SECRET" not in post.body["env"]  # a plan gets an HMAC, never the secret
    assert SECRET not in json.dumps(post.body)


def test_a_new_secret_is_the_only_change(cli, staging, audit_lines):
    assert cli(*SETUP, env={"DANDIOPS_GITHUB_CLIENT_SECRET": SECRET}).exit_code == 0
    plan = cli(*SETUP, "--dry-run", "--json", env={"DANDIOPS_GITHUB_CLIENT_SECRET": OTHER_SECRET})
    assert plan.exit_code == 0, plan
    assert plan.json()["changes"] == [
        {"target": "social application github secret", "action": "set", "before": None, "after": None, "secret": True}
    ]
    applied = cli(*SETUP, "--json", env={"DANDIOPS_GITHUB_CLIENT_SECRET": OTHER_SECRET})
    assert applied.exit_code == 0, applied
    assert staging.auth_rows()["social_apps"][0]["secret"] == OTHER_SECRET
    assert audit_lines()[-1]["action"] == "auth.github-app.set"
    assert audit_lines()[-1]["detail"]["fields"] == ["secret"]
    for result in (plan, applied):
        assert SECRET not in result.stdout + result.stderr and OTHER_SECRET not in result.stdout + result.stderr
    assert OTHER_SECRET not in json.dumps(audit_lines())


def test_redirect_uris_added_by_hand_are_kept_and_the_default_one_replaced(cli, staging):
    staging.run(
        "from oauth2_provider.models import Application as A; "
        "A.objects.filter(client_id='Dk0zosgt1GAAKfN8LT4STJmLJXwMDPbYWYzfNtAl')"
        ".update(client_id='" + WEB_CLIENT_ID + "', redirect_uris='http://localhost:8085/ "
        "https://preview.staging.dandi.test/')"
    )
    result = cli(*SETUP, "--json", env={"DANDIOPS_GITHUB_CLIENT_SECRET": SECRET})
    assert result.exit_code == 0, result
    assert result.json()["oauth_application"]["redirect_uris"] == [
        "https://staging.dandi.test/",
        "https://preview.staging.dandi.test/",
    ]
    [web] = staging.auth_rows()["applications"]
    assert web["redirect_uris"] == "https://staging.dandi.test/ https://preview.staging.dandi.test/"


def test_two_github_apps_on_the_site_are_refused_and_nothing_changes(cli, staging, audit_lines):
    staging.run(
        "from allauth.socialaccount.models import SocialApp\n"
        "for n in ('one', 'two'):\n"
        "    SocialApp.objects.create(provider='github', name=n, client_id=n, secret='x').sites.add(1)"
    )
    before = staging.fingerprint()
    result = cli(*SETUP, env={"DANDIOPS_GITHUB_CLIENT_SECRET": SECRET})
    assert result.exit_code == 10, result
    assert "2 github social applications are attached to Site 1" in result.stderr
    assert "changed nothing" in result.stderr and "/admin/" in result.stderr
    assert staging.fingerprint() == before
    assert audit_lines() == []
