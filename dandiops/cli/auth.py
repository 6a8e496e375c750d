"""`dandiops auth setup`: the runbook's authentication page (Site, GitHub login, OAuth application) in one dyno."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from dandiops.cli.change import Mutation, Report
from dandiops.cli.common import ChangeOptions, command, command_group, secret_read_once
from dandiops.core.words import plural

app = command_group("auth", "Sign-in to the archive: GitHub login and the web app's OAuth application.")

SECRET_VAR = "DANDIOPS_GITHUB_CLIENT_SECRET"


def _secret_source(context, from_stdin: bool):
    """The GitHub client secret: stdin, else DANDIOPS_GITHUB_CLIENT_SECRET, else a hidden prompt; read once."""
    import sys

    from dandiops.archive.auth import validate_client_secret

    def read() -> str:
        if from_stdin:
            return validate_client_secret(sys.stdin.readline().rstrip("\r\n"), "stdin")
        from_env = context.secrets.get(SECRET_VAR)
        if from_env:
            return validate_client_secret(from_env, SECRET_VAR)
        answer = context.prompter.password(
            "Client secret of the GitHub OAuth App:", flag=f"--github-client-secret-stdin or set {SECRET_VAR}"
        )
        return validate_client_secret(answer, "the prompt")

    return secret_read_once(context, read)


@command(app, "setup")
def setup(
    ctx: typer.Context,
    github_client_id: Annotated[
        str,
        typer.Option(
            "--github-client-id", help="Client ID of the GitHub OAuth App users sign in with.", show_default=False
        ),
    ],
    oauth_client_id: Annotated[
        str,
        typer.Option(
            "--oauth-client-id",
            help="Client ID of the web app's OAuth application: the frontend's VITE_APP_OAUTH_CLIENT_ID.",
            show_default=False,
        ),
    ],
    github_client_secret_stdin: Annotated[
        bool,
        typer.Option(
            "--github-client-secret-stdin",
            help=f"Read the GitHub OAuth App's client secret from stdin (else {SECRET_VAR}, else a hidden prompt).",
        ),
    ] = False,
    *,
    change: ChangeOptions,
) -> None:
    """Set up sign-in in one one-off dyno: the Django Site, GitHub login and the web app's OAuth application.

    Site 1 gets the host of the environment's api_url as domain and name. The GitHub social
    application (allauth) gets the client id and secret and is attached to that Site. The web app's
    OAuth application gets --oauth-client-id, the redirect URI web_url + "/" (replacing the
    http://localhost:8085/ default), public client type, authorization-code grant and no consent
    page. Settings already in place are not written, so a second run changes nothing. The secret is
    never accepted as an argument; it travels in the dyno's environment, never in its command text.
    """
    from dandiops.steps.auth import AuthStep

    context = change.context(ctx)
    step = AuthStep.from_environment(
        context,
        github_client_id=github_client_id,
        oauth_client_id=oauth_client_id,
        secret=_secret_source(context, github_client_secret_stdin),
    )
    change.carry_out(context, AuthChange(step))


class AuthChange(Mutation[Optional[dict], dict]):
    """One dyno plans and applies: a real run is not planned first, a dry run reads in a read-only dyno."""

    action = "setting up sign-in"

    def __init__(self, step):
        self.step = step

    def plan(self, context, *, dry_run: bool) -> Optional[dict]:
        return self.step.setup(context, dry_run=True) if dry_run else None

    def pending(self, plan: Optional[dict]) -> bool:
        return plan is None or bool(plan["changes"])

    def before_confirming(self, context, plan) -> None:
        self.step.read_secret(context)

    def apply(self, context, plan) -> dict:
        return self.step.setup(context)

    def report(self, context, plan, result, *, dry_run: bool) -> Report:
        from dandiops.steps.auth import to_changes

        reporter = context.reporter
        outcome = result if result is not None else plan
        wanted = self.step.wanted
        changes = to_changes(outcome["changes"])
        app_name = context.env.heroku_app
        if not changes:
            nothing = "nothing to change" if dry_run else "nothing changed"
            reporter.success(f"sign-in is already set up on {app_name}; {nothing}")
        else:
            if dry_run:
                reporter.info(f"would change {plural(len(changes), 'sign-in setting')} on {app_name}:")
            else:
                reporter.success(f"set up sign-in on {app_name}: {plural(len(changes), 'setting')} changed")
            for change in changes:
                reporter.info(f"  {change.describe()}")
        for warning in outcome["warnings"]:
            reporter.warn(warning)
        data = {
            "app": app_name,
            "changed": bool(changes) and not dry_run,
            "changes": [change.to_dict() for change in changes],
            "site": {"domain": wanted.site_domain, "name": wanted.site_name},
            "github_app": {
                "client_id": wanted.github_client_id,
                "callback_url": wanted.callback_url,
                "secret_changed": outcome["social_app"]["secret_changed"],
            },
            "oauth_application": {
                "client_id": wanted.oauth_client_id,
                "redirect_uris": outcome["oauth_application"]["redirect_uris"],
            },
            "warnings": outcome["warnings"],
            "dyno": outcome["dyno"],
        }

        def human() -> None:
            reporter.line(f"GitHub OAuth App callback URL: {wanted.callback_url}")
            reporter.line(f"Web app OAuth client id (VITE_APP_OAUTH_CLIENT_ID): {wanted.oauth_client_id}")
            reporter.line(f"Web app redirect URI: {wanted.redirect_uri}")

        return Report(data, human)
