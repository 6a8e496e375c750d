"""Options every command shares and the one place a command gets its Context."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from dandiops.app.context import Application, Context
from dandiops.core.output import Terminal
from dandiops.wizard.prompter import prompter_for

# The precedence is `-e` after the command > `-e` before it > DANDIOPS_ENV > default_env, so only
# the root option reads DANDIOPS_ENV: a command's own would take it over a root -e.
RootEnvOption = Annotated[
    Optional[str],
    typer.Option(
        "--env",
        "-e",
        envvar="DANDIOPS_ENV",
        show_envvar=True,
        metavar="ENV",
        help="Environment from dandiops.toml; a -e after the command wins.",
    ),
]
EnvOption = Annotated[
    Optional[str],
    typer.Option(
        "--env",
        "-e",
        metavar="ENV",
        help="Environment from dandiops.toml (e.g. staging, production); "
        "default: the root -e, then DANDIOPS_ENV, then default_env.",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
DryRunOption = Annotated[bool, typer.Option("--dry-run", help="Show the planned changes and write nothing.")]
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Confirm production changes without a prompt.")]
ShowSecretsOption = Annotated[
    bool,
    typer.Option(
        "--show-secrets", help="Print the output as it is, without masking the values of the app's secret config vars."
    ),
]


class RootOptions:
    def __init__(self, config: str | None, env: str | None):
        self.config = config
        self.env = env
        self.application: Application | None = None
        self.context: Context | None = None  # the last one built: errors are audited and reported through it


def get_context(
    ctx: typer.Context,
    *,
    env: str | None = None,
    json_mode: bool = False,
    yes: bool = False,
    subject_of_result: bool = True,
) -> Context:
    """The Context for `env`. The command run's Application is built on the first call and shared by
    every later one, so a command reporting on several environments has one Reporter (pass
    subject_of_result=False for each of them: the result is not about any one)."""
    root = ctx.find_root()
    options: RootOptions = root.obj if isinstance(root.obj, RootOptions) else RootOptions(None, None)
    root.obj = options
    if options.application is None:
        terminal = Terminal.detect()
        options.application = Application(
            config_path=options.config, json_mode=json_mode, yes=yes, terminal=terminal, prompter=prompter_for(terminal)
        )
    context = options.application.context(env or options.env, subject_of_result=subject_of_result)
    options.context = context
    ctx.call_on_close(context.close)
    return context
