"""Commands a message suggests run as they read: they name the environment this run chose."""

from __future__ import annotations

import io

import pytest

from dandiops.core.output import Reporter, Terminal, with_environment


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        ("run `dandiops init` again", "run `dandiops init -e staging` again"),
        ("`dandiops init --only formation`", "`dandiops init --only formation -e staging`"),
        ("`dandiops run -- ls -l`", "`dandiops run -e staging -- ls -l`"),
        # already says which environment, stands for one, or takes none: unchanged
        ("`dandiops release status staging`", "`dandiops release status staging`"),
        ("`dandiops hosts add HOST -e production`", "`dandiops hosts add HOST -e production`"),
        ("`dandiops hosts add HOST --env=production`", "`dandiops hosts add HOST --env=production`"),
        ("`dandiops release ENV`", "`dandiops release ENV`"),
        ("`dandiops sandbox serve`", "`dandiops sandbox serve`"),
        ("`heroku logs`", "`heroku logs`"),
    ],
)
def test_suggested_commands_gain_the_chosen_environment(message, shown):
    assert with_environment(message, "staging") == shown


def test_errors_hints_and_warnings_name_the_environment_once_one_is_chosen():
    err = io.StringIO()
    reporter = Reporter(Terminal(False, False, False, False, False), stdout=io.StringIO(), stderr=err)
    reporter.error("interrupted", "run `dandiops init` again to go on from there")
    reporter.subject = {"env": "staging", "app": "dandi-sandbox-api-staging"}
    reporter.error("interrupted", "run `dandiops init` again to go on from there")
    reporter.warn("no daily backup is scheduled: run `dandiops backups schedule`")
    lines = err.getvalue().splitlines()
    assert lines == [
        "error: interrupted",
        "hint: run `dandiops init` again to go on from there",
        "error: interrupted",
        "hint: run `dandiops init -e staging` again to go on from there",
        "warning: no daily backup is scheduled: run `dandiops backups schedule -e staging`",
    ]
