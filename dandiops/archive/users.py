"""What the archive knows about users: approval statuses and emails.

Sources: dandi/dandi-archive dandiapi/api/models/user.py (UserMetadata), dandiapi/api/views/dashboard.py
(approval semantics).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

from dandiops.core.errors import UsageError

REJECTION_REASON_MAX = 1000  # UserMetadata.rejection_reason max_length

_LABEL = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
_DOMAIN = re.compile(rf"^{_LABEL}(\.{_LABEL})+$")
_LOCAL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+$")


def email_problem(value: str) -> str | None:
    """Why `value` is not an email address the archive could hold, or None."""
    if not value or value != value.strip() or any(c.isspace() for c in value):
        return "empty or contains whitespace"
    if len(value) > 254:
        return "longer than 254 characters"
    local, sep, domain = value.rpartition("@")
    if not sep or not local:
        return "no user part before @" if sep else "no @"
    if not _LOCAL.match(local) or local.startswith(".") or local.endswith(".") or ".." in local:
        return "invalid characters before @"
    if not _DOMAIN.match(domain):
        return "invalid domain after @"
    return None


def validate_emails(values: Iterable[str], *, source: str = "arguments") -> list[str]:
    """The emails, in order without duplicates (case-insensitively); every bad one named at once."""
    emails: list[str] = []
    seen: set[str] = set()
    problems = []
    for value in values:
        problem = email_problem(value)
        if problem:
            problems.append(f"{value!r} ({problem})")
            continue
        if value.lower() not in seen:
            seen.add(value.lower())
            emails.append(value)
    if problems:
        shown = ", ".join(problems[:10]) + (f" and {len(problems) - 10} more" if len(problems) > 10 else "")
        raise UsageError(
            f"invalid email address{'es' if len(problems) > 1 else ''} in {source}: {shown}",
            hint="fix or remove them; nothing was changed",
        )
    return emails


def normalize_email(email: str) -> str:
    """The address as the archive stores a new superuser's (Django's normalize_email, used for both
    username and email): the domain lower-cased, the part before @ kept as typed."""
    local, _, domain = email.strip().rpartition("@")
    return f"{local}@{domain.lower()}"


def superuser_email_problem(value: str) -> str | None:
    """Why `value` cannot be the email of a superuser who signs in, or None."""
    problem = email_problem(value)
    if problem:
        return problem
    local = value.rpartition("@")[0]
    if local != local.lower():
        # allauth lower-cases the address it is given, then matches it exactly against the stored
        # one; the archive stores the part before @ as typed.
        return (
            "capital letters before @: the archive keeps that part as typed but signs in with the address "
            "lower-cased and matched exactly, so this superuser could never log in"
        )
    return None


def validate_superuser_email(value: str, *, source: str = "--email") -> str:
    """The address as the archive will store it; raises UsageError, naming the fix, when unusable."""
    if email_problem(value):
        validate_emails([value], source=source)  # raises, naming the problem
    problem = superuser_email_problem(value)
    if problem:
        raise UsageError(f"{source} {value}: {problem}", hint=f"use {value.lower()} instead; nothing was changed")
    return normalize_email(value)


def read_email_file(path: str) -> list[str]:
    """One email per line; blank lines and lines starting with # are skipped."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(
            f"--from-file {path}: no such file", hint="give the path of a file with one email per line"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(
            f"--from-file {path}: cannot read it ({exc})", hint="give a UTF-8 text file with one email per line"
        ) from None
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def validate_domain(value: str) -> str:
    domain = value.strip().lower().lstrip("@")
    if not _DOMAIN.match(domain):
        raise UsageError(
            f"invalid --domain {value!r}: not a domain name", hint="give the part after @, e.g. --domain example.org"
        )
    return domain


def validate_reason(reason: str | None) -> str:
    if reason is None or not reason.strip():
        raise UsageError(
            "rejecting needs a reason: the archive sends it to the user and requires it",
            hint='pass --reason "TEXT"; nothing was changed',
        )
    reason = reason.strip()
    if len(reason) > REJECTION_REASON_MAX:
        raise UsageError(
            f"the reason is {len(reason)} characters; the archive keeps at most {REJECTION_REASON_MAX}",
            hint="shorten it; nothing was changed",
        )
    return reason
