"""The sandbox fixtures every test folder shares (loaded from tests/conftest.py as a plugin).

One full sandbox per pytest-xdist worker (session scope; started by the first test that asks for
it), reset before each test to the state its start left, so a test sees a fresh sandbox without
paying for one: the same stand-ins on the same ports, the apps, repository history and AWS account
as they were, a fresh dandiops.toml and no audit log. Tests marked `postgres` get the staging app
on a PostgreSQL database of their own instead of SQLite (a copy of one migrated once per worker).
`sandbox` holds the running clone seeded into the stand-ins (`build_sandbox(seeded=True)`), which
these tests were written against; `empty_sandbox`
is the worker's other sandbox, started (when a test first asks for it) in the empty world an
operator starts from: a Heroku team with no apps, an empty AWS account, an unmodified fork.

Every response a test provoked is checked when it ends: the Heroku stand-in's against Heroku's
published schema (strict: all properties required, none extra), the GitHub stand-in's against
GitHub's OpenAPI description and the Netlify stand-in's against Netlify's Swagger description when
they are installed (see tests/helpers/github_openapi.py and netlify_swagger.py).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

SHARED_SCHEMA = Path(__file__).resolve().parents[3] / "shared" / "reference" / "heroku" / "platform-api-schema.json"
PG_URL_VAR = "DANDIOPS_TEST_DATABASE_URL"


@pytest.fixture(scope="session")
def schema_validator():
    from dandiops.sandbox.heroku.schema import PACKAGED_SCHEMA, ResponseValidator

    return ResponseValidator(SHARED_SCHEMA if SHARED_SCHEMA.is_file() else PACKAGED_SCHEMA)


@pytest.fixture(scope="session")
def worker_sandbox(tmp_path_factory):
    """The worker's one sandbox, as started; tests take it through `sandbox`, which resets it first."""
    from dandiops.sandbox.full import build_sandbox

    box = build_sandbox(tmp_path_factory.mktemp("sandbox"), seeded=True)
    box.start()
    yield box
    box.stop()


@pytest.fixture
def sandbox(request, worker_sandbox, schema_validator):
    postgres = request.node.get_closest_marker("postgres") is not None
    database_urls = {"staging": request.getfixturevalue("postgres_url")} if postgres else None
    box = worker_sandbox.reset(database_urls=database_urls)
    yield box
    if postgres:
        box.reset()  # ends the processes using the test's database before it is dropped
    check_responses(box, schema_validator)


@pytest.fixture(scope="session")
def worker_empty_sandbox(tmp_path_factory):
    """The worker's empty sandbox, as started; tests take it through `empty_sandbox`, which resets it first."""
    from dandiops.sandbox.full import build_sandbox

    box = build_sandbox(tmp_path_factory.mktemp("empty-sandbox"), empty=True)
    box.start()
    yield box
    box.stop()


@pytest.fixture
def empty_sandbox(worker_empty_sandbox, schema_validator):
    """The empty world: no Heroku apps, no AWS resources, the unmodified fork."""
    box = worker_empty_sandbox.reset()
    yield box
    check_responses(box, schema_validator)


def check_responses(box, schema_validator) -> None:
    """Every answer the test provoked follows Heroku's schema and GitHub's and Netlify's descriptions."""
    from github_openapi import check_records, load_checker
    from heroku_schema import schema_problems
    from netlify_swagger import check_records as check_netlify_records
    from netlify_swagger import load_checker as load_netlify_checker

    problems = schema_problems(box.heroku.state, schema_validator)
    assert not problems, "stand-in responses that break Heroku's schema:\n" + "\n".join(problems[:20])
    checker = load_checker()
    if checker is not None:
        problems = check_records(checker, github_component(box).state.requests)
        assert not problems, "GitHub stand-in responses that break GitHub's description:\n" + "\n".join(problems[:20])
    netlify = load_netlify_checker()
    if netlify is not None:
        problems = check_netlify_records(netlify, netlify_component(box).state.requests)
        assert not problems, "Netlify stand-in responses that break Netlify's description:\n" + "\n".join(problems[:20])


def github_component(box):
    from dandiops.sandbox.github.component import GitHubComponent

    return next(c for c in box.components if isinstance(c, GitHubComponent))


def netlify_component(box):
    from dandiops.sandbox.netlify.component import NetlifyComponent

    return next(c for c in box.components if isinstance(c, NetlifyComponent))


@pytest.fixture
def netlify(sandbox):
    """The sandbox's Netlify component (its state: `netlify.state`)."""
    return netlify_component(sandbox)


