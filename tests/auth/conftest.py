"""Fixtures for `dandiops auth setup`: the Heroku stand-in with one-off dynos and the apps' web process,
and a way to read the miniature archive's database the way a dyno would (outside dandiops).

The full sandbox's GitHub and AWS stand-ins are left out: auth setup does not use them and they cost
time at every start. Responses are checked against Heroku's schema at teardown, as everywhere.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex

import pytest

STAGING_APP = "dandi-sandbox-api-staging"


@pytest.fixture
def sandbox(request, tmp_path, schema_validator):
    """Tests marked `postgres` get the staging app on a fresh PostgreSQL database, the others SQLite."""
    from dandiops.sandbox.dyno.component import DynoComponent
    from dandiops.sandbox.dyno.web import ArchiveWebComponent
    from dandiops.sandbox.runtime import Sandbox

    database_urls = None
    if request.node.get_closest_marker("postgres"):
        database_urls = {"staging": request.getfixturevalue("postgres_url")}
    dynos = DynoComponent()
    box = Sandbox(tmp_path / "sandbox", components=[dynos, ArchiveWebComponent()], database_urls=database_urls,
                  heroku_extensions=[dynos.heroku_extension])
    box.start()
    try:
        yield box
    finally:
        box.stop()
    checked = [r for r in box.heroku.state.requests if r.status < 300 and r.response is not None
               and not r.path.startswith(("/_sandbox/", "/client/", "/sessions/"))]
    problems = [f"{r.method} {r.path}: {problem}" for r in checked
                for problem in schema_validator.errors(r.method, r.path, r.response)]
    assert not problems, "stand-in responses that break Heroku's schema:\n" + "\n".join(problems[:20])


@pytest.fixture
def postgres_url():
    """A fresh, empty PostgreSQL database on the server DANDIOPS_TEST_DATABASE_URL names; dropped afterwards."""
    import uuid
    from urllib.parse import urlsplit, urlunsplit

    admin_url = os.environ.get("DANDIOPS_TEST_DATABASE_URL")
    if not admin_url:
        pytest.skip("DANDIOPS_TEST_DATABASE_URL is not set (a postgresql:// URL where databases may be created)")
    import psycopg
    from psycopg import sql

    name = f"dandiops_auth_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL at DANDIOPS_TEST_DATABASE_URL is unreachable: {exc}".splitlines()[0])
    yield urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


class Archive:
    """The staging app's database, read and seeded with Python run in the app's project."""

    def __init__(self, app):
        self.app = app

    def run(self, code: str) -> list[str]:
        from dandiops.sandbox.dyno import database, executor

        database.ensure_migrated(self.app)
        lines: list[str] = []
        status = executor.run_to_completion(self.app, f"python manage.py shell -v 0 -c {shlex.quote(code)}",
                                            dyno_name="test.1", on_line=lines.append)
        assert status == 0, "\n".join(lines)
        return lines

    def query(self, code: str):
        """Run `code`, which prints one JSON document last, and return it."""
        return json.loads(self.run(code)[-1])

    def auth_rows(self) -> dict:
        return self.query(AUTH_ROWS)

    def fingerprint(self) -> str:
        """The database file's bytes: any write, even of unchanged values, changes them."""
        from dandiops.sandbox.dyno.database import ensure_migrated, sqlite_path

        ensure_migrated(self.app)
        return hashlib.sha256(sqlite_path(self.app).read_bytes()).hexdigest()


AUTH_ROWS = """
import json
from django.contrib.sites.models import Site
from allauth.socialaccount.models import SocialApp
from oauth2_provider.models import get_application_model
print(json.dumps({
    "sites": list(Site.objects.order_by("pk").values("id", "domain", "name")),
    "social_apps": [{"id": a.pk, "provider": a.provider, "name": a.name, "client_id": a.client_id,
                     "secret": a.secret, "sites": sorted(a.sites.values_list("id", flat=True))}
                    for a in SocialApp.objects.order_by("pk")],
    "applications": [{"client_id": a.client_id, "name": a.name, "redirect_uris": a.redirect_uris,
                      "client_type": a.client_type, "grant": a.authorization_grant_type,
                      "skip_authorization": a.skip_authorization, "updated": a.updated.isoformat()}
                     for a in get_application_model().objects.order_by("pk")],
}))
"""


@pytest.fixture
def staging(sandbox) -> Archive:
    return Archive(sandbox.heroku.state.find_app(STAGING_APP))


@pytest.fixture
def audit_lines(sandbox):
    def read() -> list[dict]:
        path = sandbox.workdir / "audit.log"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.is_file() else []

    return read


@pytest.fixture
def dyno_posts(sandbox):
    def posts() -> list:
        return [r for r in sandbox.heroku.state.requests
                if r.method == "POST" and r.path == f"/apps/{STAGING_APP}/dynos"]

    return posts
