def test_status_against_sandbox(cli):
    result = cli("status", "-e", "production", "--json")
    assert result.exit_code == 0, result
    data = result.json()
    assert data["app"]["name"] == "dandi-sandbox-api"
    assert [p["type"] for p in data["processes"]] == ["release", "web", "worker", "checksum-worker"]


def test_status_warns_about_beat_duplication_and_stale_process_types(cli, heroku_state):
    from dandiops.sandbox.heroku.state import Formation

    app = heroku_state.apps["dandi-sandbox-api-staging"]
    app.formation["worker"].quantity = 2
    app.formation["analytics-worker"] = Formation(
        type="analytics-worker", quantity=1, size="basic", command="celery worker -Q s3-log-processing"
    )
    result = cli("status", "-e", "staging", "--json")
    assert result.exit_code == 0, result
    data = result.json()
    worker = next(p for p in data["processes"] if p["type"] == "worker")
    assert worker["quantity"] == 2 and "beat" in worker["note"]
    assert any("celery beat runs inside it" in w for w in data["warnings"])
    assert any("analytics-worker is not one the archive defines" in w for w in data["warnings"])
    human = cli("status", "-e", "staging")
    assert "warning: worker has 2 dynos" in human.stderr


def test_status_reads_concurrently_and_only_reads(cli, heroku_state):
    result = cli("status", "-e", "production")
    assert result.exit_code == 0, result
    assert "dandi-sandbox-api  stack heroku-24  region us  team dandi-sandbox" in result.stdout
    assert "heroku-postgresql:standard-0" in result.stdout and "Release: v2 succeeded" in result.stdout
    paths = sorted(r.path for r in heroku_state.requests)
    assert paths == sorted(
        [
            "/apps/dandi-sandbox-api",
            "/apps/dandi-sandbox-api/formation",
            "/apps/dandi-sandbox-api/dynos",
            "/apps/dandi-sandbox-api/releases",
            "/apps/dandi-sandbox-api/addons",
        ]
    )
    assert heroku_state.writes() == []


def test_status_probes_the_api_as_its_users_reach_it(cli):
    result = cli("status", "-e", "staging", "--json")
    assert result.exit_code == 0, result
    api = result.json()["api"]
    assert api["url"] == "https://api.staging.dandi.test/api/info/"
    assert (api["status"], api["ok"], api["error"]) == (200, True, None)
    assert api["instance_name"] and api["latency_ms"] >= 0
    assert result.json()["release"]["status"] == "succeeded"
    human = cli("status", "-e", "staging")
    assert "API: https://api.staging.dandi.test/api/info/ 200 in " in human.stdout


def test_an_api_that_cannot_be_reached_is_reported_not_raised():
    from dandiops.providers.archive_api import probe_info

    probe = probe_info("https://127.0.0.1:9", timeout=2.0, environ={})
    assert (probe.ok, probe.status) == (False, None)
    assert probe.error.startswith("not reached (")


def test_a_dyno_age_reads_as_ps_shows_it():
    import datetime as dt

    from dandiops.steps.status import age

    now = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.timezone.utc)
    assert [age(t, now) for t in ("2026-11-29T11:59:15Z", "2026-11-29T11:48:00Z", "2026-11-29T09:30:00Z")] == [
        "45s",
        "12m",
        "2h",
    ]
    assert age("2026-11-27T11:00:00+00:00", now) == "2d"
    assert age("not a time", now) == "?"
