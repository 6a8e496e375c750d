"""The init engine and the step contract, without a sandbox."""

from __future__ import annotations

import io

import pytest

from dandiops.steps.base import Change, Check, InitStep, Status
from dandiops.wizard.engine import StepOutcome, Wizard, WizardResult

CONFIG = """
[environments.staging]
heroku_app = "dandi-example-staging"
github_repo = "example/dandi-archive"
api_url = "https://api.staging.example.org"
web_url = "https://staging.example.org"
bucket = "dandi-example-staging"
"""


@pytest.fixture
def context(tmp_path):
    from dandiops.app.context import Context
    from dandiops.core.output import Terminal
    from dandiops.wizard.prompter import NonInteractivePrompter

    config = tmp_path / "dandiops.toml"
    config.write_text(CONFIG)
    terminal = Terminal(stdin_tty=False, stdout_tty=False, stderr_tty=False, color=False, ci=False)
    ctx = Context(
        config_path=str(config),
        env_name="staging",
        terminal=terminal,
        environ={},
        prompter=NonInteractivePrompter(),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    yield ctx
    ctx.close()


def run(ctx, steps):
    from dandiops.app.questions import Answers
    from dandiops.wizard.state import InitState

    state = InitState.load(
        ctx.settings.root / ".dandiops" / "init-staging.json", environment="staging", app=ctx.env.heroku_app
    )
    return Wizard(ctx, steps, Answers(ctx, store=state), state).run()


class Fixed(InitStep):
    """A step whose check is given."""

    def __init__(self, name: str, check: Check):
        self.name = self.title = name
        self.checked = check
        self.applied: list[Change] = []

    def check(self, ctx) -> Check:
        return self.checked

    def plan(self, ctx) -> list[Change]:
        return [Change(self.name, "set")] if self.checked.status == Status.PENDING else []

    def apply(self, ctx, changes: list[Change]) -> list[Change]:
        self.applied.extend(changes)
        return changes


def test_an_unavailable_outcome_leaves_init_incomplete():
    result = WizardResult(
        [
            StepOutcome("credentials", "Credentials", Status.OK, "fine"),
            StepOutcome("backups", "Daily database backups", Status.UNAVAILABLE, "not here"),
        ],
        dry_run=False,
    )
    assert [outcome.name for outcome in result.incomplete] == ["backups"]


def test_every_init_step_declares_the_step_contract(context):
    from dandiops.app.questions import Answers
    from dandiops.wizard.steps import REMEMBERED_STEPS, STEP_NAMES, build_steps

    steps = build_steps(context, Answers(context))
    assert [step.name for step in steps] == list(STEP_NAMES)
    for step in steps:
        assert isinstance(step, InitStep), step.name
        assert isinstance(step.needs_ready_app, bool) and isinstance(step.remembered, bool), step.name
    assert tuple(step.name for step in steps if step.remembered) == REMEMBERED_STEPS
    assert {step.name for step in steps if step.needs_ready_app} >= set(REMEMBERED_STEPS)


def test_a_failed_check_stops_init_with_its_hint(context):
    later = Fixed("later", Check(Status.PENDING, "something to set"))
    failing = Fixed(
        "failing",
        Check(
            Status.FAILED,
            "the app is in the wrong region",
            ["region eu, not us"],
            hint="fix dandiops.toml or use a new app",
        ),
    )
    result = run(context, [failing, later])
    assert result.error is not None and result.error.hint == "fix dandiops.toml or use a new app"
    assert result.error.message == "failing: the app is in the wrong region"
    outcome = result.outcomes[0]
    assert (outcome.status, outcome.details) == (
        Status.FAILED,
        ["region eu, not us", "fix dandiops.toml or use a new app"],
    )
    assert result.outcomes[1].status == Status.SKIPPED and later.applied == []


def test_a_failed_check_without_a_hint_says_to_run_init_again(context):
    result = run(context, [Fixed("failing", Check(Status.FAILED, "broken", ["one finding"]))])
    assert result.error.hint == "fix it, then run `dandiops init` again"
    assert result.outcomes[0].details == ["one finding"]
