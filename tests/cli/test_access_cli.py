"""`dandiops access` over the stand-in: team apps through /teams/apps, personal apps through /apps."""

import pytest

from ops_helpers import PRODUCTION, STAGING, applied, mutations

MAINTAINER = "maintainer@dandi.test"  # has a Heroku account in the sandbox (HerokuState.users)


def collaborators(state, app=STAGING):
    return {c.email: c.permissions for c in state.apps[app].collaborators}


def test_list_shows_team_collaborators_and_permissions(cli, heroku_state):
    result = cli("access", "list", "-e", "staging", "--json")
    assert result.exit_code == 0, result
    data = result.json()
    assert data["team"] == "dandi-sandbox"
    assert data["collaborators"] == [
        {"email": "operator@example.org", "role": "admin", "permissions": ["view", "deploy", "operate", "manage"]}
    ]
    assert any(r.path == f"/teams/apps/{STAGING}/collaborators" for r in heroku_state.requests)
    human = cli("access", "list", "-e", "staging")
    assert "operator@example.org" in human.stdout and "view,deploy,operate,manage" in human.stdout


def test_add_to_a_team_app_with_permissions(cli, heroku_state, audit_lines):
    result = cli("access", "add", "Maintainer@Dandi.test", "-p", "deploy,operate", "-e", "staging", "--json")
    assert result.exit_code == 0, result
    [change] = result.json()["changes"]
    assert (change["action"], change["after"]) == ("add", "view,deploy,operate")
    [post] = applied(heroku_state)
    assert (post.method, post.path) == ("POST", f"/teams/apps/{STAGING}/collaborators")
    assert post.body == {"user": MAINTAINER, "silent": False, "permissions": ["view", "deploy", "operate"]}
    assert collaborators(heroku_state)[MAINTAINER] == ["view", "deploy", "operate"]
    [entry] = audit_lines()
    assert (entry["action"], entry["detail"]["email"]) == ("access.add", MAINTAINER)


def test_add_defaults_to_view_and_is_idempotent(cli, heroku_state):
    first = cli("access", "add", MAINTAINER, "-e", "staging")
    second = cli("access", "add", MAINTAINER, "-e", "staging", "--json")
    assert first.exit_code == 0 and second.exit_code == 0, second
    assert collaborators(heroku_state)[MAINTAINER] == ["view"]
    assert second.json()["changes"] == []
    assert "nothing to change" in second.stderr
    assert len(applied(heroku_state)) == 1


def test_new_permissions_for_someone_already_there_are_patched(cli, heroku_state):
    cli("access", "add", MAINTAINER, "-e", "staging")
    result = cli("access", "add", MAINTAINER, "-p", "deploy", "-p", "manage", "-e", "staging", "--json")
    assert result.exit_code == 0, result
    [change] = result.json()["changes"]
    assert (change["action"], change["before"], change["after"]) == ("update", "view", "view,deploy,manage")
    assert [r.method for r in applied(heroku_state)] == ["POST", "PATCH"]
    assert collaborators(heroku_state)[MAINTAINER] == ["view", "deploy", "manage"]


def test_remove_and_remove_again(cli, heroku_state):
    cli("access", "add", MAINTAINER, "-e", "staging")
    first = cli("access", "remove", MAINTAINER, "-e", "staging")
    second = cli("access", "remove", MAINTAINER, "-e", "staging", "--json")
    assert first.exit_code == 0 and second.exit_code == 0
    assert MAINTAINER not in collaborators(heroku_state)
    assert second.json()["changes"] == []
    assert [(r.method, r.path) for r in applied(heroku_state)][-1] == (
        "DELETE",
        f"/teams/apps/{STAGING}/collaborators/{MAINTAINER}",
    )


@pytest.mark.parametrize("args", [["add", MAINTAINER, "-p", "deploy"], ["remove", "operator@example.org"]])
def test_dry_run_writes_nothing(cli, heroku_state, audit_lines, args):
    before = collaborators(heroku_state)
    result = cli("access", *args, "-e", "staging", "--dry-run", "--json")
    assert result.exit_code == 0, result
    assert result.json()["dry_run"] is True and len(result.json()["changes"]) == 1
    assert "would " in result.stderr
    assert mutations(heroku_state) == []
    assert collaborators(heroku_state) == before
    assert audit_lines() == []


def test_unknown_collaborator_email_is_a_clear_error_and_changes_nothing(cli, heroku_state, audit_lines):
    before = collaborators(heroku_state)
    result = cli("access", "add", "nobody@example.org", "-e", "staging")
    assert result.exit_code == 5, result
    assert (
        "no Heroku account uses nobody@example.org, so it cannot be added to dandi-sandbox-api-staging" in result.stderr
    )
    assert "https://signup.heroku.com/" in result.stderr
    assert applied(heroku_state) == []
    assert collaborators(heroku_state) == before
    assert audit_lines() == []


@pytest.mark.parametrize(
    "args, message",
    [
        (["add", "not-an-email"], "'not-an-email' is not an email address"),
        (["add", "two@one.org,three@one.org"], "is not an email address"),
        (["remove", "@dandi.test"], "'@dandi.test' is not an email address"),
        (["add", MAINTAINER, "-p", "deploy,admin"], "unknown permission admin"),
    ],
)
def test_bad_input_is_refused_before_any_request(cli, heroku_state, args, message):
    result = cli("access", *args, "-e", "staging")
    assert result.exit_code == 2, result
    assert message in result.stderr and "hint:" in result.stderr
    assert heroku_state.requests == []


def test_personal_apps_use_the_app_endpoints(cli, heroku_state):
    heroku_state.apps[STAGING].team = None
    listed = cli("access", "list", "-e", "staging", "--json")
    assert listed.exit_code == 0 and listed.json()["team"] is None
    added = cli("access", "add", MAINTAINER, "-e", "staging")
    assert added.exit_code == 0, added
    [post] = applied(heroku_state)
    assert (post.path, post.body) == (f"/apps/{STAGING}/collaborators", {"user": MAINTAINER, "silent": False})
    refused = cli("access", "add", "curator@dandi.test", "-p", "deploy", "-e", "staging")
    assert refused.exit_code == 2
    assert "personal app" in refused.stderr
    assert len(applied(heroku_state)) == 1


def test_production_needs_confirmation(cli, heroku_state):
    refused = cli("access", "add", MAINTAINER, "-e", "production")
    assert refused.exit_code == 2 and "pass --yes" in refused.stderr
    assert mutations(heroku_state) == []
    confirmed = cli("access", "add", MAINTAINER, "-e", "production", "--yes")
    assert confirmed.exit_code == 0, confirmed
    assert MAINTAINER in collaborators(heroku_state, PRODUCTION)


def test_the_stand_in_lists_team_permissions_and_account_features(sandbox):
    """What the official CLI reads around `heroku access` and `heroku labs` (validated against the schema)."""
    from dandiops.providers.heroku import HerokuClient

    with HerokuClient(sandbox.heroku.api_key, base_url=sandbox.heroku.url) as client:
        assert [p["name"] for p in client.get("/teams/permissions")] == ["view", "deploy", "operate", "manage"]
        assert client.get("/account/features") == []
        assert [f["name"] for f in client.get(f"/apps/{STAGING}/features")][:1] == ["log-runtime-metrics"]
