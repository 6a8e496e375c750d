"""`dandiops hosts`: DJANGO_ALLOWED_HOSTS and DJANGO_CORS_ALLOWED_ORIGINS."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from dandiops.cli.change import Report, StepMutation
from dandiops.cli.common import ChangeOptions, ReadOptions, command, command_group

app = command_group("hosts", "Manage the hosts (DJANGO_ALLOWED_HOSTS) and CORS origins the API accepts.")

HostsToAdd = Annotated[Optional[list[str]], typer.Argument(help="Host names to allow.")]
HostsToRemove = Annotated[Optional[list[str]], typer.Argument(help="Host names to stop allowing.")]
ForceOption = Annotated[
    bool, typer.Option("--force", help="Remove the host of the environment's api_url too (the API then answers 400).")
]
CorsOption = Annotated[
    Optional[list[str]],
    typer.Option(
        "--cors-origin", help="A CORS origin (scheme://host[:port]) for DJANGO_CORS_ALLOWED_ORIGINS; repeatable."
    ),
]


@command(app, "list")
def list_hosts(ctx: typer.Context, read: ReadOptions) -> None:
    """Show the allowed hosts and CORS origins."""
    from dandiops.archive.deployment import ALLOWED_HOSTS_VAR
    from dandiops.steps.hosts import current_lists

    context = read.context(ctx)
    data = {"app": context.env.heroku_app, **current_lists(context)}

    def human() -> None:
        rows = [("host", h) for h in data["allowed_hosts"]] + [("cors origin", o) for o in data["cors_allowed_origins"]]
        context.reporter.table(["kind", "value"], rows)
        if not data["allowed_hosts"]:
            context.reporter.warn(f"{ALLOWED_HOSTS_VAR} is empty: the API will answer every request with 400")

    context.reporter.result(data, human)


def _edit(ctx: typer.Context, change: ChangeOptions, hosts, cors, *, adding: bool, force: bool = False) -> None:
    import contextlib

    from dandiops.archive.hosts import origin_and_note
    from dandiops.core.errors import UsageError
    from dandiops.steps.hosts import AllowedHostsStep, host_edit, origin_edit

    if not hosts and not cors:
        raise UsageError("nothing to change", hint="name at least one HOST or pass --cors-origin ORIGIN")
    origins_and_notes = [origin_and_note(origin) for origin in cors or []]  # validates before any request
    context = change.context(ctx)
    for _, note in origins_and_notes:
        if note:
            context.reporter.info(note)
    origins = [origin for origin, _ in origins_and_notes]
    pairs = {"add": hosts or [], "remove": []} if adding else {"add": [], "remove": hosts or []}
    origin_pairs = {"add": origins, "remove": []} if adding else {"add": [], "remove": origins}
    step = AllowedHostsStep([host_edit(**pairs), origin_edit(**origin_pairs)])  # validates before any request
    # the lock spans the read the plan is made from up to the read-back, so local edits never cross
    with contextlib.nullcontext() if change.dry_run else step.editing(context):
        change.carry_out(context, HostsChange(step, refuse_api_host=not adding and not force))


class HostsChange(StepMutation):
    def __init__(self, step, *, refuse_api_host: bool):
        super().__init__(
            step,
            action="changing allowed hosts",
            nothing="nothing to change: the hosts and origins are already as asked",
        )
        self.refuse_api_host = refuse_api_host

    def plan(self, context, *, dry_run: bool):
        from dandiops.steps.hosts import refuse_losing_api_host

        changes = self.step.plan(context)
        if self.refuse_api_host:
            refuse_losing_api_host(context, changes)
        return changes

    def report(self, context, plan, result, *, dry_run: bool) -> Report:
        # once applied: the values read back, which may hold edits made at the same time
        self.report_changes(context, plan, result)
        return Report({"app": context.env.heroku_app, "changes": [c.to_dict() for c in (result or plan)]})


@command(app, "add")
def add(ctx: typer.Context, hosts: HostsToAdd = None, cors_origin: CorsOption = None, *, change: ChangeOptions) -> None:
    """Add hosts (and CORS origins); entries already present are kept and not re-sent. A CORS origin's
    default port (:443 for https, :80 for http) is dropped, as browsers send it."""
    _edit(ctx, change, hosts, cors_origin, adding=True)


@command(app, "remove")
def remove(
    ctx: typer.Context,
    hosts: HostsToRemove = None,
    cors_origin: CorsOption = None,
    *,
    change: ChangeOptions,
    force: ForceOption = False,
) -> None:
    """Remove hosts (and CORS origins); every other entry is kept."""
    _edit(ctx, change, hosts, cors_origin, adding=False, force=force)
