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

[environments.bare]
heroku_app = "dandi-example-bare"
"""


@pytest.fixture
def context(tmp_path):
    ctx = _context(tmp_path, "staging")
    yield ctx
    ctx.close()


def _context(tmp_path, env_name):
    from dandiops.app.context import Context
    from dandiops.core.output import Terminal
    from dandiops.wizard.prompter import NonInteractivePrompter

    config = tmp_path / "dandiops.toml"
    config.write_text(CONFIG)
    terminal = Terminal(stdin_tty=False, stdout_tty=False, stderr_tty=False, color=False, ci=False)
    return Context(
        config_path=str(config),
        env_name=env_name,
        terminal=terminal,
        environ={"DANDIOPS_AUDIT_LOG": str(tmp_path / "audit.log")},
        prompter=NonInteractivePrompter(),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )


def run(ctx, steps, *, deploy_step=None, dry_run=False):
    from dandiops.app.questions import Answers
    from dandiops.wizard.state import InitState

    state = InitState.load(
        ctx.settings.root / ".dandiops" / "init-staging.json", environment="staging", app=ctx.env.heroku_app
    )
    answers = Answers(ctx, store=state, dry_run=dry_run)
    return Wizard(ctx, steps, answers, state, dry_run=dry_run, deploy_step=deploy_step).run()


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
        if changes and self.checked.status == Status.PENDING:
            self.checked = Check(Status.OK, "done")
        return changes


class Deploy(Fixed):
    """Makes the app's first build; acts once every step before it is done."""

    deploys = True
    after_earlier_steps = True


class NeedsBuild(Fixed):
    """Runs the app's code: Heroku refuses that on an app with no build."""

    needs_deploy = True

    def check(self, ctx) -> Check:
        self.checks = getattr(self, "checks", 0) + 1
        return super().check(ctx)


class Unfinished(Fixed):
    """Pending, and still pending after it applies (something someone else must do first)."""

    def apply(self, ctx, changes: list[Change]) -> list[Change]:
        return []


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
    # the steps that run the app's code come after the one that gives it code
    names = [step.name for step in steps]
    [deploy] = [step.name for step in steps if step.deploys]
    waiting = [step.name for step in steps if step.needs_deploy]
    assert waiting == ["formation", "cachetable", "superuser", "auth"]
    assert all(names.index(name) > names.index(deploy) for name in waiting)


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


def test_steps_that_need_a_build_are_checked_once_the_deploy_step_made_one(context):
    deploy = Deploy("first-deploy", Check(Status.PENDING, "nothing is deployed"))
    scale = NeedsBuild("formation", Check(Status.PENDING, "2 process types to scale"))
    dry = run(context, [deploy, scale], deploy_step=deploy, dry_run=True)
    assert [(o.name, o.status, o.detail) for o in dry.outcomes][1] == (
        "formation",
        Status.PENDING,
        "after the first deploy",
    )
    assert getattr(scale, "checks", 0) == 0 and dry.outcomes[1].changes == []

    result = run(context, [deploy, scale], deploy_step=deploy)
    assert [(o.name, o.status) for o in result.outcomes] == [
        ("first-deploy", Status.APPLIED),
        ("formation", Status.APPLIED),
    ]
    assert scale.checks == 1


def test_the_deploy_step_waits_while_a_step_before_it_is_unfinished_and_so_do_those_needing_its_build(context):
    fork = Unfinished("fork", Check(Status.PENDING, "a pull request to merge"))
    deploy = Deploy("first-deploy", Check(Status.PENDING, "nothing is deployed"))
    scale = NeedsBuild("formation", Check(Status.PENDING, "2 process types to scale"))
    result = run(context, [fork, deploy, scale], deploy_step=deploy)
    assert [(o.name, o.status, o.detail) for o in result.outcomes] == [
        ("fork", Status.PENDING, "a pull request to merge"),
        ("first-deploy", Status.PENDING, "once the steps before it are done (fork)"),
        ("formation", Status.PENDING, "after the first deploy"),
    ]
    assert deploy.applied == [] and getattr(scale, "checks", 0) == 0


def test_a_step_needing_a_build_asks_the_deploy_step_when_that_one_is_not_selected(context):
    deploy = Deploy("first-deploy", Check(Status.PENDING, "nothing is deployed"))
    scale = NeedsBuild("formation", Check(Status.PENDING, "2 process types to scale"))
    result = run(context, [scale], deploy_step=deploy)
    assert [(o.name, o.status, o.detail) for o in result.outcomes] == [
        ("formation", Status.PENDING, "after the first deploy")
    ]
    deploy.checked = Check(Status.OK, "v3 runs a build")
    result = run(context, [scale], deploy_step=deploy)
    assert [(o.name, o.status) for o in result.outcomes] == [("formation", Status.APPLIED)]


def test_the_web_app_steps_are_skipped_without_their_setting_and_named_as_the_steps_they_build(tmp_path):
    from dandiops.app.questions import Answers
    from dandiops.steps.fork import ForkInitStep, ForkStep
    from dandiops.steps.frontend import FrontendInitStep, FrontendStep
    from dandiops.wizard.state import InitState

    ctx = _context(tmp_path, "bare")
    try:
        state = InitState.load(tmp_path / "init-bare.json", environment="bare", app=ctx.env.heroku_app)
        answers = Answers(ctx, store=state, dry_run=True)
        fork, frontend = ForkInitStep(answers), FrontendInitStep(answers)
        assert [(step.name, step.title) for step in (fork, frontend)] == [
            (ForkStep.name, ForkStep.title),
            (FrontendStep.name, FrontendStep.title),
        ]
        assert [(check.status, check.summary) for check in (fork.check(ctx), frontend.check(ctx))] == [
            (Status.SKIPPED, "no github_repo in dandiops.toml"),
            (
                Status.SKIPPED,
                "no netlify_site in dandiops.toml: add it (and netlify_team) to set up the web app on Netlify",
            ),
        ]
        assert frontend.questions(ctx) == []
    finally:
        ctx.close()
