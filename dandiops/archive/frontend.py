"""What the DANDI web app's Netlify build needs, and what the fork's web/netlify.toml already says.

Sources (dandi-archive-facts §8, frontend-email-domains §1.4-1.7): the web app lives in `web/` (the
site's base directory), `web/netlify.toml` sets the build command and publish directory and, per
context, the VITE_APP_* variables; Netlify lets netlify.toml beat the site's own settings and
variables, and a branch-named context (`[context.release]`) beat the deploy context's
(`[context.production]`). So a variable netlify.toml sets for the site's branch cannot be changed
through Netlify's API: only an edit of the fork changes it. The server-info plugin fails the build
without VITE_APP_DANDI_API_ROOT. Pure: texts in, values out.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from dandiops.archive.dns import DnsRecord
from dandiops.archive.fork import NETLIFY_TOML
from dandiops.core.errors import ConfigError

if TYPE_CHECKING:
    from dandiops.core.settings import Environment

BASE_DIRECTORY = "web"
# upstream's web/netlify.toml [build], used when a fork has no netlify.toml
DEFAULT_BUILD_COMMAND = "git fetch --tags && npm run build"
DEFAULT_PUBLISH = "dist"

# Netlify's load balancer, for a domain that cannot have a CNAME (an apex): DI terraform/domain.tf
NETLIFY_LOAD_BALANCER = "75.2.60.5"


def web_variables(env: "Environment", *, oauth_client_id: str) -> dict[str, str]:
    """The variables this clone's web app is built with, as the fork step writes them into netlify.toml
    (archive.fork): the API, sign-in, the DOI server, and Sentry when there is a DSN."""
    from dandiops.archive.fork import target_for

    wanted = target_for(env, oauth_client_id=oauth_client_id).web_variables()
    return {key: value for key, value in wanted.items() if value is not None}


@dataclass(frozen=True)
class ConfiguredValue:
    value: str
    where: str  # the table that sets it, e.g. [context.release.environment]


@dataclass(frozen=True)
class NetlifyConfig:
    """The parts of a netlify.toml a build of one branch reads."""

    command: str | None
    publish: str | None
    data: dict[str, Any]

    @classmethod
    def parse(cls, text: str, *, where: str = NETLIFY_TOML) -> "NetlifyConfig":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(
                f"{where} is not valid TOML: {exc}", hint=f"fix {where} in the fork: Netlify fails every build on it"
            ) from None
        build = _table(data, "build")
        command, publish = build.get("command"), build.get("publish")
        return cls(command if isinstance(command, str) else None, publish if isinstance(publish, str) else None, data)

    def environment(self, branch: str, context: str = "production") -> dict[str, ConfiguredValue]:
        """The variables it sets for a `context` deploy of `branch`, each with the table that wins."""
        found: dict[str, ConfiguredValue] = {}
        contexts = _table(self.data, "context")
        layers = [("[build.environment]", _table(self.data, "build").get("environment"))]
        layers.append((f"[context.{context}.environment]", _table(contexts, context).get("environment")))
        if branch != context:
            layers.append((f"[context.{branch}.environment]", _table(contexts, branch).get("environment")))
        for where, table in layers:
            if isinstance(table, dict):
                found.update({str(key): ConfiguredValue(str(value), where) for key, value in table.items()})
        return found


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def dns_record(web_url: str, site_name: str) -> DnsRecord:
    """The record that points the web host at the site: a CNAME to NAME.netlify.app for a subdomain,
    Netlify's load balancer for an apex (two labels, e.g. example.org), which cannot be a CNAME."""
    host = urlsplit(web_url).hostname or web_url
    if host.count(".") <= 1:
        return DnsRecord("A", host, NETLIFY_LOAD_BALANCER)
    return DnsRecord("CNAME", host, f"{site_name}.netlify.app")
