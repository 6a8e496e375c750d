"""Fixtures for one-off dyno tests: the staging app, its database and mailbox, user seeding.

Databases: each sandbox's SQLite file is a copy of one template migrated once per process (the
sandbox does that itself before an app's first dyno); PostgreSQL tests get a fresh database on
the server named by DANDIOPS_TEST_DATABASE_URL.
"""

from __future__ import annotations

import os
import uuid

import pytest

from dyno_helpers import STAGING_APP, ArchiveDatabase, CliResult, archive_database, dyno_sandbox
from heroku_schema import schema_problems

PG_URL_VAR = "DANDIOPS_TEST_DATABASE_URL"


@pytest.fixture
def sandbox(tmp_path, schema_validator):
    box = dyno_sandbox(tmp_path / "sandbox")
    box.start()
    try:
        yield box
    finally:
        box.stop()
    problems = schema_problems(box.heroku.state, schema_validator)
    assert not problems, "stand-in responses that break Heroku's schema:\n" + "\n".join(problems[:20])


@pytest.fixture
def staging(sandbox) -> ArchiveDatabase:
    return archive_database(sandbox, STAGING_APP)


@pytest.fixture
def dyno_component(sandbox):
    from dandiops.sandbox.dyno.component import DynoComponent

    return next(c for c in sandbox.components if isinstance(c, DynoComponent))


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

    return OneOffDynos(heroku_client, STAGING_APP, ca_file=sandbox.environment()["DANDIOPS_RENDEZVOUS_CA_FILE"],
                       limits=TimeLimits(start=30, silence=30))


# --- PostgreSQL ------------------------------------------------------------------------------
def _postgres_admin_url() -> str:
    url = os.environ.get(PG_URL_VAR)
    if not url:
        pytest.skip(f"{PG_URL_VAR} is not set (a postgresql:// URL to a server where databases may be created)")
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3) as connection:
            connection.execute("select 1")
    except Exception as exc:  # any failure to reach it is a reason to skip, stated
        pytest.skip(f"PostgreSQL at {PG_URL_VAR} is unreachable: {type(exc).__name__}: {exc}".splitlines()[0])
    return url


@pytest.fixture
def postgres_url():
    """A fresh, empty PostgreSQL database for one test; dropped afterwards."""
    import psycopg
    from psycopg import sql

    admin_url = _postgres_admin_url()
    name = f"dandiops_dyno_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(admin_url)
    yield urlunsplit(parts._replace(path=f"/{name}"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


@pytest.fixture
def pg_sandbox(tmp_path, schema_validator, postgres_url):
    """A sandbox whose staging app's DATABASE_URL is a fresh PostgreSQL database."""
    box = dyno_sandbox(tmp_path / "pg-sandbox", database_urls={"staging": postgres_url})
    box.start()
    try:
        yield box
    finally:
        box.stop()
    problems = schema_problems(box.heroku.state, schema_validator)
    assert not problems, "stand-in responses that break Heroku's schema:\n" + "\n".join(problems[:20])


@pytest.fixture
def pg_cli(pg_sandbox, monkeypatch):
    from typer.testing import CliRunner

    from dandiops.cli.main import app

    for key, value in pg_sandbox.environment().items():
        monkeypatch.setenv(key, value)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> CliResult:
        return CliResult(runner.invoke(app, list(args), input=input, catch_exceptions=False))

    return invoke


@pytest.fixture
def pg_staging(pg_sandbox) -> ArchiveDatabase:
    return archive_database(pg_sandbox, STAGING_APP)
