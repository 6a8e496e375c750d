"""Who can reach the Heroku app: the runbook's "Access tab" as a step.

Team apps (the archive's apps belong to a team) take collaborators and permissions through
/teams/apps/{app}/collaborators; personal apps through /apps/{app}/collaborators, without
permissions. Adding someone already there with the same permissions writes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, TypedDict

from dandiops.core.errors import NotFoundError, UsageError
from dandiops.providers.api_json import JsonObject
from dandiops.steps.base import Change, Check, check_of_plan

if TYPE_CHECKING:
    from dandiops.app.context import Context

PERMISSIONS = ("view", "deploy", "operate", "manage")
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;.]+$")


def normalize_email(value: str) -> str:
    email = value.strip().lower()  # Heroku account emails are case-insensitive
    if not _EMAIL.match(email):
        raise UsageError(
            f"{value!r} is not an email address",
            hint="give the email of the person's Heroku account, e.g. maintainer@example.org",
        )
    return email


def parse_permissions(values: Iterable[str] | None) -> list[str] | None:
    """`deploy,operate` or repeated flags -> the permissions in Heroku's order, view always included."""
    if not values:
        return None
    asked = {part.strip().lower() for value in values for part in value.split(",") if part.strip()}
    unknown = sorted(asked - set(PERMISSIONS))
    if unknown:
        raise UsageError(
            f"unknown permission {', '.join(unknown)}",
            hint=f"choose from {', '.join(PERMISSIONS)} (comma-separated or repeated)",
        )
    return [p for p in PERMISSIONS if p in asked | {"view"}]


class Collaborator(TypedDict):
    email: str
    role: str | None
    permissions: list[str]  # in Heroku's order; empty on personal apps


@dataclass
class AppAccess:
    app: str
    team: str | None
    collaborators: list[Collaborator] = field(default_factory=list)

    def find(self, email: str) -> Collaborator | None:
        return next((c for c in self.collaborators if c["email"] == email), None)


def _summary(item: JsonObject, team: bool) -> Collaborator:
    permissions = [p["name"] for p in item.get("permissions") or []] if team else []
    return {
        "email": item["user"]["email"].lower(),
        "role": item.get("role"),
        "permissions": [p for p in PERMISSIONS if p in permissions],
    }


def read_access(ctx: "Context") -> AppAccess:
    heroku = ctx.heroku()
    name = ctx.env.heroku_app
    team = (heroku.app(name).get("team") or {}).get("name")
    access = AppAccess(app=name, team=team)
    items = heroku.collaborators(name, team=bool(team))
    access.collaborators = sorted((_summary(item, bool(team)) for item in items), key=lambda c: c["email"])
    return access


class AccessStep:
    """Make the given people collaborators (with permissions on team apps), or remove them."""

    name = "access"
    title = "App collaborators"

    def __init__(self, *, add: Iterable[str] = (), remove: Iterable[str] = (), permissions: list[str] | None = None):
        self.add = [normalize_email(e) for e in add]
        self.remove = [normalize_email(e) for e in remove]
        self.permissions = permissions
        self._access: AppAccess | None = None

    def access(self, ctx: "Context") -> AppAccess:
        if self._access is None:
            self._access = read_access(ctx)
        return self._access

    def plan(self, ctx: "Context") -> list[Change]:
        access = self.access(ctx)
        if self.permissions and not access.team:
            raise UsageError(
                f"{access.app} is a personal app: its collaborators have no separate permissions",
                hint="leave out --permissions",
            )
        wanted = self.permissions or ["view"]
        changes = []
        for email in self.add:
            current = access.find(email)
            if current is None:
                changes.append(
                    Change(
                        target=f"collaborator {email}",
                        action="add",
                        after=",".join(wanted) if access.team else "collaborator",
                    )
                )
            elif access.team and self.permissions and current["permissions"] != wanted:
                changes.append(
                    Change(
                        target=f"collaborator {email}",
                        action="update",
                        before=",".join(current["permissions"]),
                        after=",".join(wanted),
                    )
                )
        for email in self.remove:
            current = access.find(email)
            if current is not None:
                changes.append(
                    Change(
                        target=f"collaborator {email}",
                        action="remove",
                        before=",".join(current["permissions"]) or current["role"],
                    )
                )
        return changes

    def check(self, ctx: "Context") -> Check:
        return check_of_plan(self.plan(ctx), done="collaborators are as asked", counted="collaborator change")

    def apply(self, ctx: "Context", changes: list[Change]) -> list[Change]:
        access = self.access(ctx)
        heroku = ctx.heroku()
        for change in changes:
            email = change.target.removeprefix("collaborator ")
            if change.action == "add":
                assert change.after is not None  # plan() names every addition: permissions, or "collaborator"
                try:
                    heroku.add_collaborator(
                        access.app,
                        email,
                        team=bool(access.team),
                        permissions=change.after.split(",") if access.team else None,
                    )
                except NotFoundError:
                    raise NotFoundError(
                        f"no Heroku account uses {email}, so it cannot be added to {access.app}",
                        hint="Heroku adds only people who have signed up: ask them to create an account "
                        "(https://signup.heroku.com/) with that email, or use the email they signed up with",
                    ) from None
            elif change.action == "update":
                assert change.after is not None  # plan() names the permissions of every update
                heroku.set_collaborator_permissions(access.app, email, change.after.split(","))
            else:
                heroku.remove_collaborator(access.app, email, team=bool(access.team))
            ctx.record(f"access.{change.action}", email=email, permissions=change.after)
        return changes
