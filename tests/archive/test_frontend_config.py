"""What dandiops reads from a fork's web/netlify.toml, and the DNS record a web host needs (no I/O)."""

from __future__ import annotations

import pytest

from dandiops.archive.frontend import NetlifyConfig, dns_record
from dandiops.core.errors import ConfigError

UPSTREAM_LIKE = """
[build]
publish = "dist"
command = "git fetch --tags && npm run build"

[build.environment]
NODE_VERSION = "20"
VITE_APP_DOI_SERVER = "https://build.example/"

[context.production.environment]
VITE_APP_DANDI_API_ROOT = "https://api.production.example/api/"
VITE_APP_DOI_SERVER = "https://production.example/"

[context.release.environment]
VITE_APP_DANDI_API_ROOT = "https://api.dandiarchive.org/api/"

[context.master.environment]
VITE_APP_DANDI_API_ROOT = "https://api.sandbox.dandiarchive.org/api/"
"""


def test_the_branch_context_beats_the_deploy_context_which_beats_build():
    config = NetlifyConfig.parse(UPSTREAM_LIKE)
    assert (config.command, config.publish) == ("git fetch --tags && npm run build", "dist")
    release = config.environment("release")
    assert release["VITE_APP_DANDI_API_ROOT"].value == "https://api.dandiarchive.org/api/"
    assert release["VITE_APP_DANDI_API_ROOT"].where == "[context.release.environment]"
    assert release["VITE_APP_DOI_SERVER"].where == "[context.production.environment]"
    assert release["NODE_VERSION"].where == "[build.environment]"
    assert config.environment("master")["VITE_APP_DANDI_API_ROOT"].where == "[context.master.environment]"
    assert "VITE_APP_OAUTH_CLIENT_ID" not in config.environment("master")


def test_a_netlify_toml_that_is_not_toml_is_a_config_error_naming_it():
    with pytest.raises(ConfigError, match="web/netlify.toml is not valid TOML"):
        NetlifyConfig.parse("[context.master\n")


def test_a_subdomain_points_by_cname_and_an_apex_at_netlifys_load_balancer():
    assert dns_record("https://gui.example.org", "my-site").describe() == "gui.example.org CNAME my-site.netlify.app"
    assert dns_record("https://example.org", "my-site").describe() == "example.org A 75.2.60.5"
