"""`dandiops email test --to ADDRESS`: a message sent through the archive app itself, and what became of it."""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from dandiops.cli.change import Mutation, Report
from dandiops.cli.common import ChangeOptions, command, command_group, option_groups

app = command_group("email", "The archive's email: send a test message through the app.")


@command(app, "test")
@option_groups(change=("env", "dry_run", "json_output"))
def test(
    ctx: typer.Context,
    to: Annotated[
        str, typer.Option("--to", metavar="ADDRESS", help="Who receives the test message.", show_default=False)
    ],
    change: ChangeOptions,
) -> None:
    """Send a test message with the app's own mail settings (Django's send_mail in a one-off dyno).

    Exits 0 when the SMTP server accepted it and 1 with the server's answer when it did not; the
    outcome is kept in .dandiops/email-tests.json for `dandiops verify`.
    """
    from dandiops.archive.users import validate_emails

    address = validate_emails([to], source="--to")[0]
    change.carry_out(change.context(ctx), EmailTest(address))


class EmailTest(Mutation[Optional[str], dict]):
    """One dyno sends the message: nothing to read first, and a dry run only says what would be sent."""

    def __init__(self, to: str):
        self.to = to
        self.action = f"sending a test message to {to}"

    def plan(self, context, *, dry_run: bool) -> Optional[str]:
        return None

    def asks_on_production(self, plan: Any) -> bool:
        return False  # one message to an address the operator names changes nothing in the archive

    def apply(self, context, plan) -> dict:
        from dandiops.steps.email import send_test_email

        return send_test_email(context, self.to)

    def report(self, context, plan, result, *, dry_run: bool) -> Report:
        from dandiops.core.output import printable

        reporter = context.reporter
        app_name = context.env.heroku_app
        if result is None:
            reporter.info(f"would send a test message to {self.to} through the mail settings of {app_name}")
        elif result["delivered"]:
            reporter.success(
                f"{printable(result['host'])}:{result['port']} accepted the test message from "
                f"{printable(result['from'])} to {self.to}"
            )
        return Report(
            {
                "app": app_name,
                "to": self.to,
                "delivered": None if result is None else result["delivered"],
                "from": None if result is None else result["from"],
                "host": None if result is None else result["host"],
                "port": None if result is None else result["port"],
                "error": None if result is None else result["error"],
                "dyno": None if result is None else result["dyno"],
            }
        )

    def conclude(self, context, plan, result, *, dry_run: bool) -> None:
        from dandiops.core.errors import DandiopsError
        from dandiops.core.output import printable

        if result is not None and not result["delivered"]:
            raise DandiopsError(
                f"the test message to {self.to} was not sent: {printable(result['error'] or 'no answer')}",
                hint="check DJANGO_EMAIL_URL and DJANGO_DEFAULT_FROM_EMAIL (`dandiops init --only email` "
                "checks SES and sets them)",
            )
