"""Every command's --help, read as gh's reads: each value named (EMAIL, not <str>), no placeholder left
unexpanded, an Examples section whose command lines parse, and prose the terminal wraps between words."""

from __future__ import annotations

import re
import shlex
from itertools import pairwise
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from dandiops.cli import common
from dandiops.cli.main import app

DOCS = Path(__file__).resolve().parents[2] / "docs"
WIDTHS = (80, 120)
WIDE = 1000  # nothing wraps: the words as written, to compare the narrow renderings with
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
PLACEHOLDER = re.compile(r"\{[a-z_][a-z0-9_]*\}|%\([a-z_]+\)[sdr]")
TYPE_NAME = re.compile(
    r"<(?:str|bool|int|float|file|path|text|uuid|datetime|[a-z]+ range|list\[[^\]]*\]|tuple\[[^\]]*\])>"
    r"|<[\w-]+(?:\|[\w-]+)+>"  # a choice's values in place of its name
    r"|\b(?:TEXT|INTEGER|FLOAT|BOOLEAN)\b"
)
BOX = "│╭╮╰╯─"


def _commands(command, path=()):
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


def _help(path, width: int) -> str:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": str(width)})
    assert result.exit_code == 0, (path, result.stderr)
    return ANSI.sub("", result.stdout)


def _words(text: str) -> set[str]:
    return {word.strip(BOX) for word in text.split()} - {""}


def _examples(command) -> list[str]:
    """The command lines of a command's Examples section, continuation lines joined."""
    text = re.sub(r"\\\n\s*", "", command.epilog or "")
    return [line.split("$ ", 1)[1].replace(r"\[", "[") for line in text.splitlines() if line.lstrip().startswith("$ ")]


def _uneven_prose(text: str, width: int) -> list[str]:
    """Lines of the description (above the first panel) that end although the next line's first word
    would have fitted: a line break kept from the source, not one the terminal made."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(" Usage:")) + 2
    end = next((i for i, line in enumerate(lines) if line.startswith("╭") or line.strip() == "Examples"), len(lines))
    prose = [line[1:].rstrip() for line in lines[start:end]]
    return [
        f"{this!r} / {after!r}"
        for this, after in pairwise(prose)
        if this and after and len(this) + 1 + len(after.split()[0]) <= width - 2
    ]


def _uneven_command_rows(text: str, width: int) -> list[str]:
    """The same for a group's Commands panel: a description cut short, its next line in the same row."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("╭─ Commands")]
    if not starts:
        return []
    rows = []
    for line in lines[starts[0] + 1 :]:
        if not line.startswith("│"):
            break
        rows.append(line[1:-1])
    first = rows[0]
    column = len(first) - len(first.lstrip()) + len(first.split()[0])
    column += len(first[column:]) - len(first[column:].lstrip())
    room = width - 3 - column  # the panel's borders and padding, the name column and its padding
    found = []
    for this, after in pairwise(rows):
        if after[:column].strip():  # the next command's row
            continue
        described, continued = this[column:].rstrip(), after[column:].strip()
        if len(described) + 1 + len(continued.split()[0]) <= room:
            found.append(f"{described!r} / {continued!r}")
    return found


@pytest.fixture(scope="module")
def root():
    """The command tree as a run sees it: the root group names the values before it parses."""
    command = typer.main.get_command(app)
    context = command.make_context("dandiops", ["status"])
    return command, context


def test_every_help_names_its_values_shows_examples_and_wraps_between_words():
    problems = []
    for path, command in _commands(typer.main.get_command(app)):
        name = " ".join(("dandiops", *path))
        wide = _help(path, WIDE)
        examples = _examples(command)
        if not 2 <= len(examples) <= 4:
            problems.append(f"{name}: {len(examples)} examples (2 to 4 wanted)")
        example_lines = [  # every line under the heading, each to be shown whole
            line.strip().replace(r"\[", "[") for line in (command.epilog or "").splitlines()[2:] if line.strip()
        ]
        for width in WIDTHS:
            text = _help(path, width)
            where = f"{name} at COLUMNS={width}"
            problems += [f"{where}: placeholder {m.group(0)}" for m in PLACEHOLDER.finditer(text)]
            problems += [f"{where}: type name {m.group(0)}" for m in TYPE_NAME.finditer(text)]
            shown = {line.strip() for line in text.splitlines()}
            if "Examples" not in shown:
                problems.append(f"{where}: no Examples section")
            problems += [f"{where}: example line not whole: {line!r}" for line in example_lines if line not in shown]
            problems += [f"{where}: cut word {word!r}" for word in sorted(_words(text) - _words(wide))]
            problems += [f"{where}: line break kept from the source: {pair}" for pair in _uneven_prose(text, width)]
            problems += [f"{where}: row cut short: {pair}" for pair in _uneven_command_rows(text, width)]
    assert problems == []


