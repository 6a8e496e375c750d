"""Helpers for the one-off dyno tests: seeding and reading the archive's database and mailbox."""

from __future__ import annotations

import json
import os
import shlex
import time
from pathlib import Path

STAGING_APP = "dandi-sandbox-api-staging"
PRODUCTION_APP = "dandi-sandbox-api"


def archive_shell(app, code: str, env: dict | None = None) -> list[str]:
    """Run Python in the app's project the way a dyno would, outside dandiops (to seed and inspect)."""
    from dandiops.sandbox.dyno import database, executor

    database.ensure_migrated(app)
    lines: list[str] = []
    status = executor.run_to_completion(
        app, f"python manage.py shell -v 0 -c {shlex.quote(code)}", env, dyno_name="test.1", on_line=lines.append
    )
    assert status == 0, "\n".join(lines)
    return lines


_SEED = """
import json, os
from django.contrib.auth.models import User
from dandiapi.api.models import UserMetadata
users = json.loads(os.environ["SEED_USERS"])
made = User.objects.bulk_create([User(username=u["email"], email=u["email"], first_name=u.get("first_name", "Ada"),
                                      last_name=u.get("last_name", "Lovelace"), is_active=u.get("is_active", True))
                                 for u in users])
UserMetadata.objects.bulk_create([UserMetadata(user=m, status=u["status"],
                                               rejection_reason=u.get("rejection_reason", ""))
                                  for m, u in zip(made, users)])
"""

_STATE = """
import json
from django.contrib.auth.models import User
print(json.dumps({u.username: {"status": getattr(getattr(u, "metadata", None), "status", None),
                                "is_active": u.is_active, "is_superuser": u.is_superuser,
                                "rejection_reason": getattr(getattr(u, "metadata", None), "rejection_reason", None)}
                  for u in User.objects.select_related("metadata")}))
"""


class ArchiveDatabase:
    """Seed and read the users of one app's database, and the mail the sandbox's SMTP server accepted."""

    def __init__(self, app, mailbox: Path):
        self.app = app
        self.mailbox = mailbox

    def seed(self, users: list[dict]) -> None:
        archive_shell(self.app, _SEED, {"SEED_USERS": json.dumps(users)})

    def seed_pending(self, count: int, domain: str = "example.org", prefix: str = "user") -> list[str]:
        emails = [f"{prefix}{index}@{domain}" for index in range(count)]
        self.seed([{"email": email, "status": "PENDING"} for email in emails])
        return emails

    def users(self) -> dict[str, dict]:
        return json.loads(archive_shell(self.app, _STATE)[-1])

    def messages(self):
        from dandiops.sandbox.smtp import read_messages

        return read_messages(self.mailbox)

    def query(self, code: str) -> list[str]:
        return archive_shell(self.app, code)


def archive_database(sandbox, app_name: str) -> ArchiveDatabase:
    from dandiops.sandbox.smtp import MAILBOX_VAR

    app = sandbox.heroku.state.find_app(app_name)
    return ArchiveDatabase(app, Path(sandbox.environment()[MAILBOX_VAR]))


def wait_until(condition, timeout: float = 10.0) -> None:
    """For what the sandbox does on its own threads after the client has moved on."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def one_off_dynos(state, app_name: str = STAGING_APP) -> list:
    """The app's one-off dynos (its formation's web.1, worker.1, ... aside)."""
    return [d for d in state.apps[app_name].dynos.values() if not d.formation]


def dyno_posts(state, app_name: str = STAGING_APP) -> list:
    return [r for r in state.requests if r.method == "POST" and r.path == f"/apps/{app_name}/dynos"]


def audit_lines(path: str | None = None) -> list[dict]:
    """The audit log's entries: the test's own, or the one at `path` (a sandbox's, for a child process)."""
    path = Path(path or os.environ["DANDIOPS_AUDIT_LOG"])
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def dyno_sandbox(workdir, database_urls=None, app_dirs=None):
    """The Heroku stand-in with only what one-off dynos need: the dyno routes and rendezvous, and the
    web process. The full sandbox's other stand-ins cost time at every start and stop;
    test_sandbox_dynos.py checks that build_sandbox carries these same parts."""
    from dandiops.sandbox.dyno.component import DynoComponent
    from dandiops.sandbox.dyno.web import ArchiveWebComponent
    from dandiops.sandbox.runtime import Sandbox

    dynos = DynoComponent()
    return Sandbox(
        workdir,
        database_urls=database_urls,
        app_dirs=app_dirs,
        components=[dynos, ArchiveWebComponent()],
        heroku_extensions=[dynos.heroku_extension],
    )
