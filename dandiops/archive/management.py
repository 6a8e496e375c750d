"""The commands dandiops runs in the archive's one-off dynos, and the result-line protocol.

Data (emails, reasons, passwords) always travels in the dyno's env, never in the command text,
which Heroku shows in `heroku ps` and the app's log.
"""

from __future__ import annotations

import base64
import json
import shlex
import zlib
from typing import Any, Iterable

from dandiops.archive import in_dyno
from dandiops.archive.deployment import CACHE_TABLE

RESULT_PREFIX = "DANDIOPS-RESULT "
REQUEST_VAR = "DANDIOPS_REQUEST"
SUPERUSER_EMAIL_VAR = "DJANGO_SUPERUSER_EMAIL"
SUPERUSER_PASSWORD_VAR = "DJANGO_SUPERUSER_PASSWORD"
# A conservative bound for one env value in a dyno create request; far above 1,000 emails.
MAX_REQUEST_CHARS = 96 * 1024


def shell_command(script: str) -> str:
    """`manage.py shell -c SCRIPT`, quiet (-v 0 keeps Django 5.2's auto-import banner out)."""
    return f"python manage.py shell -v 0 -c {shlex.quote(script)}"


def users_command() -> str:
    return shell_command(in_dyno.source("mail_errors") + in_dyno.source("users"))


def email_test_command() -> str:
    return shell_command(in_dyno.source("mail_errors") + in_dyno.source("email"))


def superuser_command() -> str:
    return shell_command(in_dyno.source("superuser"))


def cachetable_command(*, dry_run: bool = False) -> str:
    """-v 2 makes Django say whether it created the table or found it; --dry-run prints the SQL instead."""
    if dry_run:
        return f"python manage.py createcachetable --dry-run {CACHE_TABLE}"
    return f"python manage.py createcachetable -v 2 {CACHE_TABLE}"


def encode_request(data: dict[str, Any]) -> str:
    return base64.b64encode(zlib.compress(json.dumps(data, separators=(",", ":")).encode(), 9)).decode("ascii")


def parse_result(lines: Iterable[str]) -> dict[str, Any] | None:
    """The last result line's JSON, or None when the script printed none."""
    result = None
    for line in lines:
        stripped = line.strip("\r\n")
        if stripped.startswith(RESULT_PREFIX):
            try:
                result = json.loads(stripped[len(RESULT_PREFIX) :])
            except ValueError:
                result = None
    return result


def cachetable_outcome(lines: Iterable[str]) -> str | None:
    """ "exists" or "created" from `createcachetable -v 2` output (None when neither is said)."""
    text = "\n".join(lines)
    if f"Cache table '{CACHE_TABLE}' already exists." in text:
        return "exists"
    if f"Cache table '{CACHE_TABLE}' created." in text:
        return "created"
    return None
