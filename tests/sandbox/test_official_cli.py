"""The faithfulness bar: the official Heroku CLI, pointed at the stand-in, does not notice.

The CLI comes from the npm registry (package.json at the repository root; the README's test
command installs it). Its requests are validated against the schema like any other. A call costs
about a second, so each test drives one topic's commands in turn and reads what each printed.
"""

import json
import os
import re
import shutil
import subprocess

import httpx
import pytest
from official_cli import HEROKU, cli_environment, update_check_traces

STAGING = "dandi-sandbox-api-staging"
PRODUCTION = "dandi-sandbox-api"

MISSING = not HEROKU.exists() or not shutil.which("node")
if MISSING and os.environ.get("DANDIOPS_REQUIRE_HEROKU_CLI"):
    raise RuntimeError("the official Heroku CLI is required here: run `npm ci` at the repository root")
pytestmark = pytest.mark.skipif(
    MISSING, reason="the official Heroku CLI is not installed (run `npm ci` at the repository root)"
)


@pytest.fixture
def heroku(sandbox, tmp_path):
    home = tmp_path / "home"
    env = cli_environment(sandbox.heroku.environment(), home)

    def run(*args):
        result = subprocess.run([str(HEROKU), *args], capture_output=True, text=True, env=env, timeout=120)
        assert result.returncode == 0, result.stderr
        return result

    yield run
    assert update_check_traces(home) == [], "the CLI looked for an update of itself"


def fields(text: str) -> dict[str, str]:
    """The `Name: value` lines the CLI prints for one object, as a mapping."""
    return {
        m["key"].strip(): m["value"].strip() for m in re.finditer(r"^(?P<key>[^:\n]+):\s+(?P<value>.*)$", text, re.M)
    }


def test_apps_lists_owned_and_team_apps_and_shows_one(heroku, heroku_state):
    assert heroku("apps", "-t", "dandi-sandbox").stdout.split("\n", 1)[1].split() == [PRODUCTION, STAGING]

    assert "Creating own-app... done" in heroku("apps:create", "own-app").stderr
    owned = heroku("apps").stdout
    assert "=== operator@example.org Apps" in owned and "own-app" in owned and STAGING not in owned

    shown = heroku("apps:info", "-a", PRODUCTION).stdout
    info = fields(shown)
    assert info["Owner"] == "dandi-sandbox@herokumanager.com"
    assert info["Collaborators"] == "operator@example.org"
    assert info["Slug Size"] == "93 MB"
    assert "heroku-postgresql:standard-0" in shown


def test_config_reads_and_writes_through_the_stand_in(heroku, heroku_state):
    config = json.loads(heroku("config", "-a", STAGING, "--json").stdout)
    assert config["DJANGO_SETTINGS_MODULE"] == "dandiapi.settings.heroku_production"

    assert "done, v3" in heroku("config:set", "FOO=bar", "-a", STAGING).stderr
    assert heroku_state.apps[STAGING].config["FOO"] == "bar"

    assert "web at 2:Basic" in heroku("ps:scale", "web=2", "-a", STAGING).stderr
    assert heroku_state.apps[STAGING].formation["web"].quantity == 2
    # The CLI sends quantity as a string and its own Range syntax; both were accepted above.
    scale = next(r for r in heroku_state.requests if r.method == "PATCH" and r.path.endswith("/formation"))
    assert scale.body == {"updates": [{"quantity": "2", "type": "web"}]}


def test_releases_list_show_their_config_and_roll_back(heroku, heroku_state, sandbox):
    headers = {"Accept": "application/vnd.heroku+json; version=3", "Authorization": f"Bearer {sandbox.heroku.api_key}"}
    changed = httpx.patch(f"{sandbox.heroku.url}/apps/{STAGING}/config-vars", json={"FOO": "bar"}, headers=headers)
    assert changed.is_success

    listing = heroku("releases", "-a", STAGING, "-n", "2").stdout
    assert re.search(r"v3\s+Set FOO config vars", listing) and re.search(r"v2\s+Deploy 3e3c3c9c", listing)

    info = heroku("releases:info", "2", "-a", STAGING).stdout
    assert fields(info)["By"] == "operator@example.org"
    assert "=== v2 Config vars" in info and "DJANGO_SETTINGS_MODULE" in info and "FOO" not in info

    assert "Rolling back dandi-sandbox-api-staging to v2... done, v4" in heroku("rollback", "v2", "-a", STAGING).stderr
    assert "FOO" not in heroku_state.apps[STAGING].config


