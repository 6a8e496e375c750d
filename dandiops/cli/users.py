"""`dandiops users list|show|approve|reject`: the admin dashboard's user approval, from the terminal."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Optional

import typer

from dandiops.cli.change import Mutation, Report
from dandiops.cli.common import (
    ChangeOptions,
    ReadOptions,
    argument,
    command,
    command_group,
    flag,
    option,
    option_groups,
)
from dandiops.core.words import plural

app = command_group("users", "Archive users: list, show, approve and reject them (one one-off dyno per command).")


class StatusChoice(str, Enum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"
    incomplete = "incomplete"


@dataclass(frozen=True)
class UserSelection:
    """Whom `approve` and `reject` change, and whether they are told by email."""

    emails: Optional[list[str]] = argument("Users' emails (their usernames).", show_default=False)
    reason: Optional[str] = option("Why (required; sent to the user and kept as rejection_reason).")
    from_file: Optional[str] = option("A file with one email per line (blank lines and # comments skipped).")
    domain: Optional[str] = option("Approve every PENDING user whose email is @DOMAIN.")
    no_email: bool = flag("Do not send the approval/rejection email.")
    skip_missing: bool = flag("Apply to the users that exist even if some emails are unknown.")

    def change(self, action: str):
        """The steps' UserChange; bad input fails here, before any request."""
        from dandiops.archive.users import read_email_file
        from dandiops.steps.users import UserChange

        return UserChange.build(
            action,
            emails=list(self.emails or []),
            file_emails=read_email_file(self.from_file) if self.from_file else None,
            domain=self.domain,
            reason=self.reason,
            send_email=not self.no_email,
            skip_missing=self.skip_missing,
        )


@command(app, "list")
def list_users(
    ctx: typer.Context,
    status: Annotated[
        Optional[StatusChoice],
        typer.Option(
            "--status",
            case_sensitive=False,
            help="Only users with this status: pending, approved, rejected or incomplete.",
        ),
    ] = None,
    *,
    read: ReadOptions,
) -> None:
    """List users with their approval status."""
    from dandiops.core.output import printable
    from dandiops.steps.users import list_users as read_users

    context = read.context(ctx)
    users = read_users(context, status.value.upper() if status else None)
    reporter = context.reporter

    def human() -> None:
        reporter.table(
            ["email", "status", "active", "admin", "joined"],
            [
                (
                    printable(u["email"] or u["username"]),
                    u["status"] or "-",
                    "yes" if u["is_active"] else "no",
                    "superuser" if u["is_superuser"] else ("staff" if u["is_staff"] else ""),
                    (u["date_joined"] or "")[:10],
                )
                for u in users
            ],
            empty="no users" + (f" with status {status.value}" if status else ""),
        )

    reporter.result({"app": context.env.heroku_app, "status": status.value if status else None, "users": users}, human)


@command(app, "show")
def show(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The user's email.", show_default=False)],
    *,
    read: ReadOptions,
) -> None:
    """Show one user: status, active, names, rejection reason, questionnaire answers."""
    from dandiops.archive.users import validate_emails
    from dandiops.core.output import printable
    from dandiops.steps.users import show_user

    validate_emails([email], source="EMAIL")
    context = read.context(ctx)
    user = show_user(context, email)
    reporter = context.reporter

    def human() -> None:
        rows = [
            ("email", user["email"]),
            ("username", user["username"]),
            ("status", user["status"] or "-"),
            ("active", "yes" if user["is_active"] else "no"),
            ("name", f"{user['first_name']} {user['last_name']}".strip() or "-"),
            ("staff", "yes" if user["is_staff"] else "no"),
            ("superuser", "yes" if user["is_superuser"] else "no"),
            ("joined", user["date_joined"]),
            ("last login", user["last_login"] or "never"),
        ]
        if user["rejection_reason"]:
            rows.append(("rejection reason", user["rejection_reason"]))
        for question, answer in (user["questionnaire_form"] or {}).items():
            rows.append((question, answer))
        reporter.table(["field", "value"], [(printable(field), printable(value)) for field, value in rows])

    reporter.result({"app": context.env.heroku_app, "user": user}, human)


