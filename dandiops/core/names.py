"""What a valid name or URL is, for every value that ends up in a request path, a file name or a URL.

Each checker returns the value as dandiops will use it, or a reason it is refused (a string), so
the caller decides whether that is a usage error (command line) or a configuration error
(dandiops.toml, environment variables, answers files).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Mapping
from urllib.parse import quote, urlsplit


class NameRule:
    """A kind of name dandiops.toml gives: the pattern a valid one matches in full, and how a refusal
    says what a valid one looks like."""

    def __init__(self, pattern: str, what: str, example: str):
        self.pattern = re.compile(pattern)
        self.what = what
        self.example = example

    def check(self, value: object) -> str:
        """The value, or raise ValueError saying what a valid one looks like."""
        if not isinstance(value, str) or not is_ascii_printable(value) or not self.pattern.fullmatch(value):
            raise ValueError(f"{self.what} must look like {self.example}")
        return value


def is_ascii_printable(value: str) -> bool:
    return value.isascii() and value.isprintable()


# Heroku's published schema: ^[a-z][a-z0-9-]{1,28}[a-z0-9]$
HEROKU_APP = NameRule(
    r"[a-z][a-z0-9-]{1,28}[a-z0-9]",
    "a Heroku app name",
    "my-dandi-api (3-30 lower-case letters, digits and dashes, starting with a letter)",
)
HEROKU_TEAM = NameRule(r"[a-z0-9][a-z0-9-]{0,62}", "a Heroku team", "my-team")
HEROKU_REGION = NameRule(r"[a-z][a-z0-9-]{1,30}", "a Heroku region", "us or eu")
GITHUB_OWNER = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})")
GITHUB_REPO_NAME = re.compile(r"[A-Za-z0-9._-]{1,100}")
WORKFLOW_FILE = NameRule(
    r"[A-Za-z0-9._-]{1,200}\.ya?ml", "a workflow", "a file name in .github/workflows such as backend-staging-deploy.yml"
)
S3_BUCKET = NameRule(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", "a bucket", "an S3 bucket name such as my-dandisets")
IAM_USER = NameRule(r"[A-Za-z0-9+=,.@_-]{1,64}", "an IAM user name", "dandi-api-staging")
ENVIRONMENT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,62}")
EMAIL = NameRule(r"[^@\s]{1,64}@[A-Za-z0-9.-]{1,253}", "an email address", "ops@example.org")
# A DNS name of at least two labels, in lower case as SES and DNS keep it.
DOMAIN = NameRule(
    r"(?=.{1,253}$)(?:(?!-)[a-z0-9-]{1,63}(?<!-)\.)+(?!-)[a-z0-9-]{1,63}(?<!-)",
    "a domain",
    "a lower-case domain name such as api.example.org",
)
AWS_REGION = re.compile(r"[a-z]{2}(?:-gov|-iso[a-z]*)?-[a-z]+-\d{1,2}")
# https://PUBLIC_KEY@HOST[/PATH]/PROJECT_ID (sentry.io or a self-hosted Sentry)
SENTRY_DSN = NameRule(
    r"https://[A-Za-z0-9]{1,64}@[A-Za-z0-9.-]{1,253}(?::\d{1,5})?(?:/[A-Za-z0-9._-]+)*/\d{1,20}",
    "a Sentry DSN",
    "https://PUBLIC_KEY@o0.ingest.sentry.io/PROJECT_ID",
)
SENTRY_ENVIRONMENT = NameRule(r"[A-Za-z0-9._-]{1,64}", "a Sentry environment", "staging (letters, digits, . _ -)")
# A Netlify site name is its subdomain of netlify.app: one DNS label, lower case.
NETLIFY_SITE = NameRule(
    r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?",
    "a Netlify site name",
    "my-dandi-web (lower-case letters, digits and dashes, at most 63)",
)
NETLIFY_TEAM = NameRule(
    r"[a-z0-9][a-z0-9-]{0,62}", "a Netlify team slug", "my-team (as in app.netlify.com/teams/my-team)"
)
_GIT_REF_FORBIDDEN = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]|\.\.|@\{|//")

DEFAULT_PORTS = {"https": 443, "http": 80}


def check_github_repo(value: object) -> str:
    example = "owner/name, e.g. my-org/dandi-archive"
    if not isinstance(value, str) or value.count("/") != 1:
        raise ValueError(f"a GitHub repository must be {example}")
    owner, name = value.split("/")
    if not (GITHUB_OWNER.fullmatch(owner) and GITHUB_REPO_NAME.fullmatch(name) and name not in (".", "..")):
        raise ValueError(f"a GitHub repository must be {example}")
    return value


def check_branch(value: object) -> str:
    if (
        not isinstance(value, str)
        or not value
        or not is_ascii_printable(value)
        or value.startswith(("-", "/", "."))
        or value.endswith(("/", ".", ".lock"))
        or _GIT_REF_FORBIDDEN.search(value)
    ):
        raise ValueError("a branch must be a git branch name such as master or release")
    return value


@dataclass(frozen=True)
class CheckedUrl:
    url: str
    dropped_port: bool


def check_public_url(value: object) -> CheckedUrl:
    """An https origin (optionally with a path) as browsers send it: no user info, query or
    fragment, the host in lower case and a default port dropped."""
    if not isinstance(value, str) or not value or not is_ascii_printable(value) or " " in value:
        raise ValueError("it must be an https URL such as https://api.example.org")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("it must be an https URL such as https://api.example.org")
    if "@" in parts.netloc:
        raise ValueError("it must not hold user info (NAME:PASSWORD@)")
    if parts.query or parts.fragment:
        raise ValueError("it must have no query or fragment")
    try:
        port = parts.port
        host = parts.hostname
    except ValueError:
        raise ValueError("its port must be a number from 1 to 65535") from None
    if not host:
        raise ValueError("it must name a host")
    if parts.scheme != "https":
        raise ValueError(
            "it must use https: the archive's heroku_production settings redirect http to "
            "https and browsers refuse its secure cookies over http"
        )
    dropped = port == DEFAULT_PORTS[parts.scheme]
    netloc = host if port is None or dropped else f"{host}:{port}"
    if ":" in host:  # an IPv6 literal keeps its brackets
        netloc = f"[{host}]" + ("" if port is None or dropped else f":{port}")
    path = parts.path.rstrip("/")
    return CheckedUrl(f"{parts.scheme}://{netloc}{path}", dropped)


def check_duration(value: float, option: str, *, allow_zero: bool = False, maximum: float | None = None) -> float:
    """A finite, positive number of seconds (or zero where allowed), at most `maximum` if given."""
    if (
        math.isnan(value)
        or math.isinf(value)
        or value < 0
        or (value == 0 and not allow_zero)
        or (maximum is not None and value > maximum)
    ):
        wanted = "zero or more" if allow_zero else "more than zero"
        most = f" and at most {maximum:g}" if maximum is not None else ""
        raise ValueError(f"{option} must be a finite number of seconds, {wanted}{most}")
    return value


def seconds_setting(
    raw: str | None, name: str, default: float, *, allow_zero: bool = False, maximum: float | None = None
) -> float:
    """A number of seconds read from the environment or `.env` (`raw`; unset or blank means `default`);
    anything else that check_duration refuses is a ConfigError naming the variable, never its value."""
    from dandiops.core.errors import ConfigError

    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan  # refused below, with the same message as inf or nan
    try:
        return check_duration(value, name, allow_zero=allow_zero, maximum=maximum)
    except ValueError as exc:
        raise ConfigError(str(exc), hint=f"fix or unset {name} (default {default:g} s)") from None


def seconds_from(
    environ: Mapping[str, str], name: str, default: float, *, allow_zero: bool = False, maximum: float | None = None
) -> float:
    """`seconds_setting` of the variable `name` of `environ`."""
    return seconds_setting(environ.get(name), name, default, allow_zero=allow_zero, maximum=maximum)


def path_segment(value: str) -> str:
    """A name made safe to stand as one segment of a request path."""
    return quote(value, safe="")
