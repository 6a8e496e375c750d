"""The `dandiops` command: the root options and the registration of every command group."""

from __future__ import annotations

import sys
import traceback
from typing import Annotated, Optional, cast

import typer
from typer.core import TyperArgument, TyperGroup

import dandiops.cli.access
import dandiops.cli.alerts
import dandiops.cli.auth
import dandiops.cli.backups
import dandiops.cli.branding
import dandiops.cli.cachetable
import dandiops.cli.config
import dandiops.cli.email
import dandiops.cli.frontend
import dandiops.cli.hosts
import dandiops.cli.init
import dandiops.cli.logs
import dandiops.cli.release
import dandiops.cli.run
import dandiops.cli.sandbox
import dandiops.cli.status
import dandiops.cli.superuser
import dandiops.cli.users
import dandiops.cli.verify
from dandiops import __version__
from dandiops.cli.common import ROOT, VALUE_NAMES, RootEnvOption, RootOptions, examples
from dandiops.core.errors import DandiopsError, ExitCode


class DandiopsGroup(TyperGroup):
    """Turns expected failures into `error:` lines and exit codes; nothing leaks a secret. Before the
    command line is read, names every parameter's value and reflows every help text (`_describe`)."""

    def parse_args(self, ctx, args):
        if ctx.parent is None:  # once per run, before --help or a usage error shows a parameter
            _describe(self, ctx)
        return super().parse_args(ctx, args)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except DandiopsError as exc:
            reporter = _reporter(ctx)
            _audit_unknown_outcome(ctx, exc)
            reporter.error(exc.message, exc.hint)
            raise typer.Exit(int(exc.exit_code)) from None
        except KeyboardInterrupt:
            _reporter(ctx).error("interrupted")
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
        except BrokenPipeError:
            # Handled here: re-raised, it would meet Click's own EPIPE handling, which exits 1.
            _stdout_to_devnull()
            raise typer.Exit(0) from None
        except (typer.Exit, typer.Abort, typer.TyperException):  # Typer reports these itself
            raise
        except Exception:
            reporter = _reporter(ctx)
            reporter.err.file.write(traceback.format_exc())
            reporter.error(
                "unexpected internal error (the traceback above has secrets masked)",
                "please report it with the command you ran",
            )
            raise typer.Exit(int(ExitCode.FAILURE)) from None


class NamedArgument(TyperArgument):
    """An argument shown by the name of its value (EMAIL, HOST), with `...` when it takes several, and
    without Typer's Python type beside it (`<list[str]>`): the name already says what to give."""

    value_name: str | None = None

    @property
    def display_name_raw(self) -> str:
        return self.metavar or self.value_name or super().display_name_raw

    def display_type_rich(self, ctx):
        return None

    def get_usage_pieces(self, ctx) -> list[str]:
        # an explicit metavar is the whole usage piece (run's `-- CMD [ARGS]...`), not bracketed again
        return [self.metavar] if self.metavar else super().get_usage_pieces(ctx)


def _describe(command, ctx) -> None:
    """Make `command` and every command under it read like gh's help: each value named from
    VALUE_NAMES (flags show none; an explicit metavar= wins) and each help paragraph one line."""
    for param in command.get_params(ctx):  # with --help, which Click adds only here
        if isinstance(param, TyperArgument):
            param.__class__ = NamedArgument  # Typer builds its own parameters: this is the one way in
            cast(NamedArgument, param).value_name = VALUE_NAMES.get(param.name or "")
        elif param.metavar is None:
            param.metavar = "" if getattr(param, "is_flag", False) else VALUE_NAMES.get(param.name or "")
    if command.help:
        command.help = _one_line_per_paragraph(command.help)
    for subcommand in getattr(command, "commands", {}).values():
        _describe(subcommand, ctx)


def _one_line_per_paragraph(text: str) -> str:
    """Typer's rich help keeps a docstring's line breaks, so a paragraph wrapped by hand in the source
    comes out with a short line at each break: join each paragraph's lines for the terminal to wrap."""
    import inspect

    paragraphs = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(" ".join(line.strip() for line in paragraph.splitlines()) for paragraph in paragraphs)


def _audit_unknown_outcome(ctx, exc: DandiopsError) -> None:
    """A write whose answer was lost is audited as such: the log must not miss a change that may have happened."""
    from dandiops.core.errors import MaybeAppliedError

    options = ctx.find_root().obj
    if isinstance(exc, MaybeAppliedError) and isinstance(options, RootOptions) and options.context is not None:
        try:
            options.context.record(exc.action, "unknown")
        except (DandiopsError, OSError):
            pass  # the error itself is still reported; the audit log was checked writable before the change


def _reporter(ctx):
    options = ctx.find_root().obj
    if isinstance(options, RootOptions) and options.context is not None:
        return options.context.reporter
    import os

    from dandiops.core.output import Reporter, Terminal
    from dandiops.core.redact import SecretRegistry
    from dandiops.core.settings import SECRET_ENV_NAMES

    # no Context yet (the failure came before one was built): still mask the secrets we know of
    return Reporter(Terminal.detect(), secrets=SecretRegistry(os.environ.get(name) for name in SECRET_ENV_NAMES))


app = typer.Typer(
    name=ROOT,
    cls=DandiopsGroup,
    help="Stand up and run a DANDI Archive clone: Heroku, GitHub Actions and AWS, one safe command at a time.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=examples(
        ("Stand up staging, or go on where the last run stopped", "dandiops init -e staging"),
        ("Is production up? Dynos, the last release and a probe of the API", "dandiops status -e production"),
        ("Rehearse the whole runbook offline, with no account anywhere", "dandiops sandbox demo"),
    ),
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dandiops {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    config: Annotated[
        Optional[str],
        typer.Option(
            "--config",
            envvar="DANDIOPS_CONFIG",
            show_envvar=True,
            help="Path to dandiops.toml (default: found upward from here).",
        ),
    ] = None,
    env: RootEnvOption = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    ctx.obj = RootOptions(config=config, env=env)


COMMAND_GROUPS = (  # in runbook order, as `dandiops --help` lists them
    dandiops.cli.init,
    dandiops.cli.status,
    dandiops.cli.verify,
    dandiops.cli.config,
    dandiops.cli.hosts,
    dandiops.cli.release,
    dandiops.cli.run,
    dandiops.cli.superuser,
    dandiops.cli.cachetable,
    dandiops.cli.users,
    dandiops.cli.email,
    dandiops.cli.auth,
    dandiops.cli.frontend,
    dandiops.cli.backups,
    dandiops.cli.logs,
    dandiops.cli.access,
    dandiops.cli.alerts,
    dandiops.cli.branding,
    dandiops.cli.sandbox,
)
for group in COMMAND_GROUPS:
    if hasattr(group, "register"):  # a command of the root's own, or a group that adds itself
        group.register(app)
    else:  # a group made by cli.common.command_group
        app.add_typer(group.app)


def _stdout_to_devnull() -> None:
    """The reader went away (`dandiops ... | head`): stop quietly, as other Unix tools do, and
    keep Python from complaining again when it flushes stdout at exit."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def run() -> None:
    try:
        app(prog_name="dandiops")
    except BrokenPipeError:
        _stdout_to_devnull()
        sys.exit(0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run())
