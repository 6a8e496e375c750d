"""Run an app's command the way a dyno would: a local process with the app's config vars as its
environment, in the app's directory (the miniature archive unless `--app-dir` says otherwise).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Callable, Mapping

from dandiops.sandbox.heroku.state import App

MINIATURE_ARCHIVE = Path(__file__).resolve().parent.parent / "archive"
# In a sandbox's folder: the certificates a dyno trusts, as a real dyno trusts the public CAs that sign
# SES's and other services' certificates: those of the sandbox's TLS stand-ins. (The system's CA folder
# still counts; its bundle file is left out, since loading it costs a tenth of a second per TLS client.)
PLATFORM_CA_FILE = "platform-ca.pem"


def app_directory(app: App) -> Path:
    return Path(app.app_dir) if app.app_dir else MINIATURE_ARCHIVE


def platform_ca_file(workdir: str | os.PathLike) -> Path | None:
    """The sandbox's trust store for its dynos, when a stand-in has made one."""
    path = Path(workdir) / PLATFORM_CA_FILE
    return path if path.is_file() else None


def trust_certificate(workdir: str | os.PathLike, certificate: Path) -> Path:
    """Make the sandbox's dynos trust `certificate`; returns the trust store."""
    path = Path(workdir) / PLATFORM_CA_FILE
    with path.open("ab") as store:
        store.write(certificate.read_bytes())
    return path


def dyno_environment(
    app: App,
    extra: Mapping[str, str] | None = None,
    *,
    dyno_name: str = "run.1",
    ca_file: str | os.PathLike | None = None,
) -> dict[str, str]:
    """What a process in a dyno sees: the app's config vars plus what the platform sets.

    `extra` is the per-dyno env of a one-off dyno (POST /dynos `env`), layered over the config vars.
    `ca_file` is the platform's trust store (SSL_CERT_FILE), so the app reaches the sandbox's SMTP
    server over TLS as a real dyno reaches SES's.
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
    if ca_file is not None:
        env["SSL_CERT_FILE"] = str(ca_file)
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
    ca_file: str | os.PathLike | None = None,
) -> subprocess.Popen:
    """Start `command` under bash -c with stdout and stderr merged, as Heroku does."""
    return subprocess.Popen(
        ["bash", "-c", command],
        cwd=app_directory(app),
        env=dyno_environment(app, extra_env, dyno_name=dyno_name, ca_file=ca_file),
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
    ca_file: str | os.PathLike | None = None,
) -> int:
    """Run `command` and wait; each output line goes to `on_line`. Returns the exit status."""
    process = start(app, command, extra_env, dyno_name=dyno_name, ca_file=ca_file)
    assert process.stdout is not None
    try:
        for raw in iter(process.stdout.readline, b""):
            if on_line:
                on_line(raw.decode("utf-8", "replace").rstrip("\r\n"))
        return process.wait()
    except BaseException:  # an interrupted caller (a sandbox stopped while it starts) leaves no process behind
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise
