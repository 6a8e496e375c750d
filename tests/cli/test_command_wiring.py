"""How commands are wired: registered by import, the shared options declared once, every change on one path."""

from __future__ import annotations

import ast
from pathlib import Path

import typer.main

from dandiops.cli.main import app

CLI = Path(__file__).resolve().parents[2] / "dandiops" / "cli"
SHARED_FLAGS = ("--env", "--json", "--dry-run", "--yes")


def _commands(command, path=()):
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


def _nodes_outside_cli_common():
    """Each syntax node of the command modules, with where it stands: `module.py:line`."""
    for module in sorted(CLI.glob("*.py")):
        if module.name != "common.py":
            for node in ast.walk(ast.parse(module.read_text())):
                yield f"{module.name}:{getattr(node, 'lineno', '?')}", node


def test_the_shared_options_are_written_only_in_cli_common():
    declared = [
        f"{where} {node.value}"
        for where, node in _nodes_outside_cli_common()
        if isinstance(node, ast.Constant) and node.value in SHARED_FLAGS
    ]
    assert declared == []


def test_no_command_module_declares_a_group_field_named_like_a_shared_option():
    """--dry-run and --yes come with -e and --json as one group, cli.common.ChangeOptions. A group's
    field is offered under its own name (`dry_run: bool = flag(...)` is --dry-run), which the check
    for the options' names written out above does not see."""
    declared = [
        f"{where} {node.target.id}"
        for where, node in _nodes_outside_cli_common()
        if isinstance(node, ast.AnnAssign)
        and isinstance(node.target, ast.Name)
        and node.target.id in ("env", "json_output", "dry_run", "yes")
        and isinstance(node.value, ast.Call)
    ]
    assert declared == []


def test_each_shared_option_reads_the_same_on_every_command():
    seen: dict[str, set] = {flag: set() for flag in SHARED_FLAGS}
    root = typer.main.get_command(app)
    for path, command in _commands(root):
        for param in command.params:
            for flag in SHARED_FLAGS:
                if flag in param.opts and path:  # the root -e is the one that reads DANDIOPS_ENV
                    seen[flag].add((tuple(param.opts), tuple(param.secondary_opts), param.help, param.envvar))
    assert {flag: len(variants) for flag, variants in seen.items()} == {flag: 1 for flag in SHARED_FLAGS}


def test_every_entry_of_the_examples_table_is_a_command_and_its_examples_section():
    from dandiops.cli.common import examples
    from dandiops.cli.examples import EXAMPLES

    commands = {" ".join(path): command for path, command in _commands(typer.main.get_command(app))}
    assert [path for path in EXAMPLES if path not in commands] == []
    assert [path for path, shown in EXAMPLES.items() if commands[path].epilog != examples(*shown)] == []


def test_every_commands_examples_section_comes_from_the_examples_table():
    from dandiops.cli.common import examples
    from dandiops.cli.examples import EXAMPLES

    tabled = {examples(*shown) for shown in EXAMPLES.values()}
    commands = _commands(typer.main.get_command(app))
    assert [" ".join(path) for path, command in commands if path and command.epilog not in tabled] == []


def test_every_module_with_a_dry_run_hands_its_changes_to_carry_out_and_never_confirms_itself():
    root = typer.main.get_command(app)
    modules = {
        command.callback.__module__.rsplit(".", 1)[1]
        for _, command in _commands(root)
        if command.callback is not None and any("--dry-run" in p.opts for p in command.params)
    }
    assert modules == {
        "access",
        "alerts",
        "auth",
        "backups",
        "branding",
        "cachetable",
        "email",
        "frontend",
        "hosts",
        "init",
        "release",
        "run",
        "superuser",
        "users",
    }
    for name in modules:
        source = (CLI / f"{name}.py").read_text()
        assert "carry_out(" in source, name
        assert "confirm_change(" not in source and "prepare_change(" not in source, name


def test_the_frontend_defaults_are_the_frontend_steps_and_the_archives():
    from dandiops.archive.auth import DEFAULT_OAUTH_CLIENT_ID
    from dandiops.cli import frontend
    from dandiops.steps.frontend import DEFAULT_DEPLOY_TIMEOUT

    assert (frontend.DEFAULT_TIMEOUT, frontend.DEFAULT_OAUTH_CLIENT_ID) == (
        DEFAULT_DEPLOY_TIMEOUT,
        DEFAULT_OAUTH_CLIENT_ID,
    )


def test_the_release_timeout_default_is_the_release_steps():
    from dandiops.cli.release import DEFAULT_TIMEOUT
    from dandiops.steps.release.trigger import DEFAULT_TIMEOUT as STEP_DEFAULT

    assert DEFAULT_TIMEOUT == STEP_DEFAULT
