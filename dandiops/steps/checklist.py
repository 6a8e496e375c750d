"""The runbook's manual items: things only a person can do in a dashboard, confirmed and recorded.

Each item says exactly what to do for this environment. The operator confirms it (at a prompt,
or with `checklist: {ITEM: true}` in the answers file); the confirmation is kept in the same
store as `dandiops alerts` confirmations (.dandiops/confirmations.json, who and when) and written
to the audit log, and later runs report it as confirmed without asking again. Email alerts also
count as confirmed once `dandiops alerts` has recorded the threshold alerts and their recipients.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import urlsplit

from dandiops.app.confirmations import Confirmations
from dandiops.app.questions import Answers, Question
from dandiops.steps.base import AskingStep, Change, Check, OperatorTask, Status

if TYPE_CHECKING:
    from dandiops.app.context import Context
    from dandiops.core.settings import Environment


def _api_origin(env: "Environment") -> str:
    if not env.api_url:
        return "https://<api host>"
    parts = urlsplit(env.api_url)
    return f"{parts.scheme}://{parts.netloc}"


def _email_alerts(ctx: "Context") -> str:
    from dandiops.steps.alerts import threshold_alerts_offered, web_dyno_size

    app, size = ctx.env.heroku_app, web_dyno_size(ctx)
    recipients = (
        f"in the Heroku dashboard, open {app} > Access and make sure the people who must hear about "
        "incidents are on the app (`dandiops alerts` lists what else to set up and turns on runtime metrics)."
    )
    if size and not threshold_alerts_offered(size):
        return (
            f"{app}'s web dynos are {size}: Heroku offers threshold alerts on Standard and Performance dynos only, "
            f"so there are none to turn on; {recipients}"
        )
    return (
        f"In the Heroku dashboard, open {app} > Metrics > Configure Alerts and turn on email alerts for response "
        f"time and failed requests; then {recipients}"
    )


@dataclass(frozen=True)
class ChecklistItem:
    name: str
    title: str
    instructions: Callable[["Context"], str]
    also_confirmed_by: tuple[str, ...] = ()  # confirmation keys that together mean the same thing


ITEMS = (
    ChecklistItem(
        "email-alerts",
        "Heroku email alerts",
        _email_alerts,
        also_confirmed_by=("alerts.threshold-alerts", "alerts.alert-recipients"),
    ),
    ChecklistItem(
        "heroku-access",
        "Heroku access for the team",
        lambda ctx: (
            f"In the Heroku dashboard, open {ctx.env.heroku_app} > Access and give every maintainer the "
            "permissions they need (view, deploy, operate; manage only for admins); "
            "`dandiops access list` shows who has access now, `dandiops access add` grants it."
            + (f" Team: {ctx.env.team}." if ctx.env.team else "")
        ),
    ),
    ChecklistItem(
        "github-oauth-app",
        "GitHub OAuth app for sign-in",
        lambda ctx: (
            "In the GitHub organization's Settings > Developer settings > OAuth Apps, create an app "
            f"with callback URL {_api_origin(ctx.env)}/accounts/github/login/callback/, then store its "
            "client id and secret in the archive with `dandiops auth setup` (or as a GitHub Social "
            f"application in the Django admin, {_api_origin(ctx.env)}/admin/)."
        ),
    ),
)


class ChecklistStep(AskingStep):
    """One manual item as a step: check reads the recorded confirmation; apply asks for it."""

    def __init__(self, item: ChecklistItem, answers: Answers):
        super().__init__(answers)
        self.item = item
        self.name = item.name
        self.title = item.title
        self._to_do: str | None = None  # the instructions, while the item is not confirmed

    @property
    def memo_key(self) -> str:
        return f"checklist.{self.item.name}"

    def question(self, ctx: "Context") -> Question:
        return Question(
            self.memo_key,
            f"{self.item.title}: done?",
            kind="confirm",
            remember=False,
            details=f"{self.item.title}: {self.item.instructions(ctx)}",
        )

    def questions(self, ctx: "Context") -> list[Question]:
        return [self.question(ctx)]

    def confirmation(self, ctx: "Context") -> dict[str, Any] | None:
        store = Confirmations.for_context(ctx)
        app = ctx.env.heroku_app
        if record := store.get(app, self.memo_key):
            return record
        related = [store.get(app, key) for key in self.item.also_confirmed_by]
        if related and all(related):
            return related[-1]
        return None

    def check(self, ctx: "Context") -> Check:
        record = self.confirmation(ctx)
        if record:
            self._to_do = None
            return Check(Status.CONFIRMED, f"confirmed by {record.get('by', '?')} on {record.get('confirmed_at', '?')}")
        self._to_do = self.item.instructions(ctx)
        return Check(Status.MANUAL, "to do by hand", [self._to_do])

    def operator_tasks(self, ctx: "Context") -> list[OperatorTask]:
        return [OperatorTask(f"{self.item.title}: {self._to_do}")] if self._to_do else []

    def plan(self, ctx: "Context") -> list[Change]:
        if self.confirmation(ctx):
            return []
        return [Change(self.item.title, "confirm", after=self.item.instructions(ctx))]

    def apply(self, ctx: "Context", changes: list[Change]) -> list[Change]:
        if not changes:
            return []
        if not self.answers.ask(self.question(ctx)):
            return []  # not done yet: stays a manual item
        from dandiops.core.audit import operator_name

        Confirmations.for_context(ctx).confirm(ctx.env.heroku_app, self.memo_key, operator_name(ctx.environ))
        ctx.record("checklist.confirm", item=self.item.name)
        self._to_do = None
        return changes


def checklist_steps(answers: Answers) -> list[ChecklistStep]:
    return [ChecklistStep(item, answers) for item in ITEMS]
