def test_status_against_sandbox(cli):
    result = cli("status", "-e", "production", "--json")
    assert result.exit_code == 0, result
    data = result.json()
    assert data["app"]["name"] == "dandi-sandbox-api"
    assert [p["type"] for p in data["processes"]] == ["release", "web", "worker", "checksum-worker"]
