"""The official Heroku CLI reads what dandiops wrote through the stand-in, and sees it as dandiops does.

A cross-check of the stand-in parts behind backups, logs, dynos and one-off runs: the Data API
(`pg:backups:schedules`, `pg:backups`), log sessions (`logs`, server-sent events), formation
dynos (`ps`, `ps:scale`, `ps:restart`, `ps:stop`) and rendezvous (`run`). Skipped when the CLI is
not installed (`npm ci` at the repository root). The CLI takes about a second a call: each test
runs several.
"""

import json
import re
import shutil
import subprocess

import pytest
from official_cli import HEROKU, cli_environment, update_check_traces

from dyno_helpers import wait_until
from ops_helpers import PRODUCTION

pytestmark = pytest.mark.skipif(
    not HEROKU.exists() or not shutil.which("node"),
    reason="the official Heroku CLI is not installed (run `npm ci` at the repository root)",
)


@pytest.fixture
def heroku(sandbox, tmp_path):
    home = tmp_path / "home"
    # the sandbox's whole environment: the CLI's hosts and the rendezvous CA (NODE_EXTRA_CA_CERTS) included
    env = cli_environment(sandbox.environment(), home)

    def run(command, *args, status=0):
        """`heroku COMMAND -a PRODUCTION ARGS...` (the app before ARGS, which may hold `-- a dyno's command`)."""
        result = subprocess.run(
            [str(HEROKU), command, "-a", PRODUCTION, *args],
            capture_output=True,
            text=True,
            env=env,
            stdin=subprocess.DEVNULL,  # not the test's terminal: `heroku run` would make it raw
            timeout=120,
        )
        assert result.returncode == status, result.stderr
        return result

    yield run
    assert update_check_traces(home) == [], "the CLI looked for an update of itself"


def listed_dynos(heroku, *types) -> dict[str, dict]:
    return {d["name"]: d for d in json.loads(heroku("ps", *types, "--json").stdout)}


def dyno_lines(log: str, dyno: str) -> list[str]:
    """The messages of one dyno's lines, in order, without their time stamps."""
    return [line.split(" ", 1)[1] for line in log.splitlines() if f"[{dyno}]: " in line]


def test_the_official_cli_agrees_with_dandiops(cli, heroku, heroku_state, data_api):
    assert cli("backups", "schedule", "-e", "production", "--yes").exit_code == 0
    assert "DATABASE_URL: daily at 2:00 America/New_York" in heroku("pg:backups:schedules").stdout

    data_api.run_schedules(PRODUCTION)
    data_api.capture(data_api.database_of(PRODUCTION))
    ours = [b["name"] for b in cli("backups", "list", "-e", "production", "--json").json()["backups"]]
    theirs = heroku("pg:backups").stdout
    assert ours == ["b002", "a001"]
    assert "a001" in theirs and "b002" in theirs and "Completed" in theirs

    logged = heroku("logs", "-n", "5").stdout
    assert logged.splitlines() == cli("logs", "-e", "production", "-n", "5").stdout.splitlines()


def test_ps_lists_the_formation_dynos_dandiops_status_lists(cli, heroku):
    shown = heroku("ps").stdout
    assert "=== web (Standard-2X): gunicorn --config gunicorn.conf.py dandiapi.wsgi (3)" in shown
    for name in ("web.1", "web.2", "web.3", "worker.1", "checksum-worker.1"):
        assert re.search(rf"^{re.escape(name)}: up ", shown, re.M), shown
    dynos_line = next(line for line in heroku("apps:info").stdout.splitlines() if line.startswith("Dynos:"))
    assert sorted(dynos_line.split(":", 1)[1].strip().split(", ")) == ["checksum-worker: 1", "web: 3", "worker: 1"]

    assert "now running worker at 2:Standard-2X" in heroku("ps:scale", "worker+1").stderr
    theirs = listed_dynos(heroku)
    ours = cli("status", "-e", "production", "--json").json()["dynos"]
    assert sorted((d["name"], d["state"], d["size"]) for d in ours) == sorted(
        (d["name"], d["state"], d["size"]) for d in theirs.values()
    )
    assert sorted(theirs) == ["checksum-worker.1", "web.1", "web.2", "web.3", "worker.1", "worker.2"]


