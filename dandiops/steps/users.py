"""Listing, approving and rejecting archive users: one dyno per batch, one transaction in it.

Inputs are validated before any dyno starts. The dyno runs dandiops/archive/in_dyno/users.py,
which applies the dashboard's semantics and answers with one result line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dandiops.archive.management import MAX_REQUEST_CHARS, REQUEST_VAR, encode_request, users_command
from dandiops.archive.users import validate_domain, validate_emails, validate_reason
from dandiops.core.errors import NotFoundError, UsageError
from dandiops.core.words import plural
from dandiops.steps.oneoff import require_result, run_in_dyno

if TYPE_CHECKING:
    from dandiops.app.context import Context


@dataclass
class UserChange:
    """approve or reject: explicit emails, or (approve only) every PENDING user of a domain."""

    action: str
    emails: list[str] = field(default_factory=list)
    domain: str | None = None
    reason: str | None = None
    send_email: bool = True
    skip_missing: bool = False

    @classmethod
    def build(
        cls,
        action: str,
        *,
        emails: list[str],
        file_emails: list[str] | None = None,
        domain: str | None = None,
        reason: str | None = None,
        send_email: bool = True,
        skip_missing: bool = False,
    ) -> "UserChange":
        """Validate everything up front; raises UsageError and changes nothing on bad input."""
        if action not in ("approve", "reject"):
            raise ValueError(action)
        if action == "reject":
            reason = validate_reason(reason)
        elif reason is not None:
            raise UsageError("--reason is for rejections", hint="drop --reason, or use `users reject`")
        valid = validate_emails(emails, source="the arguments")
        if file_emails is not None:
            valid = validate_emails(valid + validate_emails(file_emails, source="--from-file"))
        if domain is not None:
            if valid:
                raise UsageError(
                    "--domain approves every pending user of a domain; it does not mix with emails",
                    hint="run it on its own, then approve the individual emails separately",
                )
            domain = validate_domain(domain)
        elif not valid:
            raise UsageError(
                f"no users to {action}",
                hint="name EMAIL arguments or pass --from-file PATH"
                + (" or --domain DOMAIN" if action == "approve" else ""),
            )
        change = cls(
            action=action, emails=valid, domain=domain, reason=reason, send_email=send_email, skip_missing=skip_missing
        )
        if len(change.encoded(dry_run=False)) > MAX_REQUEST_CHARS:
            raise UsageError(
                f"{len(valid)} emails are too many for one dyno's environment",
                hint="split the file into smaller batches (a few thousand emails each)",
            )
        return change

    def request(self, *, dry_run: bool) -> dict[str, Any]:
        return {
            "action": self.action,
            "emails": self.emails,
            "domain": self.domain,
            "reason": self.reason,
            "send_email": self.send_email,
            "skip_missing": self.skip_missing,
            "dry_run": dry_run,
        }

    def encoded(self, *, dry_run: bool) -> str:
        return encode_request(self.request(dry_run=dry_run))

    def describe(self) -> str:
        who = (
            f"every pending user @{self.domain}"
            if self.domain
            else (self.emails[0] if len(self.emails) == 1 else f"{len(self.emails)} users")
        )
        return f"{self.action} {who}"


def _run(ctx: "Context", request: dict[str, Any], what: str) -> dict[str, Any]:
    run = run_in_dyno(ctx, users_command(), env={REQUEST_VAR: encode_request(request)}, what=what)
    result = require_result(run, what)
    result["dyno"] = run.dyno_name
    return result


def list_users(ctx: "Context", status: str | None = None) -> list[dict[str, Any]]:
    what = f"listing {status.lower()} users" if status else "listing users"
    users: list[dict[str, Any]] = _run(ctx, {"action": "list", "status": status}, what)["users"]
    return users


def show_user(ctx: "Context", email: str) -> dict[str, Any]:
    email = validate_emails([email], source="EMAIL")[0]
    result = _run(ctx, {"action": "show", "email": email}, f"looking up {email}")
    if result["user"] is None:
        if result.get("ambiguous"):
            raise NotFoundError(f"{email} matches more than one archive user", hint="look them up in the Django admin")
        raise NotFoundError(f"no archive user {email}", hint="check the spelling; `dandiops users list` shows all")
    user: dict[str, Any] = result["user"]
    return user


def change_users(ctx: "Context", change: UserChange, *, dry_run: bool = False) -> dict[str, Any]:
    """Apply (or, with dry_run, compute) the change in one dyno; one audit line per changed user."""
    result = _run(ctx, change.request(dry_run=dry_run), change.describe())
    missing = result["unknown"] + result["ambiguous"]
    if missing and not change.skip_missing:
        shown = ", ".join(missing[:20]) + (f" and {len(missing) - 20} more" if len(missing) > 20 else "")
        detail = "not archive users" if not result["ambiguous"] else "not archive users or match several users"
        raise NotFoundError(
            f"{len(missing)} of the emails are {detail}: {shown}; nothing was changed",
            hint="fix them, or pass --skip-missing to apply the rest",
        )
    if result["applied"]:
        unsent = {failure["email"] for failure in result["email_failures"]}
        for item in result["changed"]:
            ctx.record(
                f"user.{change.action}",
                email=item["email"],
                previous_status=item["from"],
                email_sent=change.send_email and item["email"] not in unsent,
                dyno=result["dyno"],
                **({"reason": change.reason} if change.reason else {}),
            )
    return result


def undelivered(failures: list[dict[str, str]], *, limit: int = 10) -> str:
    """The addresses whose email was not sent, grouped by why: `a@x, b@x: <answer>; c@y: <answer>`."""
    from dandiops.core.output import printable

    by_reason: dict[str, list[str]] = {}
    for failure in failures:
        by_reason.setdefault(failure["error"], []).append(failure["email"])
    parts = []
    for reason, emails in list(by_reason.items())[:limit]:
        shown = ", ".join(printable(email) for email in emails[:limit])
        more = f" and {len(emails) - limit} more" if len(emails) > limit else ""
        parts.append(f"{shown}{more}: {printable(reason)}")
    if len(by_reason) > limit:
        parts.append(f"and {plural(len(by_reason) - limit, 'other answer')}")
    return "; ".join(parts)
