"""`dandiops status`: one screen of what is running."""

from __future__ import annotations

import typer

from dandiops.cli.common import ReadOptions, command

# The tables that show fields of `status --json` as they are: each column's header, and its field.
DYNO_COLUMNS = {"dyno": "name", "state": "state", "for": "age", "size": "size"}
ADDON_COLUMNS = {"add-on": "name", "plan": "plan", "state": "state"}


def register(root: typer.Typer) -> None:
    command(root, "status")(status)


def status(ctx: typer.Context, read: ReadOptions) -> None:
    """Is it up? The formation and its dynos (state, for how long), the last release and its release phase,
    a live probe of api_url/api/info/, add-ons: read side by side."""
    from dandiops.steps.status import gather_status

    context = read.context(ctx)
    data = gather_status(context)
    reporter = context.reporter

    def human() -> None:
        app = data["app"]
        reporter.line(
            f"{app['name']}  stack {app['stack']}  region {app['region']}"
            + (f"  team {app['team']}" if app["team"] else "")
            + ("  MAINTENANCE MODE" if app["maintenance"] else "")
        )
        reporter.table(
            ["process", "dynos", "size", "note"],
            [
                (p["type"], "-" if p["quantity"] is None else p["quantity"], p["size"] or "-", p["note"])
                for p in data["processes"]
            ],
            title="Formation",
        )
        reporter.records(data["dynos"], DYNO_COLUMNS, "Dynos", empty="Dynos: none running")
        release = data["release"]
        if release:
            reporter.line(
                f"Release: v{release['version']} {release['status']}  {release['description']}"
                f"  ({release['created_at']} by {release['user']})"
            )
        api = data["api"]
        if api is not None:
            seen = (
                f"{api['status']} in {api['latency_ms']} ms, instance {api['instance_name']}"
                if api["ok"]
                else api["error"]
            )
            reporter.line(f"API: {api['url']} {seen}")
        reporter.records(data["addons"], ADDON_COLUMNS, "Add-ons")

    reporter.result(data, human)
    for warning in data["warnings"]:
        reporter.warn(warning)
