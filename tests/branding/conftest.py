"""Fixtures for `dandiops branding logo`: the GitHub stand-in (a dandi-archive fork whose default branch
has web/src/assets/logo.svg) beside the Heroku stand-in every sandbox has, and nothing else.

When GitHub's OpenAPI description is installed (see tests/github_openapi.py), every response
the stand-in gave during a test is checked against it at teardown.
"""

from __future__ import annotations

import pytest


def _openapi_problems(records) -> list[str]:
    from github_openapi import check_records, load_checker

    checker = load_checker()
    return [] if checker is None else check_records(checker, records)


@pytest.fixture
def sandbox(tmp_path):
    from dandiops.sandbox.github.component import GitHubComponent
    from dandiops.sandbox.runtime import Sandbox

    box = Sandbox(tmp_path / "sandbox", components=[GitHubComponent()])
    box.start()
    try:
        yield box
    finally:
        box.stop()


@pytest.fixture
def github(sandbox):
    from dandiops.sandbox.github.component import GitHubComponent

    component = next(c for c in sandbox.components if isinstance(c, GitHubComponent))
    yield component
    problems = _openapi_problems(component.state.requests)
    assert not problems, "GitHub stand-in responses that break GitHub's description:\n" + "\n".join(problems[:20])


@pytest.fixture
def gh_state(github):
    return github.state


@pytest.fixture
def repo(github):
    return github.repo


@pytest.fixture
def audit_lines(sandbox):
    import json

    def read() -> list[dict]:
        path = sandbox.workdir / "audit.log"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.is_file() else []

    return read
