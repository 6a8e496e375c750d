"""Fixtures for `dandiops init`: write counting and Contexts with a scripted terminal (the sandbox, its
AWS and GitHub are the shared fixtures of tests/sandbox_fixtures.py)."""

from __future__ import annotations

import io
import os
from contextlib import contextmanager

import pytest

from init_helpers import SUPERUSER_PASSWORD


@pytest.fixture(autouse=True)
def _fast_writes(monkeypatch):
    monkeypatch.setenv("DANDIOPS_GITHUB_WRITE_INTERVAL", "0")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", SUPERUSER_PASSWORD)
    monkeypatch.setenv("DANDIOPS_GITHUB_CLIENT_SECRET", "0123456789abcdef0123456789abcdef01234567")


@pytest.fixture
def staging_app(heroku_state, sandbox):
    return heroku_state.find_app(sandbox.heroku.environment_settings("staging")["heroku_app"])


@pytest.fixture
def writes(sandbox):
    """writes() -> {stand-in: number of write requests so far}."""
    from dandiops.sandbox.demo import write_requests

    return lambda: write_requests(sandbox)


class Scripted:
    """A Context whose terminal is scripted: keys for questionary through a pipe, output captured."""

    def __init__(self, sandbox, *, env_name="staging", keys: str | None = None, interactive: bool | None = None):
        from prompt_toolkit.input import create_pipe_input
        from prompt_toolkit.output import DummyOutput

        from dandiops.app.context import Context
        from dandiops.core.output import Terminal
        from dandiops.wizard.prompter import NonInteractivePrompter, QuestionaryPrompter

        self._pipe_cm = None
        interactive = keys is not None if interactive is None else interactive
        if interactive:
            self._pipe_cm = create_pipe_input()
            self.pipe = self._pipe_cm.__enter__()
            if keys:
                self.pipe.send_text(keys)
            prompter = QuestionaryPrompter(input=self.pipe, output=DummyOutput())
        else:
            prompter = NonInteractivePrompter()
        terminal = Terminal(stdin_tty=interactive, stdout_tty=False, stderr_tty=interactive, color=False, ci=False)
        self.stdout, self.stderr = io.StringIO(), io.StringIO()
        self.ctx = Context(
            config_path=str(sandbox.config_path),
            env_name=env_name,
            terminal=terminal,
            environ={**os.environ, **sandbox.environment()},
            prompter=prompter,
            stdout=self.stdout,
            stderr=self.stderr,
        )

    def close(self):
        self.ctx.close()
        if self._pipe_cm is not None:
            self._pipe_cm.__exit__(None, None, None)


@pytest.fixture
def scripted(sandbox):
    """scripted(keys=None, env_name="staging") -> Scripted; closed at the end of the test."""
    made = []

    def make(**kwargs) -> Scripted:
        made.append(Scripted(sandbox, **kwargs))
        return made[-1]

    yield make
    for item in made:
        item.close()


@contextmanager
def no_new_writes(counter):
    before = counter()
    yield
    after = counter()
    assert after == before, f"write requests happened: before {before}, after {after}"
