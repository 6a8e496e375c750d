"""`auth setup` on PostgreSQL, the archive's real database: the same rows, and a second run changes none."""

from __future__ import annotations

import pytest

SECRET = "f3c1a8d2e47b9c0d5a6e1f2b3c4d5e6f7a8b9c0d"
SETUP = (
    "auth",
    "setup",
    "-e",
    "staging",
    "--github-client-id",
    "Iv1.5a1b2c3d4e5f6a7b",
    "--oauth-client-id",
    "dandi-web-sandbox-7Q2",
)


@pytest.mark.postgres
def test_setup_on_postgres_then_nothing_to_change(cli, staging, audit_lines):
    assert staging.app.config["DATABASE_URL"].startswith("postgresql://")
    first = cli(*SETUP, "--json", env={"DANDIOPS_GITHUB_CLIENT_SECRET": SECRET})
    assert first.exit_code == 0, first
    rows = staging.auth_rows()
    assert rows["sites"][0]["domain"] == first.json()["site"]["domain"]
    assert [(a["client_id"], a["secret"], a["sites"]) for a in rows["social_apps"]] == [
        ("Iv1.5a1b2c3d4e5f6a7b", SECRET, [1])
    ]
    assert [(a["client_id"], a["redirect_uris"]) for a in rows["applications"]] == [
        ("dandi-web-sandbox-7Q2", "https://staging.dandi.test/")
    ]
    again = cli(*SETUP, "--json", env={"DANDIOPS_GITHUB_CLIENT_SECRET": SECRET})
    assert again.exit_code == 0, again
    assert again.json()["changes"] == []
    assert staging.auth_rows() == rows  # `updated` of the OAuth application included
    assert len(audit_lines()) == 3