def test_addons_show_their_plans_prices_and_attachments(heroku):
    listing = heroku("addons", "-a", PRODUCTION).stdout
    assert re.search(
        r"heroku-postgresql \(postgresql-production-\w+\)\s+standard-0\s+~\$0.069/hour\s+\$50/month", listing
    )
    assert "└─ as DATABASE" in listing

    info = fields(heroku("addons:info", "DATABASE", "-a", PRODUCTION).stdout)
    assert info["Plan"] == "heroku-postgresql:standard-0"
    assert info["Max Price"] == "$50/month"
    assert info["Attachments"] == f"{PRODUCTION}::DATABASE"


def test_postgres_info_and_backups_find_the_database(heroku, data_api):
    info = heroku("pg:info", "-a", PRODUCTION).stdout
    assert info.startswith("=== DATABASE_URL")
    assert fields(info)["Plan"] == "Standard 0" and fields(info)["Continuous Protection"] == "On"

    scheduled = heroku("pg:backups:schedule", "DATABASE_URL", "--at", "02:00 America/New_York", "-a", PRODUCTION)
    assert "at 02:00 America/New_York... done" in scheduled.stderr
    assert [s.hour for s in data_api.database_of(PRODUCTION).schedules] == [2]

    assert "Backing up DATABASE to b001... done" in heroku("pg:backups:capture", "-a", PRODUCTION).stderr
    assert "Unscheduling DATABASE_URL daily backups... done" in (
        heroku("pg:backups:unschedule", "DATABASE_URL", "-a", PRODUCTION).stderr
    )
    assert data_api.database_of(PRODUCTION).schedules == []


def test_access_adds_a_collaborator_to_a_team_app(heroku, heroku_state):
    added = heroku("access:add", "maintainer@dandi.test", "-a", STAGING)
    assert f"Adding maintainer@dandi.test access to the app {STAGING}... done" in added.stderr

    table = heroku("access", "-a", STAGING).stdout.splitlines()[2:]
    # the CLI pads its last column differently with CI set: compare the cells, not their padding
    rows = {line.split()[0]: [cell.strip() for cell in line.split(None, 2)[1:]] for line in table if line.strip()}
    assert rows["maintainer@dandi.test"] == ["collaborator", "deploy, operate, view"]
    assert rows["operator@example.org"] == ["admin", "deploy, manage, operate, view"]


def test_domains_add_show_list_and_remove(heroku, heroku_state):
    added = heroku("domains:add", "www.dandi.test", "-a", STAGING).stdout
    target = re.search(r"DNS Target (\S+)\.\n", added)[1]
    assert re.fullmatch(r"[a-z]+-[a-z]+-[a-z0-9]+\.herokudns\.com", target)
    assert "The domain www.dandi.test has been enqueued for addition" in added

    info = fields(heroku("domains:info", "www.dandi.test", "-a", STAGING).stdout)
    assert (info["cname"], info["kind"], info["status"], info["acm_status"]) == (
        target,
        "custom",
        "succeeded",
        "pending",
    )

    listing = heroku("domains", "-a", STAGING).stdout
    assert f"{STAGING}.herokuapp.com" in listing
    assert re.search(rf"www\.dandi\.test\s+CNAME\s+{re.escape(target)}", listing)
    assert re.search(r"api\.staging\.dandi\.test\s+CNAME\s+\S+\.herokudns\.com", listing)

    assert "Removing www.dandi.test" in heroku("domains:remove", "www.dandi.test", "-a", STAGING).stderr
    assert [d.hostname for d in heroku_state.apps[STAGING].domains] == ["api.staging.dandi.test"]


def test_maintenance_mode_goes_on_and_off(heroku, heroku_state):
    assert "Enabling maintenance mode for dandi-sandbox-api-staging... done" in (
        heroku("maintenance:on", "-a", STAGING).stderr
    )
    assert heroku_state.apps[STAGING].maintenance is True
    assert heroku("maintenance", "-a", STAGING).stdout.strip() == "on"
    assert "Disabling maintenance mode" in heroku("maintenance:off", "-a", STAGING).stderr
    assert heroku_state.apps[STAGING].maintenance is False


def test_authorizations_list_the_key_in_use(heroku, sandbox):
    listing = heroku("authorizations").stdout
    assert re.search(r"dandiops sandbox\s+[0-9a-f-]{36}\s+global", listing)
