"""`dandiops superuser create`: the Django admin superuser, password never on the command line."""

from __future__ import annotations

from typing import Annotated

import typer

from dandiops.cli.common import DryRunOption, EnvOption, JsonOption, YesOption, get_context

app = typer.Typer(help="The Django admin superuser of the archive.", no_args_is_help=True)

PASSWORD_VAR = "DJANGO_SUPERUSER_PASSWORD"


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="superuser")


def _password_source(context, email: str, from_stdin: bool):
    """The password: stdin, else DJANGO_SUPERUSER_PASSWORD, else a hidden prompt (typed twice)."""
    import sys

    from dandiops.core.errors import UsageError

    def read() -> str:
        if from_stdin:
            value = sys.stdin.readline().rstrip("\r\n")
            if not value:
                raise UsageError("--password-stdin: stdin held no password", hint="pipe the password in, e.g. "
                                 "`printf %s \"$PW\" | dandiops superuser create --email E --password-stdin`")
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

    cached: list[str] = []

    def password() -> str:
        if not cached:
            cached.append(read())
            context.secret_registry.add(cached[0])
        return cached[0]

    return password


@app.command("create")
def create(
    ctx: typer.Context,
    email: Annotated[str, typer.Option("--email", help="The superuser's email, which is also the username.",
                                       show_default=False)],
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help=f"Read the password from stdin (else {PASSWORD_VAR}, else a hidden prompt).")]
    = False,
    verify_login: Annotated[bool, typer.Option(
        "--verify-login", help="Then log in at {api_url}/admin/ with it, as the runbook's final test.")] = False,
    env: EnvOption = None,
    dry_run: DryRunOption = False,
    yes: YesOption = False,
    json_output: JsonOption = False,
) -> None:
    """Create the admin superuser with `createsuperuser --noinput` in a one-off dyno.

    The password travels in the dyno's environment, never in the command text. If a user with
    this email exists, nothing changes and the command exits 0.
    """
    from dandiops.steps.superuser import SuperuserStep

    context = get_context(ctx, env=env, json_mode=json_output, yes=yes)
    password = _password_source(context, email, password_stdin)
    step = SuperuserStep(email, password)  # validates the email before anything else
    reporter = context.reporter
    app_name = context.env.heroku_app
    if dry_run:
        found = step.lookup(context)
        if found["exists"]:
            reporter.success(f"{step.email} already exists on {app_name}; nothing to do")
        else:
            reporter.info(f"would create superuser {step.email} on {app_name} (createsuperuser --noinput "
                          "in a one-off dyno)")
        reporter.result({"app": app_name, "email": step.email, "dry_run": True, "exists": found["exists"],
                         "created": False})
        return
    if verify_login:
        context.env.require("api_url")
    password()  # ask before confirming, so a prompt cannot interrupt a confirmed change
    context.confirm_production(f"creating superuser {step.email}")
    result = step.create(context)
    if result["created"]:
        reporter.success(f"created superuser {step.email} on {app_name}")
    elif result.get("is_superuser"):
        reporter.success(f"superuser {step.email} already exists on {app_name}; nothing changed")
    else:
        reporter.warn(f"{step.email} already exists on {app_name} but is not a superuser; nothing changed "
                      "(grant it in the Django admin if intended)")
    verified = None
    if verify_login:
        from dandiops.providers.archive_admin import verify_admin_login

        api_url = context.env.require("api_url")
        verify_admin_login(api_url, step.email, password())
        verified = True
        reporter.success(f"logged in to {api_url.rstrip('/')}/admin/ as {step.email}")
    reporter.result({"app": app_name, "email": step.email, "dry_run": False, "exists": result["exists"],
                     "created": result["created"], "is_superuser": result.get("is_superuser"),
                     "dyno": result.get("dyno"), "login_verified": verified})