@pytest.fixture
def heroku_state(sandbox):
    return sandbox.heroku.state


@pytest.fixture
def github(sandbox):
    return github_component(sandbox)


@pytest.fixture
def gh_state(github):
    return github.state


@pytest.fixture
def repo(github):
    return github.repo


@pytest.fixture
def aws(sandbox):
    from dandiops.sandbox.aws import AwsComponent

    return next(c for c in sandbox.components if isinstance(c, AwsComponent))


@pytest.fixture
def smtp(sandbox):
    """The sandbox's SES SMTP server (`stop()` it to make SES unreachable; the next reset listens again)."""
    from dandiops.sandbox.smtp import SesSmtpComponent

    return next(c for c in sandbox.components if isinstance(c, SesSmtpComponent))


@pytest.fixture
def mailbox(smtp):
    """mailbox() -> every message the sandbox's SMTP server accepted since the reset."""
    from dandiops.sandbox.smtp import read_messages

    return lambda: read_messages(smtp.mailbox)


@pytest.fixture
def dyno_component(sandbox):
    from dandiops.sandbox.dyno.component import DynoComponent

    return next(c for c in sandbox.components if isinstance(c, DynoComponent))


@pytest.fixture
def data_api(sandbox):
    from dandiops.sandbox.heroku.data_api import HerokuDataStandIn
    from dandiops.sandbox.heroku.operations import installed

    return installed(sandbox, HerokuDataStandIn)


@pytest.fixture
def log_service(sandbox):
    from dandiops.sandbox.heroku.log_sessions import LogSessionsStandIn
    from dandiops.sandbox.heroku.operations import installed

    return installed(sandbox, LogSessionsStandIn)


@pytest.fixture
def app_features(sandbox):
    from dandiops.sandbox.heroku.features import AppFeaturesStandIn
    from dandiops.sandbox.heroku.operations import installed

    return installed(sandbox, AppFeaturesStandIn)


@pytest.fixture
def audit_lines(sandbox):
    """The sandbox's audit log (where the `cli` fixture's commands write), as parsed JSON lines."""

    def read() -> list[dict]:
        path = sandbox.workdir / "audit.log"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.is_file() else []

    return read


class CliResult:
    def __init__(self, result):
        self.exit_code = result.exit_code
        self.stdout = result.stdout
        self.stderr = result.stderr
        self.exception = result.exception

    def json(self):
        return json.loads(self.stdout)

    def __repr__(self) -> str:
        return f"<exit {self.exit_code}\nstdout:\n{self.stdout}\nstderr:\n{self.stderr}>"


@pytest.fixture
def cli(sandbox, monkeypatch):
    """Run `dandiops ARGS` in-process with the sandbox's environment."""
    from typer.testing import CliRunner

    from dandiops.cli.main import app

    for key, value in sandbox.environment().items():
        monkeypatch.setenv(key, value)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None, env: dict | None = None) -> CliResult:
        result = runner.invoke(app, list(args), input=input, env=env, catch_exceptions=False)
        return CliResult(result)

    return invoke


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


def _database_url(admin_url: str, name: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    return urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))


def _drop_database(admin_url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def migrated_postgres_template(worker_sandbox):
    """A PostgreSQL database the staging app's release command migrated from empty, once per worker, as
    the sandbox migrates its SQLite template: each test's database is a copy (a migration from empty
    takes seconds, a copy milliseconds). The release command then runs again on the copy before the
    app's first dyno, as Heroku's release phase would, and finds nothing to apply."""
    import uuid

    import psycopg
    from psycopg import sql

    from dandiops.sandbox.dyno import database

    from dyno_helpers import STAGING_APP

    admin_url = _postgres_admin_url()
    name = f"dandiops_template_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        staging = worker_sandbox.heroku.state.apps[STAGING_APP]
        database.migrate_from_empty(
            staging, database.release_command(staging), _database_url(admin_url, name), what="the PostgreSQL template"
        )
        yield name
    finally:
        _drop_database(admin_url, name)


@pytest.fixture
def postgres_url(migrated_postgres_template):
    """A PostgreSQL database for one test, migrated as a deployed app's is (a copy of the worker's
    migrated template); dropped afterwards."""
    import uuid

    import psycopg
    from psycopg import sql

    admin_url = _postgres_admin_url()
    name = f"dandiops_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(migrated_postgres_template)
            )
        )
    yield _database_url(admin_url, name)
    _drop_database(admin_url, name)
