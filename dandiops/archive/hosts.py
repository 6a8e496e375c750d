"""What DJANGO_ALLOWED_HOSTS and DJANGO_CORS_ALLOWED_ORIGINS accept.

Django matches ALLOWED_HOSTS entries against the request's host without its port: an entry is
a host name or IP (lower case), `.example.org` for the domain and its subdomains, or `*`.
django-cors-headers compares each origin, as a string, with the browser's `Origin` header:
scheme://host[:port] with no path, and no port when it is the scheme's default.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Callable
from urllib.parse import urlsplit

from dandiops.core.errors import UsageError

MAX_HOST_LENGTH = 253
MAX_LABEL_LENGTH = 63
DEFAULT_PORTS = {"http": 80, "https": 443}

_LABEL = re.compile(r"^(?!-)[a-z0-9-]+(?<!-)$")


def normalize_host(value: str) -> str:
    raw = value
    if "@" in raw:  # checked first, and never echoed: user info may hold a password
        raise UsageError(
            "invalid host: it holds user info (NAME@ or NAME:PASSWORD@)",
            hint="give a bare host name such as api.example.org",
        )
    if raw != raw.strip() or any(c.isspace() for c in raw) or not raw:
        raise UsageError(
            f"invalid host {value!r}: it contains whitespace or is empty",
            hint="give a bare host name such as api.example.org",
        )
    if "," in raw:
        raise UsageError(
            f"invalid host {value!r}: one host per argument, not a comma-separated list",
            hint="give each host as its own argument: " + " ".join(p for p in raw.split(",") if p),
        )
    if "://" in raw:
        raise UsageError(
            f"invalid host {value!r}: ALLOWED_HOSTS takes host names, not URLs",
            hint=f"drop the scheme: {_hostname_or(raw, raw.split('://', 1)[1])}",
        )
    if "/" in raw:
        raise UsageError(f"invalid host {value!r}: a host has no path", hint=f"use {raw.split('/', 1)[0]}")
    host = raw.lower()
    if host == "*":
        return host
    if host.startswith("["):
        if not host.endswith("]") or not _is_address(host[1:-1], ipaddress.IPv6Address):
            raise UsageError(
                f"invalid host {value!r}: not an IPv6 address in brackets",
                hint="write an IPv6 address as [2001:db8::1], with no port",
            )
        return host
    if ":" in host:
        if _is_address(host, ipaddress.IPv6Address):
            raise UsageError(f"invalid host {value!r}: Django matches IPv6 addresses in brackets", hint=f"use [{host}]")
        raise UsageError(
            f"invalid host {value!r}: ALLOWED_HOSTS entries have no port",
            hint=f"use {host.rsplit(':', 1)[0]}; Django ignores the port when matching",
        )
    if host.startswith("*."):
        raise UsageError(
            f"invalid host {value!r}: Django uses a leading dot, not '*.', for subdomains", hint=f"use {host[1:]}"
        )
    if host.startswith("."):
        _check_name(host[1:], value, what="host", domain_pattern=True, rebuild=lambda name: f".{name}")
    else:
        _check_name(host, value, what="host")
    return host


def normalize_origin(value: str) -> str:
    return origin_and_note(value)[0]


def origin_and_note(value: str) -> tuple[str, str | None]:
    """The origin as browsers send it, and what was changed to get there (or None)."""
    if "@" in value:  # checked first, and never echoed: user info may hold a password
        raise UsageError(
            "invalid CORS origin: an origin has no user info (NAME:PASSWORD@)",
            hint="use " + " ".join(_without_user_info(part.strip()) for part in value.split(",") if part.strip()),
        )
    if not value or any(c.isspace() for c in value):
        raise UsageError(
            f"invalid CORS origin {value!r}: it contains whitespace or is empty",
            hint="give an origin such as https://example.org",
        )
    if "," in value:
        raise UsageError(
            f"invalid CORS origin {value!r}: one origin per --cors-origin, not a comma-separated list",
            hint="repeat the option: " + " ".join(f"--cors-origin {p}" for p in value.split(",") if p),
        )
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise UsageError(
            f"invalid CORS origin {value!r}: bad port or IPv6 address",
            hint="use a port from 1 to 65535, and an IPv6 address in brackets: https://[2001:db8::1]",
        ) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        given = value.split("://")[-1].split("/")[0]
        raise UsageError(
            f"invalid CORS origin {value!r}: an origin needs a scheme and a host",
            hint=f"use https://{given}"
            if given and not given.startswith(":")
            else "give scheme://host[:port], e.g. https://example.org",
        )
    if parts.path not in ("",) or parts.query or parts.fragment:
        raise UsageError(
            f"invalid CORS origin {value!r}: an origin has no path, query or trailing slash",
            hint=f"use {parts.scheme}://{parts.netloc}",
        )
    if port == 0:
        raise UsageError(f"invalid CORS origin {value!r}: bad port", hint="use a port from 1 to 65535")
    host = parts.hostname
    if ":" in host:
        if not _is_address(host, ipaddress.IPv6Address):
            raise UsageError(
                f"invalid CORS origin {value!r}: not a valid IPv6 address",
                hint="write an IPv6 address in brackets: https://[2001:db8::1]",
            )
        host = f"[{host}]"
    kept_port = f":{port}" if port is not None and port != DEFAULT_PORTS[parts.scheme] else ""
    if not host.startswith("["):
        _check_name(host, value, what="CORS origin", rebuild=lambda name: f"{parts.scheme}://{name}{kept_port}")
    origin = f"{parts.scheme}://{host}"
    if kept_port:
        return origin + kept_port, None
    if port is not None:
        return origin, (
            f"dropped :{port} from CORS origin {value}: it is the default port for {parts.scheme}, "
            f"which browsers leave out of the Origin header they send, so {origin} is what matches"
        )
    return origin, None


def allows(entries: list[str], host: str) -> bool:
    """Whether Django lets a request for `host` through with these ALLOWED_HOSTS entries."""
    host = host.lower()
    for entry in (e.lower() for e in entries):
        if entry == "*" or entry == host or (entry.startswith(".") and (host.endswith(entry) or host == entry[1:])):
            return True
    return False


def split_list(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def _check_name(
    name: str, shown: str, *, what: str, domain_pattern: bool = False, rebuild: Callable[[str], str] = str
) -> None:
    """Refuse a host name Django or a browser would never match, saying why; `rebuild` turns a
    corrected name back into the value the operator would give."""
    if name.endswith(".") and name.rstrip("."):
        raise UsageError(
            f"invalid {what} {shown!r}: a trailing dot never matches (Django and browsers compare the name without it)",
            hint=f"use {rebuild(name.rstrip('.'))}",
        )
    if len(name) > MAX_HOST_LENGTH:
        raise UsageError(
            f"invalid {what}: the host name is {len(name)} characters long, over the limit of {MAX_HOST_LENGTH}",
            hint="check that the value was not pasted twice or run together",
        )
    labels = name.split(".")
    if long := next((label for label in labels if len(label) > MAX_LABEL_LENGTH), None):
        raise UsageError(
            f"invalid {what} {shown!r}: the part {long[:20]}... is {len(long)} characters long, "
            f"over the limit of {MAX_LABEL_LENGTH} between dots",
            hint="check the name; no part between dots can be longer",
        )
    if all(label.isdigit() for label in labels):
        if domain_pattern or not _is_address(name, ipaddress.IPv4Address):
            raise UsageError(
                f"invalid {what} {shown!r}: it looks like an IPv4 address but is not one",
                hint="an IPv4 address is four numbers from 0 to 255 (e.g. 192.0.2.10), "
                "without leading zeros or a leading dot",
            )
        return
    if not all(_LABEL.match(label) for label in labels):
        example = "api.example.org or .example.org" if what == "host" else "https://example.org"
        raise UsageError(
            f"invalid {what} {shown!r}: not a valid host name",
            hint=f"use letters, digits, hyphens and dots, e.g. {example}",
        )


def _is_address(text: str, kind: type[ipaddress.IPv4Address | ipaddress.IPv6Address]) -> bool:
    """Whether `text` is an address of `kind`, as Python's ipaddress reads one."""
    try:
        kind(text)
    except ValueError:
        return False
    return True


def _without_user_info(value: str) -> str:
    scheme, separator, rest = value.partition("://")
    if not separator:
        scheme, rest = "https", value
    return f"{scheme}://{rest.split('/', 1)[0].rpartition('@')[2]}"


def _hostname_or(url: str, fallback: str) -> str:
    try:
        return urlsplit(url).hostname or fallback
    except ValueError:
        return fallback
