"""The official Heroku CLI (npm `heroku`, installed by `npm ci` at the repository root) as the tests run it
against the sandbox: its hosts pointed at the stand-ins, a home of the test's own, and nothing sent
anywhere else.
"""

from __future__ import annotations

import os
from pathlib import Path

HEROKU = Path(__file__).resolve().parents[2] / "node_modules" / ".bin" / "heroku"

# What the CLI's own plugins would otherwise do at the first command in a new home: look up the latest
# version on the npm registry and start `heroku update --autoupdate`, each in a detached process. Both
# leave the loopback (the suite runs offline) and cost a process start of Node, about a second, per test.
NO_UPDATE_CHECKS = {
    "HEROKU_SKIP_NEW_VERSION_CHECK": "true",
    "HEROKU_DISABLE_AUTOUPDATE": "true",
    "DISABLE_TELEMETRY": "true",
}
UPDATE_CHECK_TRACES = ("version", "autoupdate", "autoupdate.log")  # in the CLI's cache folder, when they ran


def cli_environment(sandbox_environment: dict[str, str], home: Path) -> dict[str, str]:
    """The environment for the CLI: the sandbox's (its Platform API, Data API and particleboard hosts, the
    rendezvous CA), `home` as HOME, no colour, no update checks and no telemetry."""
    return {**os.environ, **sandbox_environment, **NO_UPDATE_CHECKS, "HOME": str(home), "NO_COLOR": "1"}


def update_check_traces(home: Path) -> list[str]:
    """The files the CLI's update checks leave in its cache folder under `home`."""
    cache = home / ".cache" / "heroku"
    return sorted(name for name in UPDATE_CHECK_TRACES if (cache / name).exists())