def test_restarts_stops_scaling_and_releases_replace_the_dynos_ps_shows(heroku, heroku_state):
    app = heroku_state.apps[PRODUCTION]
    before = {name: dyno.id for name, dyno in app.dynos.items()}
    assert "now running web at 1:Standard-2X" in heroku("ps:scale", "web=1").stderr
    assert "Restarting dyno worker.1 on" in heroku("ps:restart", "--dyno-name", "worker.1").stderr
    assert "Stopping dyno checksum-worker.1 on" in heroku("ps:stop", "--dyno-name", "checksum-worker.1").stderr
    after = listed_dynos(heroku)
    assert sorted(after) == ["checksum-worker.1", "web.1", "worker.1"]
    assert after["web.1"]["id"] == before["web.1"]  # scaling down left it alone
    assert after["worker.1"]["id"] != before["worker.1"]
    assert after["checksum-worker.1"]["id"] != before["checksum-worker.1"]  # stopped, then started again
    assert {d["state"] for d in after.values()} == {"up"}

    # web.1 is the sandbox's real web process: it starts once a client looks, and is up once it serves.
    assert "Restarting all web dynos on" in heroku("ps:restart", "--process-type", "web").stderr
    assert listed_dynos(heroku, "web")["web.1"]["id"] != after["web.1"]["id"]
    wait_until(lambda: app.dynos["web.1"].state == "up", timeout=60)
    assert dyno_lines(heroku("logs", "--dyno", "web.1", "--source", "heroku", "-n", "6").stdout, "web.1") == [
        "heroku[web.1]: Restarting",
        "heroku[web.1]: State changed from up to starting",
        "heroku[web.1]: Stopping all processes with SIGTERM",
        "heroku[web.1]: Process exited with status 143",
        "heroku[web.1]: Starting process with command `gunicorn --config gunicorn.conf.py dandiapi.wsgi`",
        "heroku[web.1]: State changed from starting to up",
    ]

    assert "done, v3" in heroku("config:set", "SANDBOX_NOTE=restarted").stderr
    assert {d.release_version for d in app.dynos.values()} == {3}
    assert not {d.id for d in app.dynos.values()} & {d["id"] for d in after.values()}


def test_run_output_goes_to_the_terminal_and_the_log_records_the_dyno(cli, heroku, heroku_state):
    assert heroku("run", "--exit-code", "--", "echo", "attached output").stdout == "attached output\n"
    assert cli("run", "-e", "production", "--", "echo", "dandiops output").stdout == "dandiops output\n"
    detached = heroku("run:detached", "--", "echo", "detached output").stdout
    detached_name = re.search(r"--dyno (run\.\d+)", detached)[1]
    wait_until(lambda: detached_name not in heroku_state.apps[PRODUCTION].dynos)

    log = heroku("logs", "-n", "100").stdout
    assert dyno_lines(log, "run.1") == [
        'heroku[run.1]: Starting process with command `echo "attached output" ; '
        'echo "\uffff heroku-command-exit-status: $?"`',
        "heroku[run.1]: State changed from starting to up",
        "heroku[run.1]: Process exited with status 0",
        "heroku[run.1]: State changed from up to complete",
    ]
    assert dyno_lines(log, "run.2")[1:] == [
        "heroku[run.2]: State changed from starting to up",
        "heroku[run.2]: Process exited with status 0",
        "heroku[run.2]: State changed from up to complete",
    ]
    assert [line for line in log.splitlines() if "app[run." in line] == [
        next(line for line in log.splitlines() if line.endswith(f"app[{detached_name}]: detached output"))
    ]
