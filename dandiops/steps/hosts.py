"""ALLOWED_HOSTS and CORS origins: read, merge, and PATCH only the keys that change."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

from dandiops.archive.deployment import ALLOWED_HOSTS_VAR, CORS_ORIGINS_VAR
from dandiops.archive.hosts import allows, normalize_host, normalize_origin, split_list
from dandiops.core.errors import UsageError
from dandiops.steps.base import Change, Check, Status

if TYPE_CHECKING:
    from dandiops.steps.context import Context


@dataclass
class ListEdit:
    var: str
    add: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)
    ignore_case: bool = False  # Django matches host names in any case; CORS compares origins exactly

    def change(self, current: str | None) -> Change | None:
        """The resulting change, or None when the list already says what was asked."""
        key = str.lower if self.ignore_case else str
        items = split_list(current)
        result = list(items)
        for item in self.add:
            if key(item) not in {key(existing) for existing in result}:
                result.append(item)
        removed = {key(item) for item in self.remove}
        result = [item for item in result if key(item) not in removed]
        if result == items:
            return None
        return Change(target=f"config var {self.var}", action="set", before=current or "", after=",".join(result))


def host_edit(add: Iterable[str] = (), remove: Iterable[str] = ()) -> ListEdit:
    return ListEdit(ALLOWED_HOSTS_VAR, [normalize_host(h) for h in add], [normalize_host(h) for h in remove],
                    ignore_case=True)


def origin_edit(add: Iterable[str] = (), remove: Iterable[str] = ()) -> ListEdit:
    return ListEdit(CORS_ORIGINS_VAR, [normalize_origin(o) for o in add], [normalize_origin(o) for o in remove])


def current_lists(ctx: "Context") -> dict[str, list[str]]:
    """The allowed hosts and CORS origins the app has now."""
    config = ctx.heroku().config_vars(ctx.env.heroku_app)
    return {"allowed_hosts": split_list(config.get(ALLOWED_HOSTS_VAR)),
            "cors_allowed_origins": split_list(config.get(CORS_ORIGINS_VAR))}


def refuse_losing_api_host(ctx: "Context", changes: list[Change]) -> None:
    """A change that stops ALLOWED_HOSTS matching the environment's own API host breaks every request."""
    from urllib.parse import urlsplit

    api_host = urlsplit(ctx.env.api_url).hostname if ctx.env.api_url else None
    for change in changes:
        if api_host and change.target == f"config var {ALLOWED_HOSTS_VAR}" \
                and allows(split_list(change.before), api_host) and not allows(split_list(change.after), api_host):
            raise UsageError(
                f"refusing to stop allowing {api_host}, the host of api_url of environment {ctx.env.name}: "
                f"without it in {ALLOWED_HOSTS_VAR} the API answers 400 Bad Request to every request",
                hint="pass --force to remove it anyway (when the API moves, add its new host and change "
                "api_url in dandiops.toml first)")


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
