"""Tables never cut a URL or an identifier: wrap at spaces, else a `column: value` list; piped, no wrap."""

from __future__ import annotations

import io

import pytest

from dandiops.core.output import Reporter, Terminal

CALLBACK = "https://api-staging.example-archive.org/accounts/github/login/callback/"
ROWS = [
    ["github-oauth-app", "pending", f"Register the OAuth App with the callback URL {CALLBACK} then re-run init"],
    ["checksum-worker", "ok", "scaled to 1"],
]


def render(*, on_terminal: bool, columns: int) -> str:
    out = io.StringIO()
    reporter = Reporter(Terminal(False, on_terminal, False, False, False), stdout=out, stderr=io.StringIO())
    reporter.out.width = columns
    reporter.table(["step", "state", "detail"], ROWS, title="init")
    return out.getvalue()


@pytest.mark.parametrize("columns", [40, 80, 100, 200])
def test_on_a_terminal_every_url_and_identifier_stays_on_one_line(columns):
    text = render(on_terminal=True, columns=columns)
    for whole in (CALLBACK, "github-oauth-app", "checksum-worker"):
        assert any(whole in line for line in text.splitlines()), text


def test_a_terminal_too_narrow_for_the_longest_word_gets_a_list_of_fields():
    text = render(on_terminal=True, columns=80)
    assert "step:   github-oauth-app" in text
    assert f"detail: Register the OAuth App with the callback URL {CALLBACK} then re-run init" in text


def test_a_wide_terminal_gets_a_table_wrapped_at_spaces():
    lines = render(on_terminal=True, columns=100).splitlines()
    assert lines[1].split() == ["step", "state", "detail"]
    assert any(line.strip() == CALLBACK or line.strip().startswith(CALLBACK) for line in lines), lines


def test_piped_output_keeps_each_row_on_one_line_whatever_the_width():
    lines = [line.rstrip() for line in render(on_terminal=False, columns=40).splitlines()]
    assert lines[-2].startswith("github-oauth-app") and lines[-2].endswith("then re-run init")
    assert lines[-1].split() == ["checksum-worker", "ok", "scaled", "to", "1"]


def test_a_table_without_rows_is_the_line_given_for_none_and_one_with_rows_is_a_table():
    out = io.StringIO()
    reporter = Reporter(Terminal(False, False, False, False, False), stdout=out, stderr=io.StringIO())
    reporter.table(["dyno", "state"], [], title="Dynos", empty="Dynos: none running")
    assert out.getvalue() == "Dynos: none running\n"
    reporter.table(["dyno", "state"], [("web.1", "up")], title="Dynos", empty="Dynos: none running")
    assert "none running" not in out.getvalue().splitlines()[-1] and "web.1" in out.getvalue()


def test_a_table_of_records_shows_the_field_each_column_names():
    out = io.StringIO()
    reporter = Reporter(Terminal(False, False, False, False, False), stdout=out, stderr=io.StringIO())
    dynos = [{"name": "web.1", "state": "up", "age": "2h", "size": "basic"}]
    reporter.records(dynos, {"dyno": "name", "for": "age"}, "Dynos", empty="Dynos: none running")
    reporter.records([], {"dyno": "name"}, "Dynos", empty="Dynos: none running")
    shown = out.getvalue().splitlines()
    assert [line.split() for line in shown if "web.1" in line or "dyno" in line] == [["dyno", "for"], ["web.1", "2h"]]
    assert shown[-1] == "Dynos: none running"
