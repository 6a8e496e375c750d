"""What signing in to a DANDI Archive needs, as the runbook's authentication page sets it up.

Sources: dandi/dandi-archive dandiapi/api/migrations/0001_default_site.py (Site SITE_ID starts as
api.dandiarchive.org), 0028_default_oauth_application.py (the web app's OAuth application, with the
frontend's default client id and the development redirect URI), web/src/rest.ts (the web app
redirects back to `window.location.origin`, so the redirect URI is the web origin plus "/"),
resonant_settings.allauth (SITE_ID = 1) and allauth's `accounts/<provider>/login/callback/` route.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from dandiops.core.errors import ConfigError, UsageError

GITHUB_PROVIDER = "github"
GITHUB_APP_NAME = "GitHub"
WEB_APP_NAME = "DANDI GUI"  # the name migration 0028 gives the web app's OAuth application
DEFAULT_OAUTH_CLIENT_ID = "Dk0zosgt1GAAKfN8LT4STJmLJXwMDPbYWYzfNtAl"
DEVELOPMENT_REDIRECT_URI = "http://localhost:8085/"
CALLBACK_PATH = "/accounts/github/login/callback/"
CLIENT_SECRET_VAR = "DANDIOPS_GITHUB_CLIENT_SECRET"
SOCIALAPP_FIELD_MAX = 191  # SocialApp.client_id and .secret max_length
OAUTH_CLIENT_ID_MAX = 100  # oauth2_provider Application.client_id max_length

# Client ids travel in URLs (the authorize request's query), so only URL-safe characters.
_CLIENT_ID = re.compile(r"^[A-Za-z0-9._~-]+$")


def validate_client_id(value: str | None, option: str, *, max_length: int) -> str:
    if value is None or not value.strip():
        raise UsageError(f"{option} is empty", hint=f"pass {option} ID; nothing was changed")
    if value != value.strip() or not _CLIENT_ID.match(value):
        raise UsageError(
            f"{option} {value!r} is not a client id: only letters, digits and . _ ~ - are allowed",
            hint="copy the id exactly, without spaces or quotes; nothing was changed",
        )
    if len(value) > max_length:
        raise UsageError(
            f"{option} is {len(value)} characters; the archive keeps at most {max_length}",
            hint="check that you copied the client id, not something else; nothing was changed",
        )
    return value


def validate_client_secret(value: str | None, source: str) -> str:
    """The GitHub OAuth App's client secret; the message never includes it."""
    if not value:
        raise UsageError(
            f"the GitHub client secret from {source} is empty",
            hint="give the secret of the GitHub OAuth App; nothing was changed",
        )
    if value != value.strip() or any(c.isspace() for c in value):
        raise UsageError(
            f"the GitHub client secret from {source} contains whitespace",
            hint="paste the secret exactly as GitHub shows it; nothing was changed",
        )
    if len(value) > SOCIALAPP_FIELD_MAX:
        raise UsageError(
            f"the GitHub client secret from {source} is {len(value)} characters; the archive keeps "
            f"at most {SOCIALAPP_FIELD_MAX}",
            hint="check that you copied the client secret",
        )
    return value


@dataclass(frozen=True)
class AuthTargets:
    """What `auth setup` makes true, derived from the environment and the operator's options."""

    site_domain: str
    site_name: str
    github_client_id: str
    oauth_client_id: str
    redirect_uri: str
    callback_url: str

    def request(self) -> dict:
        """The part of the dyno request that says what should be (no secret in it)."""
        return {
            "site": {"domain": self.site_domain, "name": self.site_name},
            "github": {"provider": GITHUB_PROVIDER, "name": GITHUB_APP_NAME, "client_id": self.github_client_id},
            "oauth": {
                "client_id": self.oauth_client_id,
                "redirect_uri": self.redirect_uri,
                "replaces": [DEVELOPMENT_REDIRECT_URI],
                "default_client_id": DEFAULT_OAUTH_CLIENT_ID,
                "name": WEB_APP_NAME,
            },
        }


def _url(value: str, key: str, env_name: str):
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"{key} of environment {env_name!r} is not an http(s) URL: {value!r}",
            hint=f'set `{key} = "https://..."` under [environments.{env_name}] in dandiops.toml',
        )
    return parts


def _host(parts) -> str:
    host = parts.hostname.lower()
    return f"{host}:{parts.port}" if parts.port else host


def targets(
    *, env_name: str, api_url: str, web_url: str, production: bool, github_client_id: str, oauth_client_id: str
) -> AuthTargets:
    api = _url(api_url, "api_url", env_name)
    web = _url(web_url, "web_url", env_name)
    if production and web.scheme != "https":
        raise ConfigError(
            f"web_url of production environment {env_name!r} is {web_url!r}; the archive accepts "
            "only https redirect URIs in production",
            hint=f"set web_url under [environments.{env_name}] to the https address of the web app",
        )
    api_host = _host(api)
    return AuthTargets(
        site_domain=api_host,
        site_name=api_host,
        github_client_id=github_client_id,
        oauth_client_id=oauth_client_id,
        # The web app sends its own origin as the redirect URI, so a path in web_url would never match.
        redirect_uri=f"{web.scheme}://{_host(web)}/",
        callback_url=f"{api.scheme}://{api_host}{CALLBACK_PATH}",
    )


def auth_command() -> str:
    """The dyno command: the in-dyno script as text (its data travels in the dyno's env)."""
    from dandiops.archive import in_dyno
    from dandiops.archive.management import shell_command

    return shell_command(in_dyno.source("auth"))


def oauth_applications_command() -> str:
    """The dyno command that lists the OAuth applications (read-only)."""
    from dandiops.archive import in_dyno
    from dandiops.archive.management import shell_command

    return shell_command(in_dyno.source("oauth_applications"))


def web_app_client_ids(applications: list[dict], web_url: str) -> list[str]:
    """The client ids the web app at `web_url` may sign in with: those of the applications that
    accept its redirect URI (its origin and "/", what `auth setup` sets), or, when none does, of
    every application the database holds."""
    web = urlsplit(web_url)
    redirect_uri = f"{web.scheme}://{_host(web)}/" if web.hostname else None
    accepting = [app["client_id"] for app in applications if redirect_uri in app.get("redirect_uris", ())]
    return accepting or [app["client_id"] for app in applications]
