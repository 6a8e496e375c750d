"""State objects rendered as the Platform API renders them (shapes from the published schema)."""

from __future__ import annotations

from typing import Any, Collection

from dandiops.sandbox.heroku import catalogue
from dandiops.sandbox.heroku.schema import example
from dandiops.sandbox.heroku.state import (
    Addon,
    App,
    Collaborator,
    Domain,
    Dyno,
    Formation,
    HerokuState,
    Release,
    stable_id,
    team_id,
    user_id,
)

SIZE_NAMES = {
    "basic": "Basic",
    "eco": "Eco",
    "standard-1x": "Standard-1X",
    "standard-2x": "Standard-2X",
    "performance-m": "Performance-M",
    "performance-l": "Performance-L",
}


def size_name(size: str) -> str:
    return SIZE_NAMES.get(size.lower(), size)


def shaped(kind: str, item: object, copied: str, **values: Any) -> dict:
    """The `kind` of resource as the schema's example lays it out, with the attributes of `item` that
    `copied` names (space-separated) as they are, then `values`."""
    body = example(kind)
    body.update({name: getattr(item, name) for name in copied.split()}, **values)
    return body


def app_ref(app: App) -> dict:
    return {"id": app.id, "name": app.name}


def account(state: HerokuState) -> dict:
    body = example("account")
    # no default team, single sign-on, phone, suspension or debt
    absent = (
        "default_team",
        "default_organization",
        "identity_provider",
        "sms_number",
        "suspended_at",
        "delinquent_at",
    )
    body.update(
        dict.fromkeys(absent),
        id=state.account_id,
        email=state.account_email,
        name="Sandbox Operator",
        verified=True,
        two_factor_authentication=True,
    )
    return body


def stack_ref(name: str) -> dict:
    return {"id": stable_id("stack", name), "name": name}


def team_ref(name: str) -> dict:
    return {"id": team_id(name), "name": name}


def owner_email(app: App) -> str:
    """Heroku shows a team app as owned by the team's default owner, `<team>@herokumanager.com`."""
    return f"{app.team}@herokumanager.com" if app.team else app.owner_email


def authorization(state: HerokuState) -> dict:
    """The account's OAuth authorization whose access token is the sandbox's API key."""
    body = example("oauth-authorization")
    ident = stable_id("oauth-authorization", state.account_email)
    body.update(
        dict.fromkeys(("client", "grant", "refresh_token", "session")),  # made by hand, with no OAuth client
        access_token={"expires_in": None, "id": stable_id("oauth-token", ident), "token": state.api_key},
        created_at="2026-01-01T00:00:00Z",
        description="dandiops sandbox",
        id=ident,
        scope=["global"],
        updated_at="2026-01-01T00:00:00Z",
        user={"id": state.account_id, "email": state.account_email, "full_name": "Sandbox Operator"},
    )
    return body


def team(state: HerokuState, name: str) -> dict:
    """A Heroku Team (not an Enterprise one) as its admin, the key's account, sees it."""
    members = state.teams.get(name, [])
    mine = next((m for m in members if m["email"] == state.account_email), None)
    body = example("team")
    body.update(
        dict.fromkeys(("enterprise_account", "identity_provider", "membership_limit")),  # a plain Heroku Team's
        id=team_id(name),
        created_at="2026-01-01T00:00:00Z",
        credit_card_collections=True,
        default=False,
        name=name,
        provisioned_licenses=False,
        role=mine.get("role", "member") if mine else None,
        type="team",
        updated_at="2026-01-01T00:00:00Z",
    )
    return body


# A Heroku Team's features: the team invites members directly (no invitation to accept), and it
# is not an Enterprise team, so it lacks `org-access-controls` and `heroku access:add` adds
# collaborators through /apps/{app}/collaborators.
TEAM_FEATURES = (
    (
        "team-invite-acceptance",
        "Team invite acceptance",
        "Members added to the team must accept an invitation before they join.",
        False,
    ),
)


def team_feature(team: str, feature: tuple[str, str, str, bool]) -> dict:
    name, display_name, description, enabled = feature
    body = example("team-feature")
    body.update(
        created_at="2026-01-01T00:00:00Z",
        description=description,
        doc_url="https://devcenter.heroku.com/articles/heroku-teams",
        enabled=enabled,
        id=stable_id("team-feature", f"{team}:{name}"),
        name=name,
        state="general",
        updated_at="2026-01-01T00:00:00Z",
        display_name=display_name,
        feedback_email="feedback@heroku.com",
    )
    return body


def app(state: HerokuState, app: App) -> dict:
    team = team_ref(app.team) if app.team else None
    return shaped(
        "app",
        app,
        "acm created_at updated_at released_at id maintenance name slug_size",
        archived_at=None,
        buildpack_provided_description="Python",
        build_stack=stack_ref(app.build_stack or app.stack),
        stack=stack_ref(app.stack),
        git_url=f"https://git.heroku.com/{app.name}.git",
        internal_routing=None,
        owner={"id": user_id(owner_email(app)), "email": owner_email(app)},
        organization=team,
        team=team,
        region={"id": "59accabd-516d-4f0e-83e6-6e3757701145", "name": app.region},
        repo_size=None,  # apps are deployed by builds of source tarballs, never by git pushes
        space=None,
        web_url=f"https://{app.name}.herokuapp.com/",
        generation={"id": "3a2c8c9f-7f3a-4e37-9a7b-4d8f3c5d6e70", "name": "cedar"},
    )


