"""What interactive init shows and asks, through the Prompter: whole instructions before a short
question, each secret once per run, the OAuth App's client id only after how to register it."""

from __future__ import annotations

import io
import os

import pytest

from dandiops.steps.base import Status
from dandiops.wizard.init import run_init

CLIENT_ID = "Iv1.5a1b2c3d4e5f6a7b"
SECRET = "f3c1a8d2e47b9c0d5a6e1f2b3c4d5e6f7a8b9c0d"


class RecordingPrompter:
    """Answers by the start of each question's message; records every question asked, in order."""

    def __init__(self, answers: dict[str, object]):
        self.answers = answers
        self.asked: list[tuple[str, str]] = []

    def _answer(self, kind: str, message: str):
        self.asked.append((kind, message))
        for start, answer in self.answers.items():
            if message.startswith(start):
                return answer
        raise AssertionError(f"unexpected question: {message}")

    def text(self, message, *, default=None, flag=None, validate=None):
        answer = self._answer("text", message)
        return default if answer is None else answer

    def password(self, message, *, flag=None, validate=None):
        return self._answer("password", message)

    def confirm(self, message, *, default=False, flag=None):
        return self._answer("confirm", message)

    def select(self, message, choices, *, default=None, flag=None):
        return self._answer("select", message)


def interactive_context(sandbox, prompter, *, columns: int = 80):
    from dandiops.app.context import Context
    from dandiops.core.output import Terminal

    environ = {**os.environ, **sandbox.environment()}
    environ.pop("DANDIOPS_GITHUB_CLIENT_SECRET", None)  # typed at the prompt instead
    stderr = io.StringIO()
    terminal = Terminal(stdin_tty=True, stdout_tty=False, stderr_tty=True, color=False, ci=False)
    ctx = Context(
        config_path=str(sandbox.config_path),
        env_name="staging",
        terminal=terminal,
        environ=environ,
        prompter=prompter,
        stdout=io.StringIO(),
        stderr=stderr,
    )
    ctx.reporter.err.width = columns
    return ctx, stderr


@pytest.fixture
def no_secret_in_environment(monkeypatch):
    monkeypatch.delenv("DANDIOPS_GITHUB_CLIENT_SECRET", raising=False)


def test_sign_in_is_asked_after_its_instructions_and_its_secret_once(sandbox, no_secret_in_environment):
    prompter = RecordingPrompter(
        {
            "GitHub OAuth app for sign-in: done?": True,
            "Client ID of the GitHub OAuth App": CLIENT_ID,
            "Client ID of the web app's OAuth application": None,  # the default
            "Client secret of the GitHub OAuth App": SECRET,
        }
    )
    ctx, stderr = interactive_context(sandbox, prompter)
    try:
        result = run_init(ctx, only=["github-oauth-app", "auth"])
    finally:
        ctx.close()
    assert result.error is None, result.error
    assert [o.status for o in result.outcomes] == [Status.CONFIRMED, Status.APPLIED]
    assert [kind for kind, _ in prompter.asked] == ["confirm", "text", "text", "password"]
    assert prompter.asked[0][1] == "GitHub OAuth app for sign-in: done?"
    shown = stderr.getvalue()
    assert SECRET not in shown
    lines = shown.splitlines()
    instructions = lines[
        lines.index("› github-oauth-app: applying") + 1 : lines.index("✓ github-oauth-app: confirmed now")
    ]
    assert instructions[0].startswith("GitHub OAuth app for sign-in: In the GitHub organization's Settings")
    assert all(len(line) <= 80 for line in instructions), instructions  # wrapped to the terminal
    text = " ".join(instructions)
    assert "callback URL https://api.staging.dandi.test/accounts/github/login/callback/, then" in text
    assert "`dandiops auth setup -e staging`" in text


def test_sign_in_stays_pending_and_asks_nothing_while_the_oauth_app_is_not_registered(
    sandbox, no_secret_in_environment
):
    prompter = RecordingPrompter({"GitHub OAuth app for sign-in: done?": False})
    ctx, _ = interactive_context(sandbox, prompter)
    try:
        result = run_init(ctx, only=["github-oauth-app", "auth"])
    finally:
        ctx.close()
    assert result.error is None, result.error
    assert [(o.name, o.status) for o in result.outcomes] == [
        ("github-oauth-app", Status.MANUAL),
        ("auth", Status.PENDING),
    ]
    assert [kind for kind, _ in prompter.asked] == ["confirm"]


@pytest.mark.parametrize(("web_size", "tells_to_turn_on"), [("Basic", False), ("Standard-1X", True)])
def test_email_alert_instructions_follow_what_the_web_dyno_size_offers(
    sandbox, heroku_state, web_size, tells_to_turn_on
):
    """One source of truth with `dandiops alerts`: Basic dynos have no threshold alerts to turn on."""
    from dandiops.app.questions import Answers
    from dandiops.steps.alerts import AlertsStep
    from dandiops.steps.checklist import ITEMS, ChecklistStep

    ctx, _ = interactive_context(sandbox, RecordingPrompter({}))
    try:
        heroku_state.find_app(ctx.env.heroku_app).formation["web"].size = web_size
        email_alerts = ChecklistStep(next(item for item in ITEMS if item.name == "email-alerts"), Answers(ctx))
        [instructions] = email_alerts.check(ctx).details
        threshold = next(item for item in AlertsStep().checklist(ctx) if item.id == "threshold-alerts")
    finally:
        ctx.close()
    assert ("turn on email alerts for response time" in instructions) is tells_to_turn_on
    assert threshold.available is tells_to_turn_on
    if not tells_to_turn_on:
        assert f"web dynos are {web_size}: Heroku offers threshold alerts on Standard and Performance" in instructions
