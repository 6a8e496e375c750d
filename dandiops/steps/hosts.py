"""ALLOWED_HOSTS and CORS origins: read, merge, and PATCH only the keys that change."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

from dandiops.archive.deployment import ALLOWED_HOSTS_VAR, CORS_ORIGINS_VAR
from dandiops.archive.hosts import normalize_host, normalize_origin, split_list
from dandiops.steps.base import Change, Check, Status

if TYPE_CHECKING:
    from dandiops.steps.context import Context


@dataclass
class ListEdit:
    var: str
    add: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)

    def change(self, current: str | None) -> Change | None:
        """The resulting change, or None when the list already says what was asked."""
        items = split_list(current)
        result = list(items)
        for item in self.add:
            if item not in result:
                result.append(item)
        result = [item for item in result if item not in self.remove]
        if result == items:
            return None
        return Change(target=f"config var {self.var}", action="set", before=current or "", after=",".join(result))


def host_edit(add: Iterable[str] = (), remove: Iterable[str] = ()) -> ListEdit:
    return ListEdit(ALLOWED_HOSTS_VAR, [normalize_host(h) for h in add], [normalize_host(h) for h in remove])


def origin_edit(add: Iterable[str] = (), remove: Iterable[str] = ()) -> ListEdit:
    return ListEdit(CORS_ORIGINS_VAR, [normalize_origin(o) for o in add], [normalize_origin(o) for o in remove])


def current_lists(ctx: "Context") -> dict[str, list[str]]:
    """The allowed hosts and CORS origins the app has now."""
    config = ctx.heroku().config_vars(ctx.env.heroku_app)
    return {"allowed_hosts": split_list(config.get(ALLOWED_HOSTS_VAR)),
            "cors_allowed_origins": split_list(config.get(CORS_ORIGINS_VAR))}


class AllowedHostsStep:
    """Make DJANGO_ALLOWED_HOSTS and DJANGO_CORS_ALLOWED_ORIGINS include (or exclude) the given values."""

    name = "hosts"
    title = "ALLOWED_HOSTS and CORS origins"

    def __init__(self, edits: list[ListEdit]):
        self.edits = [edit for edit in edits if edit.add or edit.remove]

    @classmethod
    def from_environment(cls, ctx: "Context") -> "AllowedHostsStep":
        """What the environment's api_url and web_url imply."""
        from urllib.parse import urlsplit

        env = ctx.env
        hosts = [urlsplit(env.api_url).hostname] if env.api_url else []
        origins = [env.web_url.rstrip("/")] if env.web_url else []
        return cls([host_edit(add=hosts), origin_edit(add=origins)])

    def plan(self, ctx: "Context") -> list[Change]:
        config = ctx.heroku().config_vars(ctx.env.heroku_app)
        return [change for edit in self.edits if (change := edit.change(config.get(edit.var))) is not None]

    def check(self, ctx: "Context") -> Check:
        changes = self.plan(ctx)
        if not changes:
            return Check(Status.OK, "hosts and origins are in place")
        return Check(Status.PENDING, f"{len(changes)} config var(s) to update", [c.describe() for c in changes])

    def apply(self, ctx: "Context", changes: list[Change]) -> list[Change]:
        if not changes:
            return []
        body = {change.target.removeprefix("config var "): change.after for change in changes}
        ctx.heroku().update_config_vars(ctx.env.heroku_app, body)
        ctx.record("config-vars.set", keys=sorted(body))
        return changes
