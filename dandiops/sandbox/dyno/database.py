"""The seeded apps' databases as their current release's release phase left them: migrated.

The seed says each app already runs a deployed release, so before its first dyno (one-off, web, or
the release dyno of its next deploy) the database must look migrated. For the miniature archive on
SQLite that is a copy of one template migrated once per process (a migration takes seconds, a copy
milliseconds); any other database (PostgreSQL, or a real archive checkout given with --app-dir)
gets the Procfile's release command run once per sandbox, as Heroku's release phase would.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import unquote, urlsplit

from dandiops.sandbox.dyno import executor
from dandiops.sandbox.heroku.state import App, Release

DEFAULT_RELEASE_COMMAND = "python ./manage.py migrate"

_lock = threading.Lock()
_app_locks: dict[str, threading.Lock] = {}
_ready: set[str] = set()  # app ids; ids are unique per sandbox
_template: Path | None = None


class ReleasePhaseFailed(RuntimeError):
    pass


def sqlite_path(app: App) -> Path | None:
    """The file of an app's SQLite DATABASE_URL (relative paths are inside the app's directory)."""
    url = app.config.get("DATABASE_URL", "")
    parts = urlsplit(url)
    if parts.scheme != "sqlite":
        return None
    raw = unquote(url[len("sqlite://") :])
    if raw.startswith("/"):
        raw = raw[1:]  # sqlite:///relative or sqlite:////absolute
    path = Path(raw)
    return path if path.is_absolute() else executor.app_directory(app) / path


def release_command(app: App) -> str:
    return app.procfile.get("release") or DEFAULT_RELEASE_COMMAND


def ensure_migrated(app: App, on_line: Callable[[str], None] | None = None) -> None:
    with _lock:
        app_lock = _app_locks.setdefault(app.id, threading.Lock())
    with app_lock:
        if app.id in _ready:
            return
        path = sqlite_path(app)
        if app.app_dir is None and path is not None:
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(_migrated_template(app), path)
        else:
            lines: list[str] = []
            status = executor.run_to_completion(
                app,
                release_command(app),
                dyno_name="release.1",
                on_line=lambda line: (lines.append(line), on_line and on_line(line)),
            )
            if status != 0:
                raise ReleasePhaseFailed(f"release command exited with status {status}:\n" + "\n".join(lines[-20:]))
        _ready.add(app.id)


def ensure_migrated_before_release(app: App, release: Release) -> None:
    """Before `release`'s release phase: the database of the running release, as that release left it.

    A release phase migrates the database the app already uses, so for an app running a deployed
    release (a seeded one's included) whose next release keeps its DATABASE_URL, the miniature
    archive's SQLite file is made ready as for any other dyno; the release phase's own `migrate`
    then runs against it. An app never deployed, a release that points DATABASE_URL at another
    database, and the databases `ensure_migrated` would migrate by running the release command are
    left to the release phase itself, which migrates them from what is there."""
    running = app.current_release
    if running is None or running.slug_id is None or app.app_dir is not None or sqlite_path(app) is None:
        return
    if running.config.get("DATABASE_URL") != release.config.get("DATABASE_URL"):
        return
    ensure_migrated(app)


def forget(apps: Iterable[App]) -> None:
    """Check these apps' databases again before their next dyno (a restored sandbox's apps keep their ids,
    and their database may be a new one)."""
    with _lock:
        for app in apps:
            _ready.discard(app.id)


def _migrated_template(app: App) -> Path:
    global _template
    with _lock:
        if _template is not None and _template.exists():
            return _template
        folder = Path(tempfile.mkdtemp(prefix="dandiops-archive-template-"))
        atexit.register(shutil.rmtree, folder, True)
        path = folder / "migrated.sqlite3"
        migrate_from_empty(
            app, DEFAULT_RELEASE_COMMAND, f"sqlite:///{path}", what="the miniature archive's template database"
        )
        _template = path
        return path


def migrate_from_empty(app: App, command: str, database_url: str, *, what: str) -> None:
    """Run the release `command` (without prompts) in the app's environment against the database at
    `database_url`, to make a migrated template of it; ReleasePhaseFailed with the output's end."""
    lines: list[str] = []
    status = executor.run_to_completion(
        app,
        f"{command} --noinput",
        {"DATABASE_URL": database_url},
        dyno_name="release.1",
        on_line=lines.append,
    )
    if status != 0:
        raise ReleasePhaseFailed(f"migrating {what} failed:\n" + "\n".join(lines[-20:]))
