"""Helpers for the one-off dyno tests: seeding and reading the archive's database and mailbox."""

from __future__ import annotations

import atexit
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STAGING_APP = "dandi-sandbox-api-staging"
PRODUCTION_APP = "dandi-sandbox-api"


def archive_shell(app, code: str, env: dict | None = None) -> list[str]:
    """Run Python in the app's project the way a dyno would, outside dandiops (to seed and inspect): what
    `python manage.py shell -c CODE` prints, with `env` added to the app's config vars."""
    from dandiops.sandbox.dyno import database, executor

    database.ensure_migrated(app)
    answer = _warm_shells.run(app, code, env or {})
    if answer is not None:
        status, lines = answer
    else:  # the project did not start (a test broke its settings): as the command itself fails
        lines = []
        status = executor.run_to_completion(
            app, f"python manage.py shell -v 0 -c {shlex.quote(code)}", env, dyno_name="test.1", on_line=lines.append
        )
    assert status == 0, "\n".join(lines)
    return lines


# A process that has set up the app's Django project once, with the environment a dyno of the app gets,
# and runs each piece of code as `manage.py shell -c` would, in a child forked from it: the same
# settings, namespace and database, without importing Django again (half a second of CPU each time).
# It opens no database connection itself, so each child connects to the database as it is now.
_WARM_SHELL = r"""
import json, os, sys, traceback
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dandiapi.settings.development")
import django
django.setup()
from django.core.management.commands import shell
from django.db import connections
assert not any(connection.connection for connection in connections.all(initialized_only=True))
print("ready", flush=True)
for line in sys.stdin:
    request = json.loads(line)
    child = os.fork()
    if child == 0:
        status = 1
        try:
            output = os.open(request["output"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(output, 1)
            os.dup2(output, 2)
            os.environ.update(request["env"])
            exec(request["code"], {**vars(shell), **shell.Command().get_namespace(verbosity=0)})
            status = 0
        except SystemExit as exc:  # as the interpreter ends on it
            if exc.code is None or isinstance(exc.code, int):
                status = exc.code or 0
            else:
                print(exc.code, file=sys.stderr)
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            connections.close_all()
            os._exit(status)
    _, waited = os.waitpid(child, 0)
    print(json.dumps({"status": os.waitstatus_to_exitcode(waited)}), flush=True)
"""


class _WarmShells:
    """One warm shell per app directory and dyno environment (at most KEEP; PostgreSQL tests give the app a new
    database each time), ended when the process exits."""

    KEEP = 2

    def __init__(self) -> None:
        import threading

        self._shells: dict[tuple, subprocess.Popen | None] = {}  # None: the project did not start
        self._lock = threading.Lock()
        atexit.register(self.close)

    def run(self, app, code: str, env: dict[str, str]) -> tuple[int, list[str]] | None:
        """(exit status, output lines), or None when the project does not start."""
        from dandiops.sandbox.dyno import executor

        environment = executor.dyno_environment(app, dyno_name="test.1")
        # the shell is no dyno (a sandbox's reset checks that none outlives it): only its children are
        dyno = {"DYNO": environment.pop("DYNO")}
        key = (str(executor.app_directory(app)), tuple(sorted(environment.items())))
        with self._lock, tempfile.TemporaryDirectory(prefix="dandiops-shell-") as folder:
            shell = self._shell(key, executor.app_directory(app), environment)
            if shell is None:
                return None
            output = Path(folder) / "output"
            request = {"code": code, "env": {**dyno, **env}, "output": str(output)}
            assert shell.stdin is not None and shell.stdout is not None
            shell.stdin.write(json.dumps(request) + "\n")
            shell.stdin.flush()
            answer = shell.stdout.readline()
            if not answer:
                self._end(key)
                return None
            lines = output.read_text(encoding="utf-8", errors="replace").splitlines()
            return json.loads(answer)["status"], lines

    def _shell(self, key: tuple, directory: Path, environment: dict[str, str]) -> subprocess.Popen | None:
        if key in self._shells:
            self._shells[key] = self._shells.pop(key)  # most recently used last
            return self._shells[key]
        while len(self._shells) >= self.KEEP:
            self._end(next(iter(self._shells)))
        shell = subprocess.Popen(
            [sys.executable, "-c", _WARM_SHELL],
            cwd=directory,
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert shell.stdout is not None
        if shell.stdout.readline().strip() != "ready":
            shell.kill()
            shell.wait()
            shell = None
        self._shells[key] = shell
        return shell

    def _end(self, key: tuple) -> None:
        shell = self._shells.pop(key, None)
        if shell is not None:
            shell.kill()
            shell.wait()
            for stream in (shell.stdin, shell.stdout):
                if stream is not None:
                    stream.close()

    def close(self) -> None:
        with self._lock:
            for key in list(self._shells):
                self._end(key)


_warm_shells = _WarmShells()


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