def test_every_example_is_a_command_line_of_its_command(root):
    command_tree, root_context = root
    problems, checked = [], 0
    for path, command in _commands(command_tree):
        for example in _examples(command):
            checked += 1
            words = shlex.split(example)
            if words[0] != "dandiops":
                problems.append(f"{example!r} does not run dandiops")
                continue
            chain, current, context, rest = [command_tree], command_tree, root_context, words[1:]
            while getattr(current, "commands", None) and rest and (found := current.get_command(context, rest[0])):
                chain.append(found)
                current, rest = found, rest[1:]
            if command not in chain:
                problems.append(f"{example!r} is not an example of `dandiops {' '.join(path)}`")
                continue
            try:
                current.make_context(current.name, list(rest), parent=context)
            except Exception as exc:  # a usage error says which option or argument is wrong
                problems.append(f"{example!r}: {type(exc).__name__}: {getattr(exc, 'message', exc)}")
    assert checked and problems == []


def test_every_parameter_that_takes_a_value_has_a_name_for_it(root):
    command_tree, context = root
    unnamed = [
        f"dandiops {' '.join(path)} {param.name}"
        for path, command in _commands(command_tree)
        for param in command.get_params(context)
        if not getattr(param, "is_flag", False) and not param.metavar and param.name not in common.VALUE_NAMES
    ]
    assert unnamed == []


def test_arguments_show_their_value_name_with_dots_when_they_take_several():
    approve = _help(("users", "approve"), 80)
    assert "Usage: dandiops users approve [OPTIONS] [EMAIL]..." in approve
    assert re.search(r"│\s+EMAIL\.\.\.\s+Users' emails", approve)
    show = _help(("users", "show"), 80)
    assert "Usage: dandiops users show [OPTIONS] {EMAIL}" in show
    assert "Missing argument 'EMAIL'" in CliRunner().invoke(app, ["users", "show"]).stderr


def test_an_explicit_metavar_is_shown_as_written():
    text = _help(("run",), 80)
    assert "Usage: dandiops run [OPTIONS] -- CMD [ARGS]..." in text
    assert re.search(r"--dyno-env\s+NAME=VALUE", text)


def test_flags_show_no_value():
    text = _help(("users", "approve"), 120)
    assert re.search(r"│ --no-email\s{2,}Do not send", text)
    assert re.search(r"│ --help\s+-h\s{2,}Show this message", text)


def _synopses():
    """(page, command line) for each line of the docs' synopsis blocks (fences without a language)
    that runs dandiops, with its indented continuation lines joined."""
    for page in sorted(DOCS.glob("*.md")):
        fence, joined = None, []
        for line in page.read_text().splitlines():
            if line.startswith("```"):
                fence = line[3:] if fence is None else None
            elif fence == "" and line.startswith("dandiops "):
                joined.append(line)
            elif fence == "" and joined and line.startswith(" "):
                joined[-1] += " " + line.strip()
        yield from ((page.name, line) for line in joined)


def test_the_docs_synopses_name_each_value_as_the_help_does(root):
    command_tree, context = root
    mismatches, checked = [], 0
    for page, line in _synopses():
        command, words = command_tree, line.split()[1:]
        while getattr(command, "commands", None) and words and (found := command.get_command(context, words[0])):
            command, words = found, words[1:]
        options = {opt: param for param in command.get_params(context) for opt in param.opts + param.secondary_opts}
        for option, value_name in re.findall(r"(?<![\w-])(--?[a-z][\w-]*) ([A-Z][A-Z0-9_=:.]*)", " ".join(words)):
            checked += 1
            shown = options[option].metavar if option in options else "(no such option)"
            if shown != value_name:
                mismatches.append(f"{page}: `{option} {value_name}`, but --help shows `{option} {shown}`")
    assert checked and mismatches == []
