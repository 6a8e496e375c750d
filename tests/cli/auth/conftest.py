"""Fixtures for `dandiops auth setup`: a way to read the miniature archive's database the way a dyno would
(outside dandiops). The sandbox itself is the shared one (tests/sandbox_fixtures.py); tests marked
`postgres` get the staging app on a fresh PostgreSQL database.
"""

from __future__ import annotations

import hashlib
import json

import pytest

from dyno_helpers import archive_shell

STAGING_APP = "dandi-sandbox-api-staging"


class Archive:
    """The staging app's database, read and seeded with Python run in the app's project."""

    def __init__(self, app):
        self.app = app

    def run(self, code: str) -> list[str]:
        return archive_shell(self.app, code)

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
def dyno_posts(sandbox):
    def posts() -> list:
        return [
            r for r in sandbox.heroku.state.requests if r.method == "POST" and r.path == f"/apps/{STAGING_APP}/dynos"
        ]

    return posts
