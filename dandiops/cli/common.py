"""Options commands share, declared once (alone, or as a group a command takes as one parameter:
`option_groups`), the one place a command gets its Context, and how a module makes its group of commands."""

from __future__ import annotations

import dataclasses
import inspect
from typing import TYPE_CHECKING, Annotated, Any, Callable, Literal, Optional, TypeVar

import typer

from dandiops.app.context import Application, Context
from dandiops.cli.examples import EXAMPLES
from dandiops.core.output import Terminal
from dandiops.wizard.prompter import prompter_for

if TYPE_CHECKING:
    from dandiops.cli.change import Mutation

ResultT = TypeVar("ResultT")

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
ENV_HELP = (
    "Environment from dandiops.toml (e.g. staging, production); "
    "default: the root -e, then DANDIOPS_ENV, then default_env."
)
# -e as a command's own parameter, for the commands whose -e stands apart from their option group in
# --help (init, run, frontend status, release list); ReadOptions and ChangeOptions declare theirs
# with `option` (`_env_option`).
EnvOption = Annotated[Optional[str], typer.Option("--env", "-e", metavar="ENV", help=ENV_HELP)]
ShowSecretsOption = Annotated[
    bool,
    typer.Option(
        "--show-secrets", help="Print the output as it is, without masking the values of the app's secret config vars."
    ),
]


# What --help calls the value of each parameter that takes one, by the parameter's name: the root
# group gives these out (see cli.main.DandiopsGroup), flags show none, and an explicit metavar= wins.
VALUE_NAMES = {
    "answers": "FILE",
    "app_dir": "APP=PATH",
    "at": "HH:00",
    "branch": "BRANCH",
    "config": "FILE",
    "confirm": "ITEM",
    "cors_origin": "ORIGIN",
    "domain": "DOMAIN",
    "dyno": "DYNO",
    "dyno_env": "NAME=VALUE",
    "email": "EMAIL",
    "emails": "EMAIL",
    "env_file": "FILE",
    "env_name": "ENV",
    "file": "FILE",
    "from_file": "FILE",
    "github_client_id": "ID",
    "hosts": "HOST",
    "limit": "N",
    "num": "N",
    "oauth_client_id": "ID",
    "permissions": "PERMISSIONS",
    "pr": "N",
    "reason": "REASON",
    "ref": "BRANCH",
    "silence_timeout": "SECONDS",
    "size": "SIZE",
    "source": "SOURCE",
    "start_timeout": "SECONDS",
    "state_file": "FILE",
    "status": "STATUS",
    "tag": "TAG",
    "time_to_live": "SECONDS",
    "timeout": "SECONDS",
    "tz": "ZONE",
    "workdir": "DIR",
}


EXAMPLE_WIDTH = 74  # what an 80-column terminal leaves an example's line in the Examples section


def examples(*invocations: tuple[str, str]) -> str:
    """A command's Examples section (its epilog), as gh shows them: each (comment, command line) as a
    `# comment` line over a `$ dandiops ...` line. A command line too long for an 80-column terminal
    goes on over the next lines, each but the last ending in a backslash, so that it pastes whole."""

    def literal(text: str) -> str:
        return text.replace("[", r"\[")  # Typer prints the epilog as Rich markup

    # The first line is empty because Typer dedents every line but the first by their common indent:
    # with the heading among them at column 0, the examples keep theirs.
    lines = ["", "[bold]Examples[/bold]"]
    for comment, command in invocations:
        lines.append(f"  # {literal(comment)}")
        for number, part in enumerate(_shell_lines(command)):
            lines.append(f"  {'$' if number == 0 else ' '} {literal(part)}")
        lines.append("")
    return "\n".join(lines).rstrip("\n")


def _shell_lines(command: str) -> list[str]:
    """`command` in lines of at most EXAMPLE_WIDTH characters, cut between words: each line but the
    last ends in ` \\`, and the lines after the first are indented."""
    if len(command) <= EXAMPLE_WIDTH:
        return [command]
    import shlex

    words = [shlex.quote(word) for word in shlex.split(command)]
    # an option and the word after it (its value, most likely) stay on one line
    pieces: list[str] = []
    for word in words:
        if pieces and pieces[-1].startswith("-") and " " not in pieces[-1] and not word.startswith("-"):
            pieces[-1] += f" {word}"
        else:
            pieces.append(word)
    lines: list[str] = []
    for piece in pieces:
        if lines and len(f"{lines[-1]} {piece} \\") <= EXAMPLE_WIDTH:
            lines[-1] += f" {piece}"
        else:
            lines.append(f"  {piece}" if lines else piece)
    return [f"{line} \\" for line in lines[:-1]] + lines[-1:]


