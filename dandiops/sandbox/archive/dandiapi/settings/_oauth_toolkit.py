"""Mirrors resonant_settings.oauth_toolkit plus the archive's DJANGO_OAUTH2_ALLOW_URI_WILDCARDS: the
web app signs in with the authorization-code grant and PKCE, and in production a redirect URI must
be https (development.py also allows http)."""

from __future__ import annotations

from dandiapi.settings._env import bool_var

OAUTH2_PROVIDER = {
    "PKCE_REQUIRED": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    "ALLOW_URI_WILDCARDS": bool_var("DJANGO_OAUTH2_ALLOW_URI_WILDCARDS", False),
    "SCOPES": {"read": "Read scope", "write": "Write scope"},
}
