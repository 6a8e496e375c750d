"""The official Heroku CLI reads what dandiops wrote through the stand-in, and sees it as dandiops does.

A cross-check of the stand-in parts behind backups and logs: the Data API (`pg:backups:schedules`,
`pg:backups`) and log sessions (`logs`, server-sent events). Skipped when the CLI is not installed
(`npm ci` at the repository root).
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ops_helpers import PRODUCTION

HEROKU = Path(__file__).resolve().parents[2] / "node_modules" / ".bin" / "heroku"

pytestmark = pytest.mark.skipif(
    not HEROKU.exists() or not shutil.which("node"),
    reason="the official Heroku CLI is not installed (run `npm ci` at the repository root)",
)


@pytest.fixture
def heroku(sandbox, tmp_path):
    # The sandbox's environment points the CLI's Platform API, Data API and particleboard hosts here.
    env = {
        **os.environ,
        **sandbox.heroku.environment(),
        "DISABLE_TELEMETRY": "true",
        "HOME": str(tmp_path / "home"),
        "NO_COLOR": "1",
    }

    def run(*args):
        result = subprocess.run(
            [str(HEROKU), *args, "-a", PRODUCTION], capture_output=True, text=True, env=env, timeout=120
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    return run


def test_the_official_cli_agrees_with_dandiops(cli, heroku, heroku_state, data_api):
    assert cli("backups", "schedule", "-e", "production", "--yes").exit_code == 0
    assert "DATABASE_URL: daily at 2:00 America/New_York" in heroku("pg:backups:schedules")

    data_api.run_schedules(PRODUCTION)
    data_api.capture(data_api.database_of(PRODUCTION))
    ours = [b["name"] for b in cli("backups", "list", "-e", "production", "--json").json()["backups"]]
    theirs = heroku("pg:backups")
    assert ours == ["b002", "a001"]
    assert "a001" in theirs and "b002" in theirs and "Completed" in theirs

    logged = heroku("logs", "-n", "5")
    assert logged.splitlines() == cli("logs", "-e", "production", "-n", "5").stdout.splitlines()
