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
import signal
import threading
from typing import TYPE_CHECKING, Iterator

from dandiops.core.files import RecordFile, Records, utc_stamp

if TYPE_CHECKING:
    from types import FrameType

    from dandiops.app.context import Context
    from dandiops.providers.aws import AwsClient


class CreatedKeys(RecordFile):
    """{"version": 1, "users": {IAM user: {key id: {"created_at", "env", "app", "by"}}}}, mode 600."""

    file_name = "created-keys.json"
    what = "the record of access keys dandiops created"
    section = "users"
    fields = "created_at, env, app, by"
    recovery_note = (
        "; until then dandiops neither creates nor deletes access keys, and keys it recorded creating "
        "are not cleaned up without it"
    )

    def of_user(self, user: str) -> dict[str, dict[str, str]]:
        """The keys dandiops recorded creating for `user`, by id."""
        return self.records(user)

    def add(self, user: str, key_id: str, **about: str) -> None:
        entry = {"created_at": utc_stamp(), **about}
        self.put(user, key_id, entry)

    def forget(self, user: str, key_ids: set[str]) -> None:
        def drop(users: Records) -> None:
            kept = {k: v for k, v in users.get(user, {}).items() if k not in key_ids}
            if kept:
                users[user] = kept
            else:
                users.pop(user, None)

        self.change(drop)


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
