"""Fixtures for `dandiops branding logo`: the GitHub stand-in (a dandi-archive fork whose default branch
has web/src/assets/logo.svg) beside the Heroku stand-in every sandbox has, and nothing else.

When GitHub's OpenAPI description is installed (see tests/release/release_openapi.py), every response
the stand-in gave during a test is checked against it at teardown.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import pytest

_OPENAPI_HELPER = Path(__file__).resolve().parents[1] / "release" / "release_openapi.py"


@functools.lru_cache(maxsize=1)
def _openapi():
    """(helper module, checker) once per process; (None, None) when the description is not installed."""
    if not _OPENAPI_HELPER.is_file():
        return None, None
    spec = importlib.util.spec_from_file_location("branding_release_openapi", _OPENAPI_HELPER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, module.load_checker()


def _openapi_problems(records) -> list[str]:
    module, checker = _openapi()
    return [] if checker is None else module.check_records(checker, records)


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
