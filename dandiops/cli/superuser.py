"""`dandiops superuser create`: the Django admin superuser, password never on the command line."""

from __future__ import annotations

from typing import Annotated, Callable, Optional

import typer

from dandiops.cli.change import Mutation, Report
from dandiops.cli.common import ChangeOptions, command, command_group, secret_read_once

app = command_group("superuser", "The Django admin superuser of the archive.")

PASSWORD_VAR = "DJANGO_SUPERUSER_PASSWORD"


def _password_source(context, email: str, from_stdin: bool):
    """The password: stdin, else DJANGO_SUPERUSER_PASSWORD, else a hidden prompt (typed twice)."""
    import sys

    from dandiops.core.errors import UsageError

    def read() -> str:
        if from_stdin:
            value = sys.stdin.readline().rstrip("\r\n")
            if not value:
                raise UsageError(
                    "--password-stdin: stdin held no password",
                    hint="pipe the password in, e.g. "
                    '`printf %s "$PW" | dandiops superuser create --email E --password-stdin`',
                )
            return value
        from_env = context.secrets.get(PASSWORD_VAR)
        if from_env:
            return from_env
        flag = f"--password-stdin or set {PASSWORD_VAR}"
        first = context.prompter.password(f"Password for {email}:", flag=flag)
        second = context.prompter.password("Password (again):", flag=flag)
        if first != second:
            raise UsageError("the two passwords differ", hint="run the command again; nothing was changed")
        return first

    return secret_read_once(context, read)


@command(app, "create")
def create(
    ctx: typer.Context,
    email: Annotated[
        str, typer.Option("--email", help="The superuser's email, which is also the username.", show_default=False)
    ],
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin", help=f"Read the password from stdin (else {PASSWORD_VAR}, else a hidden prompt)."
        ),
    ] = False,
    verify_login: Annotated[
        bool,
        typer.Option(
            "--verify-login",
            help="Then log in to the admin site (the environment's api_url + /admin/) with it, as the runbook's "
            "final test.",
        ),
    ] = False,
    *,
    change: ChangeOptions,
) -> None:
    """Create the admin superuser with `createsuperuser --noinput` in a one-off dyno.

    The password travels in the dyno's environment, never in the command text. If a user with
    this email exists, nothing changes and the command exits 0.
    """
    from dandiops.steps.superuser import SuperuserStep

    context = change.context(ctx)
    password = _password_source(context, email, password_stdin)
    step = SuperuserStep(email, password)  # validates the email before anything else
    change.carry_out(context, SuperuserChange(step, password, verify_login=verify_login))


class SuperuserChange(Mutation[Optional[dict], dict]):
    """createsuperuser creates nothing when the user exists: a real run is not looked up first (a dyno
    each), a dry run is. Reading back is logging in, with --verify-login."""

    def __init__(self, step, password: Callable[[], str], *, verify_login: bool):
        self.step = step
        self.password = password
        self.verify_login = verify_login
        self.action = f"creating superuser {step.email}"

    def plan(self, context, *, dry_run: bool) -> Optional[dict]:
        if dry_run:
            return self.step.lookup(context)
        if self.verify_login:
            context.env.require("api_url")
        return None

    def pending(self, plan: Optional[dict]) -> bool:
        return plan is None or not plan["exists"]

    def before_confirming(self, context, plan) -> None:
        self.password()

    def apply(self, context, plan) -> dict:
        result = dict(self.step.create(context), login_verified=None)
        self._say_what_create_did(context, result)  # now: the login check after it may fail
        if self.verify_login:
            from dandiops.providers.archive_admin import verify_admin_login

            api_url = context.env.require("api_url")
            verify_admin_login(api_url, self.step.email, self.password())
            result["login_verified"] = True
            context.reporter.success(f"logged in to {api_url.rstrip('/')}/admin/ as {self.step.email}")
        return result

    def _say_what_create_did(self, context, result: dict) -> None:
        reporter = context.reporter
        app_name = context.env.heroku_app
        email = self.step.email
        if result["created"]:
            reporter.success(f"created superuser {email} on {app_name}")
        elif result.get("is_superuser"):
            reporter.success(f"superuser {email} already exists on {app_name}; nothing changed")
        else:
            reporter.warn(
                f"{email} already exists on {app_name} but is not a superuser; nothing changed "
                "(grant it in the Django admin if intended)"
            )

    def report(self, context, plan, result, *, dry_run: bool) -> Report:
        reporter = context.reporter
        app_name = context.env.heroku_app
        email = self.step.email
        found = plan if result is None else result
        if dry_run and found["exists"]:
            reporter.success(f"{email} already exists on {app_name}; nothing to do")
        elif dry_run:
            reporter.info(f"would create superuser {email} on {app_name} (createsuperuser --noinput in a one-off dyno)")
        # the same fields either way; on a dry run `dyno` is the one that looked the user up
        return Report(
            {
                "app": app_name,
                "email": email,
                "exists": found["exists"],
                "created": bool(found.get("created")),
                "is_superuser": found.get("is_superuser"),
                "dyno": found.get("dyno"),
                "login_verified": found.get("login_verified"),
            }
        )
