"""`dandiops access`: who can reach the Heroku app (the dashboard's Access tab)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Optional

import typer

from dandiops.cli.change import Report, StepMutation
from dandiops.cli.common import ChangeOptions, ReadOptions, command, command_group

if TYPE_CHECKING:
    from dandiops.steps.access import AccessStep

app = command_group("access", "List, add and remove the people who can reach the Heroku app (the Access tab).")

EmailArgument = Annotated[str, typer.Argument(help="The email of the person's Heroku account.", show_default=False)]
PermissionsOption = Annotated[
    Optional[list[str]],
    typer.Option(
        "--permissions",
        "-p",
        help="Team apps: view, deploy, operate, manage (comma-separated or repeated; view is "
        "always included). Default: view.",
    ),
]


@command(app, "list")
def list_access(ctx: typer.Context, read: ReadOptions) -> None:
    """Everyone with access to the app, with their role and (team apps) permissions."""
    from dandiops.steps.access import read_access

    context = read.context(ctx)
    access = read_access(context)
    data = {"app": access.app, "team": access.team, "collaborators": access.collaborators}

    def human() -> None:
        where = f"team {access.team}" if access.team else "personal app"
        context.reporter.line(f"{access.app} ({where})")
        rows = [(c["email"], c["role"] or "", ",".join(c["permissions"])) for c in access.collaborators]
        context.reporter.table(["email", "role", "permissions"], rows)

    context.reporter.result(data, human)


class AccessChange(StepMutation):
    step: AccessStep

    def report(self, context, plan, result, *, dry_run: bool) -> Report:
        self.report_changes(context, plan, result)
        return Report(
            {
                "app": context.env.heroku_app,
                "team": self.step.access(context).team,
                "changes": [c.to_dict() for c in plan],
            }
        )


def _change(ctx: typer.Context, change: ChangeOptions, *, add=(), remove=(), permissions=None) -> None:
    from dandiops.steps.access import AccessStep, parse_permissions

    step = AccessStep(add=add, remove=remove, permissions=parse_permissions(permissions))  # validates first
    context = change.context(ctx)
    app_name = context.env.heroku_app
    change.carry_out(
        context,
        AccessChange(
            step,
            action=f"changing who can reach {app_name}",
            nothing=f"nothing to change: access to {app_name} is already as asked",
        ),
    )


@command(app, "add")
def add(
    ctx: typer.Context, email: EmailArgument, permissions: PermissionsOption = None, *, change: ChangeOptions
) -> None:
    """Give a Heroku account access to the app; on team apps, also set its permissions.

    Someone already there keeps their access; with --permissions, their permissions become exactly those.
    """
    _change(ctx, change, add=[email], permissions=permissions)


@command(app, "remove")
def remove(ctx: typer.Context, email: EmailArgument, change: ChangeOptions) -> None:
    """Take away a Heroku account's access to the app (nothing to do if it has none)."""
    _change(ctx, change, remove=[email])
