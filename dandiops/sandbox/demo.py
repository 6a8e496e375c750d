"""What `dandiops sandbox demo` and bench/init_rerun.py share: the environment, the answers, counting writes."""

from __future__ import annotations

import contextlib
import io
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:
    from dandiops.sandbox.runtime import Sandbox
    from dandiops.wizard.engine import WizardResult

DEMO_ENV = "staging"
# The operator's own settings must not leak into the sandbox run (their keys, their endpoints).
_ISOLATED = (
    "DANDIOPS_ENV",
    "DANDIOPS_CONFIG",
    "DANDIOPS_HEROKU_API_URL",
    "DANDIOPS_HEROKU_DATA_API_URL",
    "DANDIOPS_GITHUB_API_URL",
    "DANDIOPS_AUDIT_LOG",
    "HEROKU_API_KEY",
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "DANDIOPS_DEPLOY_HEROKU_API_KEY",
    "DANDIOPS_FORK_GH_TOKEN",
    "NETLIFY_AUTH_TOKEN",
    "DANDIOPS_NETLIFY_API_URL",
    "DANDIOPS_APP_AWS_SECRET_ACCESS_KEY",
)


def demo_init_arguments(environ: dict[str, str], env_name: str = DEMO_ENV) -> tuple[list[str], str]:
    """The arguments of the demo's `dandiops init` (non-interactive, confirmed, with the sandbox's answers),
    and how to show them (the answers file by its variable)."""
    from dandiops.sandbox.runtime import ANSWERS_VAR

    options = ["-e", env_name, "init", "--non-interactive", "--yes", "--answers"]
    return [*options, environ[ANSWERS_VAR]], " ".join([*options, f"${ANSWERS_VAR}"])


def demo_answers_path() -> Path:
    from dandiops.sandbox.runtime import answers_path

    return answers_path()


@contextlib.contextmanager
def demo_environment(sandbox: "Sandbox") -> Iterator[dict[str, str]]:
    """os.environ pointing at the sandbox for the duration (restored afterwards)."""
    saved = dict(os.environ)
    try:
        for name in _ISOLATED:
            os.environ.pop(name, None)
        os.environ.update(sandbox.environment())
        for name, value in sandbox.init_environment().items():
            # the superuser's password stays the operator's when set, so they know it; the rest is the sandbox's
            if name == "DJANGO_SUPERUSER_PASSWORD":
                os.environ.setdefault(name, value)
            else:
                os.environ[name] = value
        yield dict(os.environ)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def write_requests(sandbox: "Sandbox") -> dict[str, int]:
    """How many write-method requests (POST, PUT, PATCH, DELETE and AWS write actions) each stand-in has had."""
    counts = {"heroku": len(sandbox.heroku.state.writes())}
    for component in sandbox.components:
        kind = type(component).__name__
        if kind == "GitHubComponent":
            counts["github"] = len(component.state.writes())
        elif kind == "AwsComponent":
            counts["aws"] = len(component.writes())
        elif kind == "NetlifyComponent":
            counts["netlify"] = len(component.state.writes())
    return counts


@dataclass
class Rerun:
    result: "WizardResult"
    writes: int
    seconds: float


def quiet_rerun(sandbox: "Sandbox", answers: str | Path | None = None, env_name: str = DEMO_ENV) -> Rerun:
    """Run init again without a terminal or output; count the stand-ins' write requests it caused."""
    from dandiops.app.context import Context
    from dandiops.core.output import Terminal
    from dandiops.wizard.init import run_init
    from dandiops.wizard.prompter import NonInteractivePrompter

    before = write_requests(sandbox)
    terminal = Terminal(stdin_tty=False, stdout_tty=False, stderr_tty=False, color=False, ci=True)
    started = time.monotonic()
    context = Context(
        config_path=str(sandbox.config_path),
        env_name=env_name,
        terminal=terminal,
        environ={**os.environ, **sandbox.environment()},
        prompter=NonInteractivePrompter(),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    try:
        result = run_init(context, answers_file=answers, interactive=False)
    finally:
        context.close()
    seconds = time.monotonic() - started
    after = write_requests(sandbox)
    return Rerun(result, sum(after.values()) - sum(before.values()), seconds)
