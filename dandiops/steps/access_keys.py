"""Access keys dandiops creates for the app's IAM user, recorded so that none is ever left behind.

AWS shows a key's secret once, in the answer to the call that creates it; the key then reaches
the app only through its config vars. A run stopped in between (Ctrl-C, a failed PATCH) leaves
an active key that nothing uses and nobody knows of. So the key's id (never its secret) is
recorded in `.dandiops/created-keys.json` beside dandiops.toml, and audited, before the secret
goes anywhere; a Ctrl-C while AWS is creating the key waits until the id is recorded. A later
run deletes the keys recorded here that no config var holds, and only those: a key dandiops did
not create is never touched.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

from dandiops.app.confirmations import STATE_DIR
from dandiops.core.errors import ConfigError
from dandiops.core.files import aside_command, atomic_write_text, file_lock, read_state_text

if TYPE_CHECKING:
    from types import FrameType

    from dandiops.app.context import Context
    from dandiops.providers.aws import AwsClient

FILE_NAME = "created-keys.json"
VERSION = 1

# IAM user -> key id -> what was recorded about the key ("created_at", "env", "app", "by")
KeyRecords = dict[str, dict[str, dict[str, str]]]


class CreatedKeys:
    """{"version": 1, "users": {IAM user: {key id: {"created_at", "env", "app", "by"}}}}, mode 600."""

    def __init__(self, path: Path):
        self.path = path

    @classmethod
    def for_context(cls, ctx: "Context") -> "CreatedKeys":
        return cls(ctx.settings.root / STATE_DIR / FILE_NAME)

    def of_user(self, user: str) -> dict[str, dict[str, str]]:
        """The keys dandiops recorded creating for `user`, by id."""
        return dict(self._load()["users"].get(user, {}))

    def add(self, user: str, key_id: str, **about: str) -> None:
        entry = {"created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), **about}
        self._update(lambda users: users.setdefault(user, {}).__setitem__(key_id, entry))

    def forget(self, user: str, key_ids: set[str]) -> None:
        def drop(users: KeyRecords) -> None:
            kept = {k: v for k, v in users.get(user, {}).items() if k not in key_ids}
            if kept:
                users[user] = kept
            else:
                users.pop(user, None)

        self._update(drop)

    def _update(self, change: Callable[[KeyRecords], None]) -> None:
        try:
            with file_lock(self.path):  # read, change, replace: another run's record is never lost
                data = self._load()
                change(data["users"])
                atomic_write_text(self.path, json.dumps(data, indent=2, sort_keys=True) + "\n", mode=0o600)
        except OSError as exc:
            raise ConfigError(
                f"{self.path} cannot be written ({exc.strerror or exc})",
                hint="check that the .dandiops folder beside dandiops.toml is writable",
            ) from None

    def _load(self) -> dict[str, Any]:
        path = self.path
        hint = (
            f"fix it in an editor, or move it aside ({aside_command(path)}); until then dandiops neither "
            "creates nor deletes access keys, and keys it recorded creating are not cleaned up without it"
        )
        text = read_state_text(
            path, what="the record of access keys dandiops created", folder_hint="move that folder away"
        )
        if text is None:
            return {"version": VERSION, "users": {}}
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ConfigError(f"{path} cannot be read as JSON ({exc}); it was left as it is", hint=hint) from None
        users = data.get("users") if isinstance(data, dict) else None
        if (
            not isinstance(data, dict)
            or data.get("version") != VERSION
            or not isinstance(users, dict)
            or not all(
                isinstance(keys, dict) and all(isinstance(e, dict) for e in keys.values()) for keys in users.values()
            )
        ):
            raise ConfigError(
                f"{path} is not a dandiops record of created access keys; it was left as it is", hint=hint
            )
        return data


def create_recorded_key(ctx: "Context", aws: "AwsClient", user: str) -> tuple[str, str]:
    """A new access key for `user`, its id recorded and audited before the caller may use the secret."""
    from dandiops.core.audit import operator_name

    store = CreatedKeys.for_context(ctx)
    store.of_user(user)  # an unreadable record stops us before a key exists that could not be recorded
    with _interrupt_after(ctx):
        key_id, secret = aws.create_access_key(user)
        ctx.secret_registry.add(secret)
        store.add(user, key_id, env=ctx.env.name, app=ctx.env.heroku_app, by=operator_name(ctx.environ))
        ctx.record("aws.access-key.create", user=user, key=key_id)
    return key_id, secret


def delete_recorded_key(ctx: "Context", aws: "AwsClient", user: str, key_id: str) -> None:
    aws.delete_access_key(user, key_id)
    ctx.record("aws.access-key.delete", user=user, key=key_id, reason="created by dandiops; in no config var")
    CreatedKeys.for_context(ctx).forget(user, {key_id})


@contextlib.contextmanager
def _interrupt_after(ctx: "Context") -> Iterator[None]:
    """Hold a first Ctrl-C until the block is done (a second one stops at once); only the main thread can."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        if held:
            raise KeyboardInterrupt
        held.append(signum)
        ctx.reporter.warn(
            "Ctrl-C: finishing the access key AWS is creating so that its id is recorded (Ctrl-C again stops at once)"
        )

    previous = signal.signal(signal.SIGINT, hold)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.SIG_DFL if previous is None else previous)
    if held:
        raise KeyboardInterrupt
