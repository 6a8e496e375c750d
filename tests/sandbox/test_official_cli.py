"""The faithfulness bar: the official Heroku CLI, pointed at the stand-in, does not notice.

The CLI comes from the npm registry (package.json at the repository root; the README's test
command installs it). Its requests are validated against the schema like any other.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HEROKU = REPO / "node_modules" / ".bin" / "heroku"

MISSING = not HEROKU.exists() or not shutil.which("node")
if MISSING and os.environ.get("DANDIOPS_REQUIRE_HEROKU_CLI"):
    raise RuntimeError("the official Heroku CLI is required here: run `npm ci` at the repository root")
pytestmark = pytest.mark.skipif(
    MISSING, reason="the official Heroku CLI is not installed (run `npm ci` at the repository root)"
)


@pytest.fixture
def heroku(sandbox, tmp_path):
    env = {
        **os.environ,
        "HEROKU_HOST": sandbox.heroku.url,
        "HEROKU_API_KEY": sandbox.heroku.api_key,
        "DISABLE_TELEMETRY": "true",
        "HOME": str(tmp_path / "home"),
        "NO_COLOR": "1",
    }

    def run(*args):
        result = subprocess.run([str(HEROKU), *args], capture_output=True, text=True, env=env, timeout=120)
        assert result.returncode == 0, result.stderr
        return result

    return run


def test_official_cli_reads_and_writes_through_the_stand_in(heroku, heroku_state):
    app = "dandi-sandbox-api-staging"
    config = json.loads(heroku("config", "-a", app, "--json").stdout)
    assert config["DJANGO_SETTINGS_MODULE"] == "dandiapi.settings.heroku_production"

    assert "done, v3" in heroku("config:set", "FOO=bar", "-a", app).stderr
    assert heroku_state.apps[app].config["FOO"] == "bar"

    assert "Deploy 3e3c3c9c" in heroku("releases", "-a", app, "-n", "2").stdout
    assert "web at 2:Basic" in heroku("ps:scale", "web=2", "-a", app).stderr
    assert heroku_state.apps[app].formation["web"].quantity == 2

    info = heroku("apps:info", "-a", "dandi-sandbox-api").stdout
    assert "heroku-postgresql:standard-0" in info
    assert "heroku-postgresql" in heroku("addons", "-a", "dandi-sandbox-api").stdout
    # The CLI sends quantity as a string and its own Range syntax; both were accepted above.
    scale = next(r for r in heroku_state.requests if r.method == "PATCH" and r.path.endswith("/formation"))
    assert scale.body == {"updates": [{"quantity": "2", "type": "web"}]}
