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
    assert "heroku-postgresql:standard-0" in result.stdout and "Last release: v2 succeeded" in result.stdout
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
