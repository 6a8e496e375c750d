"""`dandiops backups` over the Heroku stand-in (Platform API + Data API)."""

import pytest

from ops_helpers import PRODUCTION, STAGING, applied, mutations

SCHEDULES = "/transfer-schedules"


def schedule_posts(state):
    return [r for r in mutations(state) if r.path.endswith(SCHEDULES) and r.method == "POST"]


def test_schedule_creates_the_runbook_default(cli, heroku_state, data_api, audit_lines):
    result = cli("backups", "schedule", "-e", "staging", "--json")
    assert result.exit_code == 0, result
    data = result.json()
    assert (data["hour"], data["timezone"], data["schedule"]) == (2, "America/New_York", "DATABASE_URL")
    assert [c["action"] for c in data["changes"]] == ["create"]
    database = data_api.database_of(STAGING)
    assert [(s.name, s.hour, s.timezone) for s in database.schedules] == [("DATABASE_URL", 2, "America/New_York")]
    # the body the official CLI sends: the hour as two digits, the schedule named after the config var
    [post] = schedule_posts(heroku_state)
    assert post.body == {"hour": "02", "timezone": "America/New_York", "schedule_name": "DATABASE_URL"}
    # the database is found by reading: the schedule is the only request with a write method
    assert [(r.method, r.path) for r in heroku_state.writes()] == [("POST", post.path)]
    [entry] = audit_lines()
    assert entry["action"] == "backups.schedule" and entry["detail"]["timezone"] == "America/New_York"


def test_scheduling_the_same_time_twice_writes_once(cli, heroku_state):
    first = cli("backups", "schedule", "-e", "staging", "--at", "02:00", "--tz", "America/New_York")
    second = cli("backups", "schedule", "-e", "staging", "--at", "2:00 EST", "--json")
    assert first.exit_code == 0 and second.exit_code == 0, second
    assert "already run at 02:00 America/New_York" in second.stderr
    assert second.json()["changes"] == []
    assert len(schedule_posts(heroku_state)) == 1


def test_a_new_time_replaces_the_schedule(cli, data_api):
    cli("backups", "schedule", "-e", "staging")
    result = cli("backups", "schedule", "-e", "staging", "--at", "23:00", "--tz", "UTC", "--json")
    assert result.exit_code == 0, result
    [change] = result.json()["changes"]
    assert (change["action"], change["before"], change["after"]) == ("replace", "02:00 America/New_York", "23:00 UTC")
    assert [(s.hour, s.timezone) for s in data_api.database_of(STAGING).schedules] == [(23, "UTC")]


def test_dry_run_writes_nothing(cli, heroku_state, data_api, audit_lines):
    result = cli("backups", "schedule", "-e", "staging", "--at", "04:00", "--dry-run")
    assert result.exit_code == 0, result
    assert "would create backup schedule DATABASE_URL" in result.stderr
    assert mutations(heroku_state) == []
    assert data_api.database_of(STAGING).schedules == []
    assert audit_lines() == []


@pytest.mark.parametrize(
    "at, message",
    [
        ("2am", "--at '2am' is not a time of day"),
        ("25:00", "--at '25:00' is not a time of day"),
        ("02:30", "Heroku runs scheduled backups on the hour"),
        ("0200", "--at '0200' is not a time of day"),
        ("", "--at '' is not a time of day"),
    ],
)
def test_malformed_time_is_refused_before_any_request(cli, heroku_state, at, message):
    result = cli("backups", "schedule", "-e", "staging", "--at", at)
    assert result.exit_code == 2, result
    assert message in result.stderr and "hint:" in result.stderr
    assert heroku_state.requests == []


@pytest.mark.parametrize(
    "tz, hint",
    [
        ("Mars/Olympus_Mons", "IANA time zone name"),
        ("america/new_york", "did you mean America/New_York?"),
        ("../../etc/passwd", "IANA time zone name"),
    ],
)
def test_unknown_time_zone_is_refused_before_any_request(cli, heroku_state, tz, hint):
    result = cli("backups", "schedule", "-e", "staging", "--tz", tz)
    assert result.exit_code == 2, result
    assert f"unknown time zone {tz!r}" in result.stderr and hint in result.stderr
    assert heroku_state.requests == []


def test_two_different_zones_are_refused(cli, heroku_state):
    result = cli("backups", "schedule", "-e", "staging", "--at", "02:00 UTC", "--tz", "Europe/Paris")
    assert result.exit_code == 2
    assert "give the time zone once" in result.stderr
    assert heroku_state.requests == []


