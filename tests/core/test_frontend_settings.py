"""dandiops.toml's frontend keys: netlify_site, netlify_team, sentry_dsn, sentry_environment."""

from __future__ import annotations

import pytest

from dandiops.core.errors import ConfigError
from dandiops.core.settings import SECRET_ENV_NAMES, load_settings

BASE = '[environments.production]\nheroku_app = "my-api"\nproduction = true\n'


def _load(tmp_path, extra: str):
    path = tmp_path / "dandiops.toml"
    path.write_text(BASE + extra)
    return load_settings(path, environ={}).environment("production")


def test_the_frontend_keys_are_read_and_the_production_site_builds_release(tmp_path):
    env = _load(
        tmp_path,
        'netlify_site = "my-dandi-web"\nnetlify_team = "my-team"\n'
        'sentry_dsn = "https://abc123@o1.ingest.sentry.io/42"\n',
    )
    assert (env.netlify_site, env.netlify_team, env.web_branch) == ("my-dandi-web", "my-team", "release")
    assert (env.sentry_dsn, env.sentry_environment_name) == ("https://abc123@o1.ingest.sentry.io/42", "production")
    assert "NETLIFY_AUTH_TOKEN" in SECRET_ENV_NAMES


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ('netlify_site = "My_Site"', "netlify_site"),
        ('netlify_team = "team/x"', "netlify_team"),
        ('sentry_dsn = "http://key@sentry.example/1"', "sentry_dsn"),
        ('sentry_environment = "pro duction"', "sentry_environment"),
    ],
)
def test_a_malformed_frontend_key_is_refused_naming_it(tmp_path, line, key):
    with pytest.raises(ConfigError, match=f"environments.production.{key} is not valid"):
        _load(tmp_path, line + "\n")
