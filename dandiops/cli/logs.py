"""`dandiops logs`: the app's recent log lines, or a live tail until Ctrl-C."""

from __future__ import annotations

import re
from typing import Annotated, Optional

import typer

from dandiops.cli.common import ReadOptions, ShowSecretsOption, command

# A process type (web, checksum-worker) or one dyno of it (web.1, run.1234); nothing a shell would read.
DYNO_FILTER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*(\.[0-9]+)?")


def register(root: typer.Typer) -> None:
    command(root, "logs")(logs)


def logs(
    ctx: typer.Context,
    tail: Annotated[bool, typer.Option("--tail", "-t", help="Keep streaming new lines until Ctrl-C.")] = False,
    dyno: Annotated[
        Optional[str],
        typer.Option("--dyno", "-d", help="Only this dyno (web.1) or process type (web, worker, release)."),
    ] = None,
    source: Annotated[
        Optional[str],
        typer.Option("--source", "-s", help="app (the app's processes) or heroku (router, api, release events)."),
    ] = None,
    num: Annotated[int, typer.Option("--num", "-n", help="How many past lines to show first (0 to 1500).")] = 100,
    *,
    read: ReadOptions,
    show_secrets: ShowSecretsOption = False,
) -> None:
    """Show the app's log lines: what its dynos printed and Heroku's own events (releases, router).

    The values of the app's secret config vars are masked, and so is the value of any NAME=VALUE
    whose NAME looks secret (--show-secrets shows them). With --tail, new lines follow as they
    are logged; Ctrl-C stops (exit 130).

    A stream that drops is reopened once, and lines already shown are not shown again.
    """
    from dandiops.core.errors import ExitCode, UsageError
    from dandiops.providers.heroku_logs import MAX_LINES, SOURCES

    if not 0 <= num <= MAX_LINES:
        raise UsageError(
            f"-n {num} is out of range", hint=f"ask for 0 to {MAX_LINES} lines (logplex keeps at most {MAX_LINES})"
        )
    if source is not None and source not in SOURCES:
        raise UsageError(
            f"--source {source!r} is not a log source", hint=f"use --source {' or --source '.join(SOURCES)}"
        )
    if read.json_output and tail:
        raise UsageError(
            "--json prints one document and cannot follow a stream",
            hint="drop --tail for a JSON snapshot, or drop --json to follow the stream",
        )
    if dyno is not None and not DYNO_FILTER.fullmatch(dyno):
        raise UsageError(
            f"--dyno {dyno!r} is not a dyno or process type name",
            hint="give a process type (--dyno web) or a dyno (--dyno web.1, --dyno run.1234): letters, "
            "digits, '-' and '_', then optionally '.' and a number",
        )
    context = read.context(ctx)
    try:
        _stream(context, tail=tail, dyno=dyno, source=source, num=num, masked=not show_secrets)
    except KeyboardInterrupt:
        # Ctrl-C is how a tail ends: no traceback, no error line, the conventional status.
        raise typer.Exit(int(ExitCode.INTERRUPTED)) from None


def _stream(context, *, tail: bool, dyno: str | None, source: str | None, num: int, masked: bool) -> None:
    from dandiops.archive.deployment import is_secret_config_var
    from dandiops.core.redact import mask_named_values
    from dandiops.providers.heroku_logs import LogFilter, follow
    from dandiops.steps.config_vars import mask_app_secrets

    reporter = context.reporter
    app = context.env.heroku_app
    log_filter = LogFilter(lines=num, tail=tail, dyno=dyno, source=source)

    def reconnecting(reason: str) -> None:
        reporter.warn(f"{reason}; reconnecting once")

    if masked:
        mask_app_secrets(context)
    lines = follow(context.heroku(), app, log_filter, on_reconnect=reconnecting)
    if masked:
        # Values a dyno had that dandiops never saw (--dyno-env of an earlier run, say) are known
        # only by the name they are printed under.
        lines = (mask_named_values(line, is_secret_config_var) for line in lines)
    if reporter.json_mode:
        collected = list(lines)
        reporter.result(
            {
                "app": app,
                "filter": {"dyno": dyno, "source": source, "lines": num},
                "lines": [_parse(line) for line in collected],
            },
            masked=masked,
        )
        return
    out = reporter.command_output(masked=masked)
    try:
        for line in lines:
            out.feed(line + "\n")
    finally:
        out.close()


def _parse(line: str) -> dict:
    import re

    match = re.match(r"^(\S+) ([A-Za-z0-9_-]+)\[([^\]]+)\]: (.*)$", line, re.S)
    if not match:
        return {"timestamp": None, "source": None, "dyno": None, "message": line, "line": line}
    return {"timestamp": match[1], "source": match[2], "dyno": match[3], "message": match[4], "line": line}