@pytest.mark.parametrize("command", [["schedule"], ["status"], ["list"], ["unschedule"]])
def test_app_without_a_database_gets_a_clear_error(cli, heroku_state, command):
    app = heroku_state.apps[STAGING]
    app.addons = [a for a in app.addons if a.service != "heroku-postgresql"]
    result = cli("backups", *command, "-e", "staging")
    assert result.exit_code == 5, result
    assert f"app {STAGING} has no Heroku Postgres database attached as DATABASE_URL" in result.stderr
    assert "heroku addons:create heroku-postgresql" in result.stderr
    assert mutations(heroku_state) == []


def test_continuous_protection_warns_on_standard_plans_only(cli, heroku_state):
    production = cli("backups", "schedule", "-e", "production", "--yes", "--json")
    staging = cli("backups", "schedule", "-e", "staging", "--json")
    assert production.exit_code == 0 and staging.exit_code == 0
    assert "continuous protection is On" in production.stderr
    assert production.json()["continuous_protection_warning"].startswith("continuous protection is On")
    assert "continuous protection" not in staging.stderr
    assert staging.json()["continuous_protection_warning"] is None


def test_production_needs_confirmation(cli, heroku_state, data_api):
    result = cli("backups", "schedule", "-e", "production")
    assert result.exit_code == 2, result
    assert "pass --yes" in result.stderr
    assert mutations(heroku_state) == []
    assert data_api.database_of(PRODUCTION).schedules == []


def test_status_shows_schedule_protection_and_latest_backup(cli, data_api):
    cli("backups", "schedule", "-e", "production", "--yes", "--at", "03:00", "--tz", "UTC")
    data_api.run_schedules(PRODUCTION)
    result = cli("backups", "status", "-e", "production", "--json")
    assert result.exit_code == 0, result
    data = result.json()
    assert data["database"]["continuous_protection"] is True
    assert data["database"]["plan"] == "Standard 0"
    assert [(s["name"], s["at"], s["retain_weeks"]) for s in data["schedules"]] == [("DATABASE_URL", "03:00 UTC", 4)]
    assert data["latest_backup"]["name"] == "a001" and data["latest_backup"]["status"] == "completed"
    assert data["latest_backup"]["scheduled"] is True
    human = cli("backups", "status", "-e", "production")
    assert "03:00 UTC" in human.stdout and "continuous protection On" in human.stdout


def test_status_warns_when_nothing_is_scheduled(cli):
    result = cli("backups", "status", "-e", "staging")
    assert result.exit_code == 0, result
    assert "Backup schedule: none" in result.stdout
    assert "no daily backup is scheduled: run `dandiops backups schedule -e staging`" in result.stderr


def test_list_shows_backups_newest_first(cli, data_api):
    database = data_api.database_of(STAGING)
    data_api.capture(database)
    data_api.capture(database, succeeded=False)
    result = cli("backups", "list", "-e", "staging", "--json")
    assert result.exit_code == 0, result
    backups = result.json()["backups"]
    assert [(b["name"], b["status"], b["scheduled"]) for b in backups] == [
        ("b002", "failed", False),
        ("b001", "completed", False),
    ]
    human = cli("backups", "list", "-e", "staging")
    assert "b001" in human.stdout and "b002" in human.stdout
    # the other app's backups are not listed
    assert cli("backups", "list", "-e", "production", "--json").json()["backups"] == []


def test_unschedule_removes_and_is_idempotent(cli, heroku_state, data_api):
    cli("backups", "schedule", "-e", "staging")
    dry = cli("backups", "unschedule", "-e", "staging", "--dry-run")
    assert "would remove backup schedule DATABASE_URL" in dry.stderr
    assert len(data_api.database_of(STAGING).schedules) == 1
    first = cli("backups", "unschedule", "-e", "staging")
    second = cli("backups", "unschedule", "-e", "staging", "--json")
    assert first.exit_code == 0 and second.exit_code == 0
    assert data_api.database_of(STAGING).schedules == []
    assert second.json()["changes"] == []
    assert len([r for r in applied(heroku_state) if r.method == "DELETE"]) == 1


@pytest.mark.parametrize(
    "tz, message",
    [
        ("", "the time zone is empty"),
        ("localtime", "names this machine's zone"),
        ("posixrules", "names this machine's zone"),
    ],
)
def test_an_empty_or_machine_time_zone_is_refused_before_any_request(cli, heroku_state, tz, message):
    result = cli("backups", "schedule", "-e", "staging", "--tz", tz)
    assert result.exit_code == 2, result
    assert message in result.stderr and "America/New_York" in result.stderr
    assert heroku_state.requests == []
