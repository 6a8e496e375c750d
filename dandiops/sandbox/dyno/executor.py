"""Run an app's command the way a dyno would: a local process with the app's config vars as its
environment, in the app's directory (the miniature archive unless `--app-dir` says otherwise).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Callable, Mapping

from dandiops.sandbox.heroku.state import App

MINIATURE_ARCHIVE = Path(__file__).resolve().parent.parent / "archive"
# Where the miniature archive's email backend writes messages instead of sending them.
MAIL_DIR_VAR = "DANDIOPS_SANDBOX_MAIL_DIR"


def app_directory(app: App) -> Path:
    return Path(app.app_dir) if app.app_dir else MINIATURE_ARCHIVE


def mail_directory(workdir: str | os.PathLike, app: App) -> Path:
    """The folder a sandbox gives an app's outgoing mail (one file per message)."""
    return Path(workdir) / "mail" / app.name


def dyno_environment(
    app: App,
    extra: Mapping[str, str] | None = None,
    *,
    dyno_name: str = "run.1",
    mail_dir: str | os.PathLike | None = None,
) -> dict[str, str]:
    """What a process in a dyno sees: the app's config vars plus what the platform sets.

    `extra` is the per-dyno env of a one-off dyno (POST /dynos `env`), layered over the config vars.
    With `mail_dir`, the miniature archive writes mail there instead of using DJANGO_EMAIL_URL.
    """
    bin_dir = str(Path(sys.executable).parent)
    env = {
        "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(app_directory(app)),
        "DYNO": dyno_name,
        "PORT": "5000",
        "PYTHONUNBUFFERED": "1",
        "SOURCE_VERSION": (
            app.current_release.commit if app.current_release and app.current_release.commit else "0000000"
        ),
        "LANG": "C.UTF-8",
    }
    if mail_dir is not None:
        env[MAIL_DIR_VAR] = str(mail_dir)
    env.update(app.config)
    env.update(extra or {})
    return env


def start(
    app: App,
    command: str,
    extra_env: Mapping[str, str] | None = None,
    *,
    dyno_name: str = "run.1",
    stdin=subprocess.DEVNULL,
    mail_dir: str | os.PathLike | None = None,
) -> subprocess.Popen:
    """Start `command` under bash -c with stdout and stderr merged, as Heroku does."""
    return subprocess.Popen(
        ["bash", "-c", command],
        cwd=app_directory(app),
        env=dyno_environment(app, extra_env, dyno_name=dyno_name, mail_dir=mail_dir),
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def run_to_completion(
    app: App,
    command: str,
    extra_env: Mapping[str, str] | None = None,
    *,
    dyno_name: str = "release.1",
    on_line: Callable[[str], None] | None = None,
    mail_dir: str | os.PathLike | None = None,
) -> int:
    """Run `command` and wait; each output line goes to `on_line`. Returns the exit status."""
    process = start(app, command, extra_env, dyno_name=dyno_name, mail_dir=mail_dir)
    assert process.stdout is not None
    for raw in iter(process.stdout.readline, b""):
        if on_line:
            on_line(raw.decode("utf-8", "replace").rstrip("\r\n"))
    return process.wait()
