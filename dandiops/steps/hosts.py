"""ALLOWED_HOSTS and CORS origins: read, merge, and PATCH only the keys that change.

Heroku config vars have no compare-and-swap: two edits that read the same value and PATCH it
back each drop the other's entry. Edits from this machine take a per-app lock from the read to
the read-back; edits from elsewhere are caught by reading the value back after the PATCH and
merging this edit in again until it holds.
"""

from __future__ import annotations

import contextlib
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

from dandiops.archive.deployment import ALLOWED_HOSTS_VAR, CORS_ORIGINS_VAR
from dandiops.archive.hosts import allows, normalize_host, normalize_origin, split_list
from dandiops.core.errors import ConfigError, ConflictError, UsageError
from dandiops.steps.base import Change, Check, InitStep, check_of_plan

if TYPE_CHECKING:
    from dandiops.app.context import Context

WRITE_ROUNDS = 5  # PATCH and read back at most this often before giving up on a contended var
_CONFIG_VAR = "config var "


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
        return Change(target=f"{_CONFIG_VAR}{self.var}", action="set", before=current or "", after=",".join(result))


def host_edit(add: Iterable[str] = (), remove: Iterable[str] = ()) -> ListEdit:
    return ListEdit(
        ALLOWED_HOSTS_VAR, [normalize_host(h) for h in add], [normalize_host(h) for h in remove], ignore_case=True
    )


def origin_edit(add: Iterable[str] = (), remove: Iterable[str] = ()) -> ListEdit:
    return ListEdit(CORS_ORIGINS_VAR, [normalize_origin(o) for o in add], [normalize_origin(o) for o in remove])


def current_lists(ctx: "Context") -> dict[str, list[str]]:
    """The allowed hosts and CORS origins the app has now."""
    config = ctx.heroku().config_vars(ctx.env.heroku_app)
    return {
        "allowed_hosts": split_list(config.get(ALLOWED_HOSTS_VAR)),
        "cors_allowed_origins": split_list(config.get(CORS_ORIGINS_VAR)),
    }


def app_lock_path(app: str) -> Path:
    """Where processes on this machine serialise their edits of one app's config vars."""
    from platformdirs import user_state_dir

    safe_name = re.sub(r"[^a-z0-9-]", "_", app.lower())[:100] or "_"
    return Path(user_state_dir("dandiops")) / "locks" / f"app-{safe_name}"


@contextlib.contextmanager
def app_lock(app: str) -> Iterator[None]:
    from dandiops.core.files import file_lock

    path = app_lock_path(app)
    with contextlib.ExitStack() as held:
        try:
            held.enter_context(file_lock(path))
        except OSError as exc:
            raise ConfigError(
                f"could not take the lock {path}.lock for app {app}: {exc.strerror}",
                hint="make that folder writable, or point XDG_STATE_HOME at one that is",
            ) from None
        yield


def refuse_losing_api_host(ctx: "Context", changes: list[Change]) -> None:
    """A change that stops ALLOWED_HOSTS matching the environment's own API host breaks every request."""
    from urllib.parse import urlsplit

    api_host = urlsplit(ctx.env.api_url).hostname if ctx.env.api_url else None
    for change in changes:
        if (
            api_host
            and change.target == f"{_CONFIG_VAR}{ALLOWED_HOSTS_VAR}"
            and allows(split_list(change.before), api_host)
            and not allows(split_list(change.after), api_host)
        ):
            raise UsageError(
                f"refusing to stop allowing {api_host}, the host of api_url of environment {ctx.env.name}: "
                f"without it in {ALLOWED_HOSTS_VAR} the API answers 400 Bad Request to every request",
                hint="pass --force to remove it anyway (when the API moves, add its new host and change "
                "api_url in dandiops.toml first)",
            )


class AllowedHostsStep(InitStep):
    """Make DJANGO_ALLOWED_HOSTS and DJANGO_CORS_ALLOWED_ORIGINS include (or exclude) the given values."""

    name = "hosts"
    title = "ALLOWED_HOSTS and CORS origins"

    def __init__(self, edits: list[ListEdit]):
        self.edits = [edit for edit in edits if edit.add or edit.remove]
        self._planned_under_lock = False

    @classmethod
    def from_environment(cls, ctx: "Context") -> "AllowedHostsStep":
        """What the environment's api_url and web_url imply."""
        from urllib.parse import urlsplit

        env = ctx.env
        host = urlsplit(env.api_url).hostname if env.api_url else None
        hosts = [host] if host else []
        origins = [env.web_url.rstrip("/")] if env.web_url else []
        return cls([host_edit(add=hosts), origin_edit(add=origins)])

    @contextlib.contextmanager
    def editing(self, ctx: "Context") -> Iterator[None]:
        """Hold the app's lock, so that what `plan` reads inside stays true until `apply` writes."""
        with app_lock(ctx.env.heroku_app):
            self._planned_under_lock = True
            try:
                yield
            finally:
                self._planned_under_lock = False

    def plan(self, ctx: "Context") -> list[Change]:
        config = ctx.heroku().config_vars(ctx.env.heroku_app)
        return [change for edit in self.edits if (change := edit.change(config.get(edit.var))) is not None]

    def check(self, ctx: "Context") -> Check:
        return check_of_plan(
            self.plan(ctx), done="hosts and origins are in place", counted="config var", purpose="to update"
        )

    def apply(self, ctx: "Context", changes: list[Change]) -> list[Change]:
        """Write the changes and return them with `after` set to each var's value as read back."""
        if not changes:
            return []
        if self._planned_under_lock:
            return self._write_until_held(ctx, changes)
        with self.editing(ctx):
            # planned before this process held the lock: another edit from this machine may have landed since
            return self._write_until_held(ctx, self.plan(ctx))

    def _write_until_held(self, ctx: "Context", changes: list[Change]) -> list[Change]:
        from dandiops.providers.http import RetryPolicy

        if not changes:
            return []
        heroku, app = ctx.heroku(), ctx.env.heroku_app
        before = {_var(change): change.before for change in changes}
        edits = [edit for edit in self.edits if edit.var in before]
        backoff = RetryPolicy.from_env(ctx.environ)
        for attempt in range(WRITE_ROUNDS):
            heroku.update_config_vars(app, {_var(change): change.after for change in changes})
            config = heroku.config_vars(app)
            changes = [change for edit in edits if (change := edit.change(config.get(edit.var))) is not None]
            if not changes or attempt == WRITE_ROUNDS - 1:
                break
            ctx.reporter.info(
                f"{', '.join(_var(c) for c in changes)} changed while this edit was written "
                "(another edit at the same time); merging this edit into the new value"
            )
            time.sleep(backoff.delay(attempt))  # random, so that two writers stop meeting in step
        final = {var: config.get(var, "") for var in before}
        if changes:
            names = ", ".join(_var(change) for change in changes)
            ctx.record("config-vars.set", result="conflict", keys=sorted(before), values=final)
            raise ConflictError(
                f"{names} kept changing: after {WRITE_ROUNDS} writes this edit still does not hold "
                f"(now {', '.join(repr(final[_var(c)]) for c in changes)})",
                hint="another process or machine is editing the same config var; check it with "
                "`dandiops hosts list` and run the command again",
            )
        ctx.record("config-vars.set", keys=sorted(before), values=final)
        return [
            Change(target=f"{_CONFIG_VAR}{var}", action="set", before=before[var], after=final[var]) for var in before
        ]


def _var(change: Change) -> str:
    return change.target.removeprefix(_CONFIG_VAR)
