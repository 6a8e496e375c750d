"""The Heroku stand-in over raw HTTP: what Heroku answers beyond response shapes (error bodies on any
path, what `Accept-Inclusion` and `Accept-Expansion` add, the values of fields, refused changes).
Every answer is also checked against the schema by the `sandbox` fixture."""

from __future__ import annotations

import httpx
import pytest

STAGING = "dandi-sandbox-api-staging"
PRODUCTION = "dandi-sandbox-api"
INCLUSION = {"Accept-Inclusion": "addon:plan,config_vars"}
EXPANSION = {"Accept-Expansion": "addon_service,plan"}


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


def test_attachments_carry_their_plan_and_config_vars_only_when_asked(api):
    plain = api.get(f"/apps/{PRODUCTION}/addon-attachments").json()
    assert all("config_vars" not in a and "plan" not in a["addon"] for a in plain)

    included = {a["name"]: a for a in api.get(f"/apps/{PRODUCTION}/addon-attachments", headers=INCLUSION).json()}
    assert included["DATABASE"]["config_vars"] == ["DATABASE_URL"]
    assert included["DATABASE"]["addon"]["plan"]["name"] == "heroku-postgresql:standard-0"
    assert included["CLOUDAMQP"]["config_vars"] == ["CLOUDAMQP_APIKEY", "CLOUDAMQP_URL"]

    body = {"app": PRODUCTION, "addon_attachment": "DATABASE_URL"}
    [resolved] = api.post("/actions/addon-attachments/resolve", json=body, headers=INCLUSION).json()
    assert resolved["addon"]["plan"]["name"] == "heroku-postgresql:standard-0"
    assert resolved["config_vars"] == ["DATABASE_URL"]


def test_addons_are_billed_at_their_plans_price_and_expand_when_asked(api):
    plain = {a["plan"]["name"]: a for a in api.get(f"/apps/{PRODUCTION}/addons").json()}
    assert set(plain["heroku-postgresql:standard-0"]["plan"]) == {"id", "name"}
    assert plain["heroku-postgresql:standard-0"]["billed_price"] == {"cents": 5000, "contract": False, "unit": "month"}
    assert plain["papertrail:fredrik"]["billed_price"]["cents"] > plain["cloudamqp:squirrel-1"]["billed_price"]["cents"]

    [postgres] = api.post(
        "/actions/addons/resolve", json={"app": PRODUCTION, "addon": "DATABASE"}, headers=EXPANSION
    ).json()
    assert postgres["plan"]["price"] == plain["heroku-postgresql:standard-0"]["billed_price"]
    assert postgres["plan"]["id"] == plain["heroku-postgresql:standard-0"]["plan"]["id"]
    assert postgres["addon_service"]["human_name"] == "Heroku Postgres"

    refused = api.post(f"/apps/{STAGING}/addons", json={"plan": "heroku-postgresql:no-such-plan"})
    assert refused.status_code == 422
    assert "heroku-postgresql:no-such-plan" in refused.json()["message"]


def test_releases_name_the_user_and_slug_and_keep_their_config(api):
    account = api.get("/account").json()
    initial, deploy = api.get(f"/apps/{STAGING}/releases", headers={"Range": "version ..; order=asc"}).json()
    assert deploy["user"] == {"id": account["id"], "email": account["email"]}
    assert deploy["user"]["id"] != deploy["id"]
    assert initial["slug"] is None
    assert deploy["slug"] == {"id": deploy["artifacts"][0]["id"]}

    assert api.patch(f"/apps/{STAGING}/config-vars", json={"FOO": "bar"}).is_success
    assert "FOO" not in api.get(f"/apps/{STAGING}/releases/2/config-vars").json()
    assert api.get(f"/apps/{STAGING}/releases/3/config-vars").json()["FOO"] == "bar"

    rollback = api.post(f"/apps/{STAGING}/releases", json={"release": deploy["id"]})
    assert rollback.status_code == 201
    assert (rollback.json()["description"], rollback.json()["slug"]) == ("Rollback to v2", deploy["slug"])
    assert "FOO" not in api.get(f"/apps/{STAGING}/config-vars").json()