def team_app(state: HerokuState, item: App) -> dict:
    """The team-app shape: the app's fields the schema lists for it, plus joined and locked."""
    app_body = app(state, item)
    body = example("team-app")
    for key in body:
        if key in app_body:
            body[key] = app_body[key]
    body.update(joined=False, locked=False)
    body["team"] = {"name": item.team} if item.team else None
    return body


def formation(app: App, item: Formation) -> dict:
    return shaped(
        "formation",
        item,
        "command created_at updated_at id quantity type",
        app=app_ref(app),
        dyno_size={"id": item.id, "name": size_name(item.size)},
        size=size_name(item.size),
    )


def release(app: App, item: Release) -> dict:
    current = app.current_release
    return shaped(
        "release",
        item,
        "created_at updated_at description id status version",
        addon_plan_names=list(item.addon_plan_names),
        artifacts=[{"type": "slug", "id": item.slug_id}] if item.slug_id else [],
        app=app_ref(app),
        slug={"id": item.slug_id} if item.slug_id else None,
        user={"id": user_id(item.user_email), "email": item.user_email},
        current=current is not None and current.id == item.id,
        output_stream_url=None,
        eligible_for_rollback=item.status == "succeeded",
    )


def dyno(app: App, item: Dyno) -> dict:
    return shaped(
        "dyno",
        item,
        "attach_url command created_at id name state type updated_at",
        release={"id": item.release_id or item.id, "version": item.release_version},
        app=app_ref(app),
        size=size_name(item.size),
    )


def heroku_domain(app: App) -> Domain:
    """The app's own herokuapp.com domain, which every app has and none can remove."""
    return Domain(
        app.herokuapp_hostname,
        "heroku",
        status="none",
        id=stable_id("domain", app.id),
        created_at=app.created_at,
        updated_at=app.created_at,
    )


def domain(app: App, item: Domain) -> dict:
    copied = "acm_status acm_status_reason cname created_at hostname id kind updated_at status"
    return shaped("domain", item, copied, app={"name": app.name, "id": app.id}, sni_endpoint=None)


def addon(app: App, item: Addon, expand: Collection[str] = ()) -> dict:
    """An add-on; `expand` (Accept-Expansion) names the references shown as whole objects: addon_service, plan."""
    plan = catalogue.PLANS[item.plan]
    service = catalogue.SERVICES[item.service]
    return shaped(
        "add-on",
        item,
        "created_at updated_at id name",
        actions=[],
        addon_service=(
            catalogue.service_json(service) if "addon_service" in expand else {"id": service.id, "name": service.name}
        ),
        billing_entity={"id": app.id, "name": app.name, "type": "app"},
        app=app_ref(app),
        billed_price=catalogue.price(plan),
        config_vars=list(item.config_vars),
        plan=catalogue.plan_json(plan) if "plan" in expand else {"id": plan.id, "name": plan.full_name},
        provider_id=item.id[:13],
        provision_message="",
        state="provisioned",
        web_url=f"https://addons-sso.heroku.com/apps/{app.id}/addons/{item.id}",
    )


def addon_attachment(app: App, item: Addon, include: Collection[str] = ()) -> dict:
    """An add-on attachment; `include` (Accept-Inclusion) adds what the official CLI asks for:
    `addon:plan` (the add-on's plan id and name) and `config_vars` (the attachment's config vars)."""
    body = example("add-on-attachment")
    addon_ref = {"id": item.id, "name": item.name, "app": app_ref(app)}
    if "addon:plan" in include:
        plan = catalogue.PLANS[item.plan]
        addon_ref["plan"] = {"id": plan.id, "name": plan.full_name}
    if "config_vars" in include:
        body["config_vars"] = list(item.config_vars)
    body.update(
        addon=addon_ref,
        app=app_ref(app),
        created_at=item.created_at,
        updated_at=item.updated_at,
        id=item.attachment_id,
        name=item.attachment_name,
        namespace=None,
        web_url=f"https://addons-sso.heroku.com/apps/{app.id}/addons/{item.id}",
        log_input_url=None,
    )
    return body


_PERMISSION_TEXT = {
    "view": "Can view app",
    "deploy": "Can deploy to app",
    "operate": "Can manage app dynos, config vars and add-ons",
    "manage": "Can manage app access and settings",
}


def collaborator(app: App, item: Collaborator, *, team: bool = False) -> dict:
    return shaped(
        "team-app-collaborator" if team else "collaborator",
        item,
        "created_at updated_at id role",
        app={"name": app.name, "id": app.id},
        permissions=[{"name": p, "description": _PERMISSION_TEXT.get(p, p)} for p in item.permissions],
        user={"email": item.email, "federated": False, "id": item.user_id},
    )


def team_member(state: HerokuState, member: dict) -> dict:
    body = example("team-member")
    body.update(
        created_at=member.get("created_at", "2026-01-01T00:00:00Z"),
        updated_at=member.get("updated_at", "2026-01-01T00:00:00Z"),
        email=member["email"],
        federated=False,
        id=stable_id("team-member", member["email"]),
        identity_provider=None,
        role=member.get("role", "member"),
        two_factor_authentication=True,
        user={"email": member["email"], "id": user_id(member["email"]), "name": member["email"].split("@")[0]},
    )
    return body
