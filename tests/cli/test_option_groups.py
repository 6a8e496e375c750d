"""Options several commands share, taken as one dataclass parameter (cli.common.option_groups)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Optional

import pytest
import typer
import typer.main
from typer.testing import CliRunner

from dandiops.cli.common import argument, command, flag, option, option_groups
from dandiops.cli.main import app as dandiops_app


@dataclass(frozen=True)
class Window:
    start: int = option("The first line.", default=1)
    stop: Optional[int] = option("The last line.")
    step: int = option("Every how many lines.", default=1)


LoudOption = Annotated[bool, typer.Option("--loud", help="Shout.")]


def show_app():
    app = typer.Typer(add_completion=False)
    calls = []

    @app.command()
    @option_groups(window=("stop", "start"))
    def show(name: str, window: Window, loud: LoudOption = False) -> None:
        calls.append((name, window, loud))

    return app, calls


def test_a_group_parameter_is_its_offered_options_in_their_order_and_the_command_gets_the_dataclass():
    app, calls = show_app()
    command = typer.main.get_command(app)
    assert [param.opts for param in command.params] == [["name"], ["--stop"], ["--start"], ["--loud"]]
    result = CliRunner().invoke(app, ["file.txt", "--start", "3", "--loud"])
    assert result.exit_code == 0, result.output
    assert calls == [("file.txt", Window(start=3, stop=None, step=1), True)]


def test_an_option_the_command_does_not_offer_is_refused():
    app, calls = show_app()
    result = CliRunner().invoke(app, ["file.txt", "--step", "2"])
    assert result.exit_code == 2 and "--step" in result.output
    assert calls == []


def test_offering_options_for_a_parameter_the_command_lacks_is_an_error_naming_it():
    def show(name: str, window: Window) -> None: ...

    with pytest.raises(TypeError, match="windows"):
        option_groups(windows=("start",))(show)


def test_a_group_option_named_like_another_parameter_is_an_error():
    def show(start: int, window: Window) -> None: ...

    with pytest.raises(ValueError, match="start"):
        option_groups()(show)


@dataclass(frozen=True)
class Listing:
    folders: Optional[list[str]] = argument("Folders to list.")
    max_depth: Optional[int] = option("How deep to go.", short="-d")
    sort_key: Optional[str] = option("What to sort by.", metavar="KEY")
    show_hidden: bool = flag("List dotfiles too.", short="-a")
    json_output: bool = flag("Print JSON.", name="--json")


def listing_app():
    app = typer.Typer(add_completion=False)
    calls = []

    @app.command()
    @option_groups()
    def ls(listing: Listing) -> None:
        calls.append(listing)

    return app, calls


def test_a_group_declared_with_the_helpers_offers_its_fields_under_their_names():
    app, calls = listing_app()
    params = {param.name: param for param in typer.main.get_command(app).params}
    assert [(param.opts, param.secondary_opts) for param in params.values()] == [
        (["folders"], []),
        (["--max-depth", "-d"], []),
        (["--sort-key"], []),
        (["--show-hidden", "-a"], []),  # a flag has no --no- form
        (["--json"], []),
    ]
    assert params["sort_key"].metavar == "KEY" and params["show_hidden"].is_flag
    result = CliRunner().invoke(app, ["docs", "src", "-d", "2", "--sort-key", "size", "-a", "--json"])
    assert result.exit_code == 0, result.output
    assert calls == [Listing(folders=["docs", "src"], max_depth=2, sort_key="size", show_hidden=True, json_output=True)]


def test_a_flag_declared_with_the_helpers_has_no_no_form():
    app, calls = listing_app()
    result = CliRunner().invoke(app, ["--no-show-hidden"])
    assert result.exit_code == 2 and "--no-show-hidden" in result.output
    assert calls == []


@dataclass(frozen=True)
class Undeclared:
    start: int


@dataclass(frozen=True)
class TyperAnnotated:
    start: Annotated[int, typer.Option("--start", help="The first line.")] = 1


def _command_taking(group: type):
    """A command whose one parameter is `group`, annotated after the fact: with postponed annotations,
    a name local to a test could not be resolved."""

    def show(window) -> None: ...

    show.__annotations__["window"] = group
    return show


@pytest.mark.parametrize("group", [Undeclared, TyperAnnotated])
def test_registering_a_command_whose_group_has_a_field_declared_without_the_helpers_is_an_error_naming_it(group):
    show = _command_taking(group)
    with pytest.raises(TypeError, match=rf"{group.__name__}\.start .*option\(\), flag\(\) or argument\(\)"):
        command(typer.Typer(name="tools"), "show")(show)


@dataclass(frozen=True)
class BoolOption:
    loud: bool = option("Shout.", default=False)


@dataclass(frozen=True)
class IntFlag:
    loud: int = flag("Shout.")


@pytest.mark.parametrize("group", [BoolOption, IntFlag])
def test_a_group_field_declared_with_flag_unless_it_is_a_bool_is_an_error_naming_it(group):
    with pytest.raises(TypeError, match=rf"{group.__name__}\.loud: declare a bool field with flag\(\)"):
        option_groups()(_command_taking(group))


def _options(*path: str) -> list[str]:
    command = typer.main.get_command(dandiops_app)
    for name in path:
        command = command.commands[name]
    return [param.opts[0] for param in command.params]


def test_the_change_options_stand_where_each_command_declares_them():
    assert _options("cachetable", "create") == ["--env", "--dry-run", "--yes", "--json"]
    assert _options("hosts", "remove") == ["hosts", "--cors-origin", "--env", "--dry-run", "--yes", "--json", "--force"]
    assert _options("init")[0] == "--env" and _options("init")[-3:] == ["--dry-run", "--yes", "--json"]
    assert _options("release", "production") == [
        *("--tag", "--pr", "--wait", "--ref", "--detach", "--timeout"),
        *("--dry-run", "--yes", "--json"),
    ]
    assert _options("users", "reject") == [
        *("emails", "--reason", "--from-file", "--no-email", "--skip-missing"),
        *("--env", "--dry-run", "--yes", "--json"),
    ]