def test_a_team_app_is_owned_by_its_team_and_weighs_its_slug(api):
    app = api.get(f"/apps/{STAGING}").json()
    assert app["owner"]["email"] == "dandi-sandbox@herokumanager.com"
    assert app["owner"]["id"] != api.get("/account").json()["id"]
    assert app["team"]["name"] == "dandi-sandbox"
    assert app["slug_size"] > 0 and app["repo_size"] is None

    [listed] = [a for a in api.get("/teams/dandi-sandbox/apps").json() if a["name"] == STAGING]
    assert listed["owner"] == app["owner"]
    assert api.get("/users/~/apps").json() == []


def test_app_settings_change_as_heroku_takes_them(api, heroku_state):
    assert api.patch(f"/apps/{STAGING}", json={"maintenance": True}).json()["maintenance"] is True

    for refused in ({"maintenance": "yes"}, {"name": PRODUCTION}, {"name": "Not A Name"}, {"build_stack": "cedar-14"}):
        response = api.patch(f"/apps/{STAGING}", json=refused)
        assert response.status_code == 422 and response.json()["id"] == "invalid_params"
    assert heroku_state.apps[STAGING].stack == "heroku-24"

    renamed = api.patch(f"/apps/{STAGING}", json={"name": "renamed-staging"}).json()
    assert renamed["name"] == "renamed-staging" and renamed["maintenance"] is True
    assert api.get(f"/apps/{STAGING}").status_code == 404


def test_domains_and_certificate_management_follow_each_other(api):
    added = api.post(f"/apps/{STAGING}/domains", json={"hostname": "www.dandi.test", "sni_endpoint": None})
    assert added.status_code == 201
    assert (added.json()["status"], added.json()["acm_status"]) == ("pending", "pending")
    assert api.get(f"/apps/{STAGING}/domains/www.dandi.test").json()["status"] == "succeeded"

    taken = api.post(f"/apps/{PRODUCTION}/domains", json={"hostname": "www.dandi.test", "sni_endpoint": None})
    assert taken.status_code == 422 and "another app" in taken.json()["message"]
    missing = api.post(f"/apps/{PRODUCTION}/domains", json={"hostname": "docs.dandi.test"})
    assert missing.status_code == 422 and "sni_endpoint" in missing.json()["message"]

    assert api.delete(f"/apps/{STAGING}/acm").json()["acm"] is False
    assert {d["acm_status"] for d in api.get(f"/apps/{STAGING}/domains").json()} == {None}
    assert api.post(f"/apps/{STAGING}/acm", json={}).json()["acm"] is True
    custom = [d for d in api.get(f"/apps/{STAGING}/domains").json() if d["kind"] == "custom"]
    assert {d["acm_status"] for d in custom} == {"pending"}
    own = api.delete(f"/apps/{STAGING}/domains/{STAGING}.herokuapp.com")
    assert own.status_code == 422


def test_a_team_app_takes_a_collaborator_through_the_personal_endpoint(api):
    added = api.post(
        f"/apps/{STAGING}/collaborators", json={"user": "maintainer@dandi.test", "permissions": ["manage"]}
    )
    assert added.status_code == 201
    assert [p["name"] for p in added.json()["permissions"]] == ["view", "deploy", "operate"]
    team_view = api.get(f"/teams/apps/{STAGING}/collaborators/maintainer@dandi.test").json()
    assert team_view["role"] == "collaborator"

    personal = api.post("/apps", json={"name": "own-app"})
    assert personal.status_code == 201
    assert api.post("/teams/apps/own-app/collaborators", json={"user": "maintainer@dandi.test"}).status_code == 422
