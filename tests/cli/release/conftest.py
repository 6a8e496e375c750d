"""Fixtures for `dandiops release`: the sandbox's GitHub stand-in at test pace, and a deploy target.

Runs move one step every 20 ms and dandiops polls every 20 ms, so a whole release takes well under a
second plus the real `manage.py migrate` of the release phase. The shared `sandbox` fixture checks
every GitHub stand-in response against GitHub's OpenAPI description when it is installed.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

MINIATURE_ARCHIVE = Path(__file__).resolve().parents[3] / "dandiops" / "sandbox" / "archive"
STEP_SECONDS = 0.02


@pytest.fixture(autouse=True)
def _fast_polling(monkeypatch):
    monkeypatch.setenv("DANDIOPS_POLL_INTERVAL", "0.02")
    monkeypatch.setenv("DANDIOPS_GITHUB_WRITE_INTERVAL", "0")


@pytest.fixture
def github(github):
    """The sandbox's GitHub component, running runs at test pace."""
    from dandiops.sandbox.github.state import RunPace

    github.state.set_pace(RunPace(queue_seconds=STEP_SECONDS, step_seconds=STEP_SECONDS))
    yield github
    github.deploys.wait(60)


@pytest.fixture
def dispatchable(github):
    """The fork's staging workflow also declares workflow_dispatch (a clone that added it)."""
    from dandiops.sandbox.github.seed import set_staging_dispatch

    set_staging_dispatch(github.state, github.repo)
    return github.repo


TINY_MANAGE = '''\
#!/usr/bin/env python
"""A stand-in archive for release-phase tests: `migrate` records migrations in DATABASE_URL's SQLite file."""
import os
import sqlite3
import sys

MIGRATIONS = ["contenttypes.0001_initial", "auth.0001_initial", "api.0001_initial"]

if __name__ == "__main__":
    if sys.argv[1:2] != ["migrate"]:
        sys.exit(f"Unknown command: {sys.argv[1:2]}")
    url = os.environ["DATABASE_URL"]
    path = url.removeprefix("sqlite:///")
    print("Operations to perform:")
    print("  Apply all migrations: api, auth, contenttypes")
    print("Running migrations:")
    try:
        db = sqlite3.connect(path)
        db.execute("CREATE TABLE IF NOT EXISTS django_migrations (name TEXT PRIMARY KEY)")
        for name in MIGRATIONS:
            if db.execute("SELECT 1 FROM django_migrations WHERE name = ?", (name,)).fetchone() is None:
                db.execute("INSERT INTO django_migrations VALUES (?)", (name,))
                print(f"  Applying {name}... OK")
        db.commit()
    except sqlite3.Error as exc:
        print(f"django.db.utils.OperationalError: {exc}")
        sys.exit(1)
'''


def archive_dir(tmp_path: Path) -> Path:
    """The miniature archive when it is there, else a tiny manage.py that migrates a SQLite file."""
    if (MINIATURE_ARCHIVE / "manage.py").is_file():
        return MINIATURE_ARCHIVE
    folder = tmp_path / "tiny-archive"
    folder.mkdir(exist_ok=True)
    (folder / "manage.py").write_text(textwrap.dedent(TINY_MANAGE), encoding="utf-8")
    return folder


@pytest.fixture
def staging_app(sandbox, tmp_path):
    """The staging Heroku app, its release phase running in the miniature archive (or a tiny stand-in)."""
    app = sandbox.heroku.state.find_app("dandi-sandbox-api-staging")
    folder = archive_dir(tmp_path)
    if folder != MINIATURE_ARCHIVE:
        app.app_dir = str(folder)
    return app


@pytest.fixture
def production_app(sandbox, tmp_path):
    app = sandbox.heroku.state.find_app("dandi-sandbox-api")
    folder = archive_dir(tmp_path)
    if folder != MINIATURE_ARCHIVE:
        app.app_dir = str(folder)
    return app


def copy_archive(tmp_path: Path) -> Path:
    target = tmp_path / "archive-copy"
    shutil.copytree(archive_dir(tmp_path), target, ignore=shutil.ignore_patterns("__pycache__", "*.sqlite3"))
    return target


@pytest.fixture
def archive_copy(tmp_path) -> Path:
    """A copy of the miniature archive to break on purpose."""
    return copy_archive(tmp_path)
