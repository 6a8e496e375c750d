"""The dyno commands on a real PostgreSQL database (DANDIOPS_TEST_DATABASE_URL; CI starts one).

Each test gets a database of its own, a copy of one the release command (`manage.py migrate`)
migrated from empty once per worker; the sandbox runs the release command against the copy before
the app's first dyno, as Heroku's release phase would have.
"""

from __future__ import annotations

import pytest

from dyno_helpers import audit_lines, dyno_posts

pytestmark = [pytest.mark.postgres, pytest.mark.sandbox]


def test_superuser_and_cache_table_on_postgres(pg_cli, pg_staging, pg_sandbox):
    assert pg_staging.app.config["DATABASE_URL"].startswith("postgresql://")
    created = pg_cli(
        "superuser",
        "create",
        "-e",
        "staging",
        "--email",
        "admin@Dandi.Test",
        "--password-stdin",
        "--verify-login",
        input="a long admin password",
    )
    assert created.exit_code == 0, created
    assert pg_staging.users()["admin@dandi.test"]["status"] == "APPROVED"
    again = pg_cli(
        "superuser", "create", "-e", "staging", "--email", "admin@dandi.test", "--password-stdin", input="whatever"
    )
    assert again.exit_code == 0, again
    assert "already exists" in again.stderr
    table = pg_cli("cachetable", "create", "-e", "staging", "--json")
    assert table.exit_code == 0 and table.json()["outcome"] == "created", table
    table_again = pg_cli("cachetable", "create", "-e", "staging", "--json")
    assert table_again.exit_code == 0 and table_again.json()["outcome"] == "exists", table_again
    assert pg_staging.query("from django.db import connection; print(connection.vendor)")[-1] == "postgresql"


def test_batch_approval_on_postgres(pg_cli, pg_staging, pg_sandbox, tmp_path):
    emails = pg_staging.seed_pending(500)
    batch = tmp_path / "batch.txt"
    batch.write_text("\n".join(emails))
    result = pg_cli("users", "approve", "-e", "staging", "--from-file", str(batch), "--json")
    assert result.exit_code == 0, result
    assert len(result.json()["changed"]) == 500
    assert len(dyno_posts(pg_sandbox.heroku.state)) == 1
    users = pg_staging.users()
    assert {users[email]["status"] for email in emails} == {"APPROVED"}
    assert len(pg_staging.messages()) == 500
    assert len(audit_lines()) == 500


def test_unknown_users_roll_nothing_forward_on_postgres(pg_cli, pg_staging):
    pg_staging.seed_pending(2)
    result = pg_cli("users", "reject", "-e", "staging", "user0@example.org", "ghost@example.org", "--reason", "No")
    assert result.exit_code == 5, result
    assert {u["status"] for u in pg_staging.users().values()} == {"PENDING"}
    assert pg_staging.messages() == []
