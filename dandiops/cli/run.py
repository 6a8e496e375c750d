"""`dandiops run -- CMD ARGS...`: any command in a one-off dyno, exiting with its status."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from dandiops.cli.change import Mutation, Report
from dandiops.cli.common import ChangeOptions, EnvOption, ShowSecretsOption, command, option_groups

CommandArgument = Annotated[
    list[str],
    typer.Argument(
        metavar="-- CMD [ARGS]...",
        help="The command. Several arguments are quoted so each arrives intact; a single argument is "
        "run as a shell command line (pipes, $VARS, &&).",
        show_default=False,
    ),
]


def register(root: typer.Typer) -> None:
    command(root, "run", context_settings={"allow_interspersed_args": False, "ignore_unknown_options": True})(run)


def command_line(args: list[str]) -> str:
    import shlex

    return args[0] if len(args) == 1 else shlex.join(args)


def program_name(args: list[str]) -> str:
    """What the audit log keeps of a command: its program only, since the rest may hold secrets."""
    import re
    import shlex

    try:
        words = shlex.split(args[0]) if len(args) == 1 else args
    except ValueError:  # unbalanced quotes: the shell will say so; keep no more than the first word
        words = args[0].split()
    programs = [word for word in words if not re.match(r"\w+=", word)]  # `NAME=value prog` sets a variable first
    return programs[0] if programs else ""


def _dyno_env(values: list[str] | None) -> dict[str, str]:
    import re

    from dandiops.core.errors import UsageError

    env = {}
    for value in values or []:
        name, sep, content = value.partition("=")
        if not sep or not re.fullmatch(r"\w+", name):
            # the name only: the value may be a secret
            raise UsageError(
                f"invalid --dyno-env name {name!r}" if sep else "--dyno-env has no '=' between NAME and VALUE",
                hint="use --dyno-env NAME=VALUE (NAME: letters, digits, _)",
            )
        env[name] = content
    return env


# a dyno's output is the command's own, so no --json; nor --yes: production does not ask (see DynoRun)
@option_groups(change=("dry_run",))
def run(
    ctx: typer.Context,
    command: CommandArgument,
    env: EnvOption = None,
    size: Annotated[
        Optional[str], typer.Option("--size", help="Dyno size, e.g. standard-2x (default: Heroku's).")
    ] = None,
    dyno_env: Annotated[
        Optional[list[str]], typer.Option("--dyno-env", help="NAME=VALUE added to the dyno's environment; repeatable.")
    ] = None,
    time_to_live: Annotated[
        Optional[int],
        typer.Option("--time-to-live", min=1, max=86400, help="Seconds after which Heroku ends the dyno."),
    ] = None,
    # The range is checked with the DANDIOPS_DYNO_* settings', so both say the same thing.
    start_timeout: Annotated[
        Optional[float],
        typer.Option(
            "--start-timeout",
            help="Seconds from the create request until the dyno is attached (default: 120; 0 = no limit).",
        ),
    ] = None,
    silence_timeout: Annotated[
        Optional[float],
        typer.Option(
            "--silence-timeout", help="Stop the dyno after this many seconds without output (default: no limit)."
        ),
    ] = None,
    *,
    change: ChangeOptions,
    show_secrets: ShowSecretsOption = False,
) -> None:
    """Run a command in a one-off dyno and exit with the command's own exit status.

    Output is streamed as it arrives, with the values of the app's secret config vars and of
    --dyno-env masked (--show-secrets shows them); stdin is forwarded when it is a terminal.
    Ctrl-C stops the dyno and exits 130. A reader that goes away (`| head -1`) stops it too, and
    dandiops ends quietly with 0, as `logs` does. A command that ends the shell itself (`exit 3`
    as the whole command line) leaves no exit status behind: run it as `sh -c 'exit 3'` instead.
    """
    from dandiops.core.errors import UsageError
    from dandiops.steps.oneoff import time_limits

    if not any(arg.strip() for arg in command):
        raise UsageError(
            "the command to run is empty", hint="give it after --, e.g. dandiops run -- python manage.py showmigrations"
        )
    extra_env = _dyno_env(dyno_env)
    context = change.context(ctx, env=env)
    limits = time_limits(context, start_timeout=start_timeout, silence_timeout=silence_timeout, default_silence=None)
    change.carry_out(
        context,
        DynoRun(command, extra_env, size=size, time_to_live=time_to_live, limits=limits, show_secrets=show_secrets),
    )


class DynoRun(Mutation[str, int]):
    """A one-off dyno is a change (it runs on the app, and is audited), but not one production asks
    about: scripts run `dandiops run` there. Its output is the command's, so it has no --json."""

    def __init__(
        self,
        command: list[str],
        extra_env: dict[str, str],
        *,
        size: Optional[str],
        time_to_live: Optional[int],
        limits,
        show_secrets: bool,
    ):
        self.command = command
        self.extra_env = extra_env
        self.size = size
        self.time_to_live = time_to_live
        self.limits = limits
        self.show_secrets = show_secrets
        # the program only: the rest of the command line may hold secrets
        self.action = f"running {program_name(command) or 'a command'} in a one-off dyno"

    def plan(self, context, *, dry_run: bool) -> str:
        return command_line(self.command)

    def asks_on_production(self, plan: str) -> bool:
        return False

    def apply(self, context, plan: str) -> int:
        import sys

        from dandiops.core.errors import DandiopsError
        from dandiops.steps.config_vars import mask_app_secrets
        from dandiops.steps.oneoff import dyno_client, dyno_starting

        for value in self.extra_env.values():
            context.secret_registry.add(value)  # values given for the dyno are treated as secrets in our output
        if not self.show_secrets:
            mask_app_secrets(context)
        client = dyno_client(context, self.limits)
        output = context.reporter.command_output(masked=not self.show_secrets)
        program = program_name(self.command)
        started: dict = {}

        def attached(dyno: dict) -> None:
            started.update(dyno)
            wait.finish("up")

        try:
            with context.reporter.waiting() as wait:
                result = client.run(
                    plan,
                    output=output.feed,
                    env=self.extra_env,
                    size=self.size,
                    time_to_live=self.time_to_live,
                    stdin=sys.stdin.buffer if context.terminal.stdin_tty else None,
                    on_created=dyno_starting(wait),
                    on_attached=attached,
                )
        except BrokenPipeError:
            # `dandiops run ... | head`: the reader has gone and the dyno was stopped; the entry point ends quietly.
            context.record(
                "dyno.run",
                "stopped",
                program=program,
                dyno=started.get("name"),
                reason="the reader of its output went away",
            )
            raise
        except DandiopsError as exc:
            output.close()
            if started:
                context.record("dyno.run", "failed", program=program, dyno=started.get("name"), error=exc.message)
            raise
        output.close()
        context.record(
            "dyno.run",
            "ok" if result.exit_status == 0 else "failed",
            program=program,
            dyno=result.dyno_name,
            exit_status=result.exit_status,
        )
        return result.exit_status

    def report(self, context, plan: str, result: Optional[int], *, dry_run: bool) -> Report:
        if dry_run:
            size = f" (size {self.size})" if self.size else ""
            extra_env = f" with env {', '.join(sorted(self.extra_env))}" if self.extra_env else ""
            context.reporter.info(
                f"would start a one-off dyno on {context.env.heroku_app}{size} running: {plan}{extra_env}"
            )
        return Report({"app": context.env.heroku_app, "exit_status": result})

    def conclude(self, context, plan: str, result: Optional[int], *, dry_run: bool) -> None:
        if result is not None:
            raise typer.Exit(result)
