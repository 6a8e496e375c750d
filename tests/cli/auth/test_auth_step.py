"""The auth step's check/plan/apply, as `dandiops init` would drive it (answers from a file and the environment)."""

from __future__ import annotations

import io
import os

import pytest

SECRET = "f3c1a8d2e47b9c0d5a6e1f2b3c4d5e6f7a8b9c0d"


@pytest.fixture
def make_context(sandbox):
    from dandiops.app.context import Context
    from dandiops.core.output import Terminal
    from dandiops.wizard.prompter import NonInteractivePrompter

    made = []

    def make(**environ):
        stderr = io.StringIO()
        terminal = Terminal(stdin_tty=False, stdout_tty=False, stderr_tty=False, color=False, ci=False)
        ctx = Context(
            config_path=str(sandbox.config_path),
            env_name="staging",
            terminal=terminal,
            environ={**os.environ, **sandbox.environment(), **environ},
            prompter=NonInteractivePrompter(),
            stdout=io.StringIO(),
            stderr=stderr,
        )
        made.append(ctx)
        return ctx

    yield make
    for ctx in made:
        ctx.close()


def answered(ctx):
    from dandiops.app.questions import Answers

    return Answers(
        ctx,
        file_answers={
            "auth.github_client_id": "Iv1.5a1b2c3d4e5f6a7b",
            "auth.oauth_client_id": "Dk0zosgt1GAAKfN8LT4STJmLJXwMDPbYWYzfNtAl",
        },
    )


def test_check_plan_apply_then_check_is_ok(make_context, staging, audit_lines):
    from dandiops.steps.auth import AuthInitStep
    from dandiops.steps.base import Status

    ctx = make_context(DANDIOPS_GITHUB_CLIENT_SECRET=SECRET)
    step = AuthInitStep(answered(ctx))
    check = step.check(ctx)
    assert check.status is Status.PENDING
    changes = step.plan(ctx)  # the same read-only dyno's answer
    # Keeping the frontend's default client id: only the redirect URI of the OAuth application changes.
    assert "set OAuth application redirect_uris: 'http://localhost:8085/' -> 'https://staging.dandi.test/'" in [
        change.describe() for change in changes
    ]
    assert not any("client_id: 'Dk0zosgt1GAAKfN8LT4STJmLJXwMDPbYWYzfNtAl'" in c.describe() for c in changes)
    assert step.apply(ctx, changes)
    rows = staging.auth_rows()
    assert rows["applications"][0]["redirect_uris"] == "https://staging.dandi.test/"
    assert rows["social_apps"][0]["secret"] == SECRET

    again = make_context(DANDIOPS_GITHUB_CLIENT_SECRET=SECRET)
    fresh = AuthInitStep(answered(again))
    assert fresh.check(again).ok
    assert fresh.plan(again) == [] and fresh.apply(again, []) == []
    assert len(audit_lines()) == 3


def test_unanswered_client_ids_are_pending_without_a_dyno(make_context, sandbox):
    from dandiops.app.questions import Answers
    from dandiops.steps.auth import AuthInitStep
    from dandiops.steps.base import Status

    ctx = make_context()
    step = AuthInitStep(Answers(ctx))
    check = step.check(ctx)
    assert check.status is Status.PENDING and "auth.github_client_id" in check.summary
    # nothing to ask before the operator has registered the GitHub OAuth App
    assert step.questions(ctx) == [] and step.plan(ctx) == []

    from dandiops.app.confirmations import Confirmations

    Confirmations.for_context(ctx).confirm(ctx.env.heroku_app, "checklist.github-oauth-app", "operator")
    assert [q.key for q in step.questions(ctx)] == [
        "auth.github_client_id",
        "auth.oauth_client_id",
        "auth.github_client_secret",
    ]
    assert sandbox.heroku.state.writes() == []