ROOT = "dandiops"  # the root group's name: a command directly under it is named by its own name alone


def command_group(name: str, help: str, **settings: Any) -> typer.Typer:
    """The group of commands `dandiops NAME ...` a module defines, which cli.main adds to the root;
    its Examples section is cli.examples'. `settings` go to Typer as they are."""
    return typer.Typer(name=name, help=help, epilog=_examples_of(name), no_args_is_help=True, **settings)


CommandT = TypeVar("CommandT", bound=Callable[..., None])


def command(group: typer.Typer, name: str, **settings: Any) -> Callable[[CommandT], CommandT]:
    """Make the function the command `name` of `group` (the root, or a `command_group`): its
    docstring is its help, cli.examples has its Examples section, and the option groups it takes are
    expanded (`option_groups`; one that offers only some of a group's options names them in
    `@option_groups(...)` under this decorator). `settings` go to Typer as they are."""

    def register(function: CommandT) -> CommandT:
        epilog = _examples_of(name if group.info.name == ROOT else f"{group.info.name} {name}")
        group.command(name, epilog=epilog, **settings)(option_groups()(function))
        if not group.info.epilog:  # a group of one command, which has no examples of its own
            group.info.epilog = epilog
        return function

    return register


def _examples_of(path: str) -> str | None:
    return examples(*EXAMPLES[path]) if path in EXAMPLES else None


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


def secret_read_once(context: Context, read: Callable[[], str]) -> Callable[[], str]:
    """A secret read by `read` (stdin, the environment, a hidden prompt) when it is first needed, and
    only then: the same value every time, masked in all dandiops prints from then on."""
    import functools

    @functools.cache
    def secret() -> str:
        value = read()
        context.secret_registry.add(value)
        return value

    return secret


# The key of a group's field's metadata that says how the field is offered on the command line.
OFFERED = "dandiops.cli.offered"


@dataclasses.dataclass(frozen=True)
class Offered:
    """How `option`, `flag` or `argument` offers a group's field on the command line; `option_groups`
    makes the Typer parameter of it, named after the field."""

    help: str | None
    kind: Literal["option", "flag", "argument"]
    name: str | None = None  # the long name, for an option not called after its field (--json)
    short: str | None = None
    settings: dict[str, Any] = dataclasses.field(default_factory=dict)  # to Typer as they are

    def annotation(self, field: str, hint: Any) -> Any:
        """`hint` (the field's type) annotated with the Typer parameter of the field named `field`."""
        if self.kind == "argument":
            return Annotated[hint, typer.Argument(help=self.help, **self.settings)]
        # one name, without a slash: a flag has no --no- form
        names = [self.name or "--" + field.replace("_", "-"), *([self.short] if self.short else [])]
        return Annotated[hint, typer.Option(*names, help=self.help, **self.settings)]


def option(
    help: str | None,
    *,
    default: Any = None,
    short: str | None = None,
    metavar: str | None = None,
    name: str | None = None,
    **settings: Any,
) -> Any:
    """A group's field offered as the option `--field-name VALUE` (`short` beside it, `name` instead of
    it); `metavar` names the value where VALUE_NAMES does not, and `settings` (min=, envvar=, hidden=)
    go to Typer as they are. Declared with the field's plain type: `ref: Optional[str] = option(...)`."""
    if metavar is not None:
        settings["metavar"] = metavar
    return _offered(default, Offered(help, "option", name, short, settings))


def flag(help: str | None, *, short: str | None = None, name: str | None = None, **settings: Any) -> Any:
    """A group's bool field offered as `--field-name`, off unless given (no --no- form); `short`,
    `name` and `settings` as for `option`."""
    return _offered(False, Offered(help, "flag", name, short, settings))


def argument(help: str | None, *, default: Any = None, **settings: Any) -> Any:
    """A group's field offered as the command's argument (named in --help after VALUE_NAMES)."""
    return _offered(default, Offered(help, "argument", settings=settings))


def _offered(default: Any, offered: Offered) -> Any:
    return dataclasses.field(default=default, metadata={OFFERED: offered})


def _env_option() -> Any:
    return option(ENV_HELP, short="-e", metavar="ENV")


