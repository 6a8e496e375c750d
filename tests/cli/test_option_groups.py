"""Options several commands share, taken as one dataclass parameter (cli.common.option_groups)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Optional

import pytest
import typer
import typer.main
from typer.testing import CliRunner

from dandiops.cli.common import option_groups
from dandiops.cli.main import app as dandiops_app


@dataclass(frozen=True)
class Window:
    start: Annotated[int, typer.Option("--start", help="The first line.")] = 1
    stop: Annotated[Optional[int], typer.Option("--stop", help="The last line.")] = None
    step: Annotated[int, typer.Option("--step", help="Every how many lines.")] = 1


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
