"""Fixtures for one-off dyno tests: the staging app's database and mailbox, and the dyno provider.

The sandbox is the shared one (tests/sandbox_fixtures.py). Databases: the staging app's SQLite
file is a copy of one template migrated once per process (the sandbox does that itself before an
app's first dyno); tests marked `postgres` get a database of their own on the server named by
DANDIOPS_TEST_DATABASE_URL (a copy of one migrated once per worker), through the `pg_*` names below.
"""

from __future__ import annotations

import pytest

from dyno_helpers import STAGING_APP, ArchiveDatabase, archive_database


@pytest.fixture
def staging(sandbox) -> ArchiveDatabase:
    return archive_database(sandbox, STAGING_APP)


@pytest.fixture
def heroku_client(sandbox):
    from dandiops.providers.heroku import HerokuClient

    env = sandbox.environment()
    with HerokuClient(env["HEROKU_API_KEY"], base_url=env["DANDIOPS_HEROKU_API_URL"]) as client:
        yield client


@pytest.fixture
def dynos(sandbox, heroku_client):
    """The provider for the staging app, trusting the sandbox's rendezvous CA."""
    from dandiops.providers.dyno import OneOffDynos, TimeLimits

    return OneOffDynos(
        heroku_client,
        STAGING_APP,
        ca_file=sandbox.environment()["DANDIOPS_RENDEZVOUS_CA_FILE"],
        limits=TimeLimits(start=30, silence=30),
    )


# --- PostgreSQL: the shared sandbox, reset with the staging app on the test's own database ------------
@pytest.fixture
def pg_sandbox(request, sandbox):
    assert request.node.get_closest_marker("postgres"), "pg_* fixtures are for tests marked postgres"
    return sandbox


@pytest.fixture
def pg_cli(pg_sandbox, cli):
    return cli


@pytest.fixture
def pg_staging(pg_sandbox, staging) -> ArchiveDatabase:
    return staging