def _json_flag() -> Any:
    return flag("Print one JSON document on stdout.", name="--json")


@dataclasses.dataclass(frozen=True)
class ReadOptions:
    """-e and --json: what every command that reads an environment without changing it takes (see
    `option_groups`)."""

    env: Optional[str] = _env_option()
    json_output: bool = _json_flag()

    def context(self, ctx: typer.Context, *, env: str | None = None, subject_of_result: bool = True) -> Context:
        """The Context of -e, or of `env` for a command that takes the environment otherwise (an
        argument; an -e that stands apart from the group in its --help). See `get_context` for
        `subject_of_result`."""
        return get_context(ctx, env=env or self.env, json_mode=self.json_output, subject_of_result=subject_of_result)


@dataclasses.dataclass(frozen=True)
class ChangeOptions:
    """-e, --dry-run, --yes and --json: what every command that changes an environment takes (see
    `option_groups`)."""

    env: Optional[str] = _env_option()
    dry_run: bool = flag("Show the planned changes and write nothing.")
    yes: bool = flag("Confirm production changes without a prompt.", short="-y")
    json_output: bool = _json_flag()

    def context(self, ctx: typer.Context, *, env: str | None = None) -> Context:
        """The Context of -e, or of `env` for a command that takes the environment otherwise (release's
        command name; init's and run's -e, which stand apart from the group in their --help)."""
        return get_context(ctx, env=env or self.env, json_mode=self.json_output, yes=self.yes)

    def carry_out(self, context: Context, change: "Mutation[Any, ResultT]") -> ResultT | None:
        from dandiops.cli.change import carry_out

        return carry_out(context, change, dry_run=self.dry_run)


def option_groups(**offered: tuple[str, ...]) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Let a command take a group of options several commands share as one parameter.

    A parameter annotated with a dataclass whose fields are declared with `option`, `flag` or
    `argument` (`ChangeOptions`) stands, in the command's --help and on its command line, for the
    group's options, where the parameter is; the command is called with the dataclass. `offered`
    names, for a parameter, the fields the command offers and their order; the others keep their
    defaults. A field declared otherwise is a TypeError when the command is registered.
    """

    def expand(command: Callable[..., None]) -> Callable[..., None]:
        import functools
        import typing

        unused = dict(offered)
        groups: dict[str, tuple[type, list[str]]] = {}
        parameters: list[inspect.Parameter] = []
        for parameter in inspect.signature(command, eval_str=True).parameters.values():
            group = parameter.annotation
            if not (isinstance(group, type) and dataclasses.is_dataclass(group)):
                parameters.append(parameter.replace(kind=inspect.Parameter.KEYWORD_ONLY))
                continue
            fields = {field.name: field for field in dataclasses.fields(group)}
            names = list(unused.pop(parameter.name, fields))
            hints = typing.get_type_hints(group, include_extras=True)
            groups[parameter.name] = (group, names)
            parameters += [_option_parameter(group, fields[name], hints[name]) for name in names]
        if unused:
            raise TypeError(f"{command.__name__} has no option group parameter {', '.join(unused)}")
        if not groups:  # nothing to expand (or expanded already, under `command`)
            return command

        @functools.wraps(command)
        def with_groups(**values: Any) -> None:
            for name, (group, names) in groups.items():
                values[name] = group(**{field: values.pop(field) for field in names})
            command(**values)

        signature = inspect.Signature(parameters)  # raises on a field named like another parameter
        with_groups.__signature__ = signature  # type: ignore[attr-defined]
        with_groups.__annotations__ = {p.name: p.annotation for p in signature.parameters.values()}
        return with_groups

    return expand


def _option_parameter(group: type, field: dataclasses.Field[Any], hint: Any) -> inspect.Parameter:
    """A group's field as the parameter Typer makes an option (or argument) of."""
    offered = field.metadata.get(OFFERED)
    where = f"{group.__name__}.{field.name}"
    if not isinstance(offered, Offered):
        raise TypeError(
            f"{where} is not offered on the command line: declare it with option(), flag() or argument() "
            'from dandiops.cli.common (e.g. `name: Optional[str] = option("What it is.")`)'
        )
    if (offered.kind == "flag") != (hint is bool):
        raise TypeError(f"{where}: declare a bool field with flag() (it takes no value), any other with option()")
    annotation = offered.annotation(field.name, hint)
    return inspect.Parameter(field.name, inspect.Parameter.KEYWORD_ONLY, default=field.default, annotation=annotation)