def _change(ctx: typer.Context, action: str, users: UserSelection, change: ChangeOptions) -> None:
    users_change = UsersChange(users.change(action))
    change.carry_out(change.context(ctx), users_change)


class UsersChange(Mutation[Optional[dict], dict]):
    """One dyno plans and applies in one transaction: a real run is not planned first, a dry run runs
    the same program read-only."""

    def __init__(self, change):
        self.change = change
        self.action = change.describe()

    def plan(self, context, *, dry_run: bool) -> Optional[dict]:
        from dandiops.steps.users import change_users

        return change_users(context, self.change, dry_run=True) if dry_run else None

    def pending(self, plan: Optional[dict]) -> bool:
        return plan is None or bool(plan["changed"])

    def apply(self, context, plan) -> dict:
        from dandiops.steps.users import change_users

        return change_users(context, self.change)

    def report(self, context, plan, result, *, dry_run: bool) -> Report:
        reporter = context.reporter
        change = self.change
        outcome = plan if result is None else result
        past = "approved" if change.action == "approve" else "rejected"
        skipped = outcome["unknown"] + outcome["ambiguous"]
        changed = [item["email"] for item in outcome["changed"]]
        if dry_run:
            if changed:
                reporter.info(
                    f"would {change.action} {plural(len(changed), 'user')}: {_some(changed)}"
                    + ("" if change.send_email else " (no emails)")
                )
            else:
                reporter.info(f"nothing to {change.action}")
        elif changed:
            sent = f", {plural(outcome['emails_sent'], 'email')} sent" if change.send_email else ", no emails sent"
            reporter.success(f"{past} {plural(len(changed), 'user')}{sent}: {_some(changed)}")
        elif not outcome["unchanged"] and change.domain:
            reporter.success(f"no pending users @{change.domain}; nothing changed")
        new_reason = [item["email"] for item in outcome["changed"] if item["from"] == item["to"]]
        if new_reason:
            reporter.info(
                f"{'would replace' if dry_run else 'replaced'} the reason of {plural(len(new_reason), 'user')} "
                f"rejected before: {_some(new_reason)}"
            )
        if outcome["unchanged"]:
            reporter.info(f"already {past} (no change): {_some([item['email'] for item in outcome['unchanged']])}")
        if skipped:
            reporter.warn(f"skipped, not archive users: {_some(skipped)}")
        return Report(
            {
                "app": context.env.heroku_app,
                "action": change.action,
                "changed": outcome["changed"],
                "unchanged": outcome["unchanged"],
                "skipped": skipped,
                "emails_sent": outcome["emails_sent"],
                "email_failures": outcome["email_failures"],
                "dyno": outcome["dyno"],
            }
        )

    def conclude(self, context, plan, result, *, dry_run: bool) -> None:
        from dandiops.core.errors import DandiopsError
        from dandiops.steps.users import undelivered

        failures = [] if result is None else result["email_failures"]
        if failures:
            past = "approved" if self.change.action == "approve" else "rejected"
            raise DandiopsError(
                f"the users are {past} (saved), but {len(failures)} of the {self.change.action} emails were "
                f"not sent: {undelivered(failures)}",
                hint="check the app's mail with `dandiops email test --to ADDRESS`, then tell those users yourself",
            )


def _some(items: list[str], limit: int = 10) -> str:
    """Some of the emails, as the archive holds them: shown as text, whatever they contain."""
    from dandiops.core.output import printable

    return ", ".join(printable(item) for item in items[:limit]) + (
        f" and {len(items) - limit} more" if len(items) > limit else ""
    )


@command(app, "approve")
@option_groups(users=("emails", "from_file", "domain", "no_email", "skip_missing"))
def approve(ctx: typer.Context, users: UserSelection, change: ChangeOptions) -> None:
    """Approve users as the admin dashboard does: status APPROVED, active, approval email."""
    _change(ctx, "approve", users, change)


@command(app, "reject")
@option_groups(users=("emails", "reason", "from_file", "no_email", "skip_missing"))
def reject(ctx: typer.Context, users: UserSelection, change: ChangeOptions) -> None:
    """Reject users as the admin dashboard does: status REJECTED, inactive, rejection email with the reason."""
    _change(ctx, "reject", users, change)
