"""What DJANGO_ALLOWED_HOSTS and DJANGO_CORS_ALLOWED_ORIGINS accept.

Django matches ALLOWED_HOSTS entries against the request's host without its port: an entry is
a host name or IP (lower case), `.example.org` for the domain and its subdomains, or `*`.
django-cors-headers requires each origin to be scheme://host[:port] with no path.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from dandiops.core.errors import UsageError

_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_HOST = re.compile(rf"^\.?{_LABEL}(\.{_LABEL})*\.?$")
_IPV6 = re.compile(r"^\[[a-f0-9:.]+\]$")


def normalize_host(value: str) -> str:
    raw = value
    if raw != raw.strip() or any(c.isspace() for c in raw) or not raw:
        raise UsageError(f"invalid host {value!r}: it contains whitespace or is empty",
                         hint="give a bare host name such as api.example.org")
    if "@" in raw:  # never echoed: user info may hold a password
        raise UsageError("invalid host: it holds user info (NAME@ or NAME:PASSWORD@)",
                         hint="give a bare host name such as api.example.org")
    if "://" in raw:
        raise UsageError(f"invalid host {value!r}: ALLOWED_HOSTS takes host names, not URLs",
                         hint=f"drop the scheme: {urlsplit(raw).hostname or raw.split('://', 1)[1]}")
    if "/" in raw:
        raise UsageError(f"invalid host {value!r}: a host has no path", hint=f"use {raw.split('/', 1)[0]}")
    host = raw.lower()
    if host == "*":
        return host
    if _IPV6.match(host):
        return host
    if ":" in host:
        raise UsageError(f"invalid host {value!r}: ALLOWED_HOSTS entries have no port",
                         hint=f"use {host.rsplit(':', 1)[0]}; Django ignores the port when matching")
    if host.startswith("*."):
        raise UsageError(f"invalid host {value!r}: Django uses a leading dot, not '*.', for subdomains",
                         hint=f"use {host[1:]}")
    if not _HOST.match(host):
        raise UsageError(f"invalid host {value!r}: not a valid host name",
                         hint="use letters, digits, hyphens and dots, e.g. api.example.org or .example.org")
    return host


def normalize_origin(value: str) -> str:
    if not value or any(c.isspace() for c in value):
        raise UsageError(f"invalid CORS origin {value!r}: it contains whitespace or is empty",
                         hint="give an origin such as https://example.org")
    scheme, _, rest = value.rpartition("://")
    user_info, at, authority = rest.split("/", 1)[0].rpartition("@")
    if at:  # checked first, and never echoed: user info may hold a password
        raise UsageError("invalid CORS origin: an origin has no user info (NAME:PASSWORD@)",
                         hint=f"use {scheme or 'https'}://{authority}")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"invalid CORS origin {value!r}: an origin needs a scheme and a host",
                         hint=f"use https://{value.split('://')[-1].split('/')[0]}")
    if parts.path not in ("",) or parts.query or parts.fragment:
        raise UsageError(f"invalid CORS origin {value!r}: an origin has no path, query or trailing slash",
                         hint=f"use {parts.scheme}://{parts.netloc}")
    try:
        parts.port
    except ValueError:
        raise UsageError(f"invalid CORS origin {value!r}: bad port", hint="use a port from 1 to 65535") from None
    return f"{parts.scheme}://{parts.netloc.lower()}"


def split_list(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]
