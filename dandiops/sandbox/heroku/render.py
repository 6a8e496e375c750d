"""State objects rendered as the Platform API renders them (shapes from the published schema)."""

from __future__ import annotations

from dandiops.sandbox.heroku.schema import example
from dandiops.sandbox.heroku.state import Addon, App, Collaborator, Dyno, Formation, HerokuState, Release

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


def app_ref(app: App) -> dict:
    return {"id": app.id, "name": app.name}


def account(state: HerokuState) -> dict:
    body = example("account")
    body.update(
        id=state.account_id,
        email=state.account_email,
        name="Sandbox Operator",
        verified=True,
        two_factor_authentication=True,
        default_team=None,
        default_organization=None,
        identity_provider=None,
        sms_number=None,
        suspended_at=None,
        delinquent_at=None,
    )
    return body


def app(state: HerokuState, app: App, base_url: str) -> dict:
    body = example("app")
    team = {"id": app.id[:8] + "-89ab-cdef-0123-456789abcdef", "name": app.team} if app.team else None
    body.update(
        acm=app.acm,
        archived_at=None,
        buildpack_provided_description="Python",
        build_stack={"id": app.stack_id, "name": app.stack},
        stack={"id": app.stack_id, "name": app.stack},
        created_at=app.created_at,
        updated_at=app.updated_at,
        released_at=app.released_at,
        git_url=f"https://git.heroku.com/{app.name}.git",
        id=app.id,
        internal_routing=None,
        maintenance=app.maintenance,
        name=app.name,
        owner={"id": state.account_id, "email": app.owner_email},
        organization=team,
        team=team,
        region={"id": "59accabd-516d-4f0e-83e6-6e3757701145", "name": app.region},
        repo_size=None,
        slug_size=None,
        space=None,
        web_url=f"https://{app.name}.herokuapp.com/",
        generation={"id": "3a2c8c9f-7f3a-4e37-9a7b-4d8f3c5d6e70", "name": "cedar"},
    )
    return body


def formation(app: App, item: Formation) -> dict:
    body = example("formation")
    body.update(
        app=app_ref(app),
        command=item.command,
        created_at=item.created_at,
        updated_at=item.updated_at,
        dyno_size={"id": item.id, "name": size_name(item.size)},
        id=item.id,
        quantity=item.quantity,
        size=size_name(item.size),
        type=item.type,
    )
    return body


def release(app: App, item: Release) -> dict:
    body = example("release")
    current = app.current_release
    body.update(
        addon_plan_names=list(item.addon_plan_names),
        artifacts=[{"type": "slug", "id": item.slug_id}] if item.slug_id else [],
        app=app_ref(app),
        created_at=item.created_at,
        updated_at=item.updated_at,
        description=item.description,
        id=item.id,
        slug={"id": item.slug_id} if item.slug_id else None,
        status=item.status,
        user={"id": item.id, "email": item.user_email},
        version=item.version,
        current=current is not None and current.id == item.id,
        output_stream_url=None,
        eligible_for_rollback=item.status == "succeeded",
    )
    return body


def dyno(app: App, item: Dyno) -> dict:
    body = example("dyno")
    body.update(
        attach_url=item.attach_url,
        command=item.command,
        created_at=item.created_at,
        id=item.id,
        name=item.name,
        release={"id": item.release_id or item.id, "version": item.release_version},
        app=app_ref(app),
        size=size_name(item.size),
        state=item.state,
        type=item.type,
        updated_at=item.updated_at,
    )
    return body


def addon(app: App, item: Addon) -> dict:
    body = example("add-on")
    service, _, plan = item.plan.partition(":")
    body.update(
        actions=[],
        addon_service={"id": item.service_id, "name": item.service},
        billing_entity={"id": app.id, "name": app.name, "type": "app"},
        app=app_ref(app),
        billed_price={"cents": 0, "contract": False, "unit": "month"},
        config_vars=list(item.config_vars),
        created_at=item.created_at,
        updated_at=item.updated_at,
        id=item.id,
        name=item.name,
        plan={"id": item.plan_id, "name": item.plan},
        provider_id=item.id[:13],
        provision_message="",
        state="provisioned",
        web_url=f"https://addons-sso.heroku.com/apps/{app.id}/addons/{item.id}",
    )
    return body


def addon_attachment(app: App, item: Addon) -> dict:
    body = example("add-on-attachment")
    body.update(
        addon={"id": item.id, "name": item.name, "app": app_ref(app)},
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
    body = example("team-app-collaborator" if team else "collaborator")
    body.update(
        app={"name": app.name, "id": app.id},
        created_at=item.created_at,
        updated_at=item.updated_at,
        id=item.id,
        permissions=[{"name": p, "description": _PERMISSION_TEXT.get(p, p)} for p in item.permissions],
        role=item.role,
        user={"email": item.email, "federated": False, "id": item.user_id},
    )
    return body


def team_member(state: HerokuState, member: dict) -> dict:
    body = example("team-member")
    body.update(
        created_at=member.get("created_at", "2026-01-01T00:00:00Z"),
        updated_at=member.get("updated_at", "2026-01-01T00:00:00Z"),
        email=member["email"],
        federated=False,
        id=member.setdefault("id", _stable_id(member["email"])),
        identity_provider=None,
        role=member.get("role", "member"),
        two_factor_authentication=True,
        user={"email": member["email"], "id": member["id"], "name": member["email"].split("@")[0]},
    )
    return body


def _stable_id(text: str) -> str:
    import uuid

    return str(uuid.uuid5(uuid.NAMESPACE_URL, text))
