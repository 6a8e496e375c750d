"""The runbook in order, as the steps `dandiops init` runs.

Steps that can only check by starting a one-off dyno (cache table, superuser) are checked that
way once; afterwards the state file remembers the result for this database add-on, so re-running
init starts no dyno and writes nothing (`--recheck STEP` checks with a dyno again).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Callable

from dandiops.steps.base import Change, Check, Status

if TYPE_CHECKING:
    from dandiops.steps.context import Context
    from dandiops.wizard.answers import WizardAnswers

STEP_NAMES = ("credentials", "infrastructure", "aws", "config-vars", "hosts", "formation", "cachetable",
              "superuser", "backups", "github-secrets", "email-alerts", "heroku-access", "netlify-site",
              "github-oauth-app", "auth")

# Steps checked with a one-off dyno once and then remembered in the state file (see RememberedStep).
REMEMBERED_STEPS = ("cachetable", "superuser", "auth")

class RememberedStep:
    """Wraps a step whose check needs a one-off dyno (a write): once it has been confirmed for this
    database add-on, later runs report it from the state file instead of starting a dyno."""

    needs_ready_app = True  # a dyno runs the app: checked only once the steps before it are done

    def __init__(self, inner: Any, answers: "WizardAnswers", *, recheck: bool = False,
                 extra_fingerprint: Callable[["Context"], str] | None = None):
        self.inner = inner
        self.name = inner.name
        self.title = inner.title
        self.answers = answers
        self.recheck = recheck
        self.extra_fingerprint = extra_fingerprint
        self._fingerprint: str | None = None
        if hasattr(inner, "questions"):
            self.questions = inner.questions

    @property
    def memo_key(self) -> str:
        return f"dyno-check.{self.name}"

    def fingerprint(self, ctx: "Context") -> str:
        """The Postgres add-on behind DATABASE_URL (a new database needs the step again)."""
        if self._fingerprint is None:
            from dandiops.providers.heroku_data import NoDatabaseError, database_attachment

            try:
                database = database_attachment(ctx.heroku(), ctx.env.heroku_app).addon_id
            except NoDatabaseError:
                database = "none"
            extra = self.extra_fingerprint(ctx) if self.extra_fingerprint else ""
            self._fingerprint = f"{database}{':' + extra if extra else ''}"
        return self._fingerprint

    def _remembered(self, ctx: "Context") -> dict | None:
        record = self.answers.recall(self.memo_key)
        if self.recheck or not record or record.get("fingerprint") != self.fingerprint(ctx):
            return None
        if not isinstance(record.get("at"), str):
            return None  # an edited record: check again rather than trust it
        return record

    def _remember(self, ctx: "Context") -> None:
        self.answers.remember(self.memo_key, {
            "fingerprint": self.fingerprint(ctx),
            "at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")})

    def remembered_check(self, ctx: "Context") -> Check | None:
        """The check from the state file alone (no dyno), or None when it must run."""
        record = self._remembered(ctx)
        if not record:
            return None
        return Check(Status.OK, f"done on {record['at']} for this database (remembered; --recheck "
                                f"{self.name} checks again with a one-off dyno)")

    def check(self, ctx: "Context") -> Check:
        remembered = self.remembered_check(ctx)
        if remembered is not None:
            return remembered
        if self.answers.dry_run:
            return Check(Status.PENDING, "not checked in a dry run: checking starts a one-off dyno")
        check = self.inner.check(ctx)
        if check.ok:
            self._remember(ctx)
        return check

    def plan(self, ctx: "Context") -> list[Change]:
        if self.answers.dry_run:
            return [Change(self.title, "check with a one-off dyno, then create if missing")]
        return self.inner.plan(ctx)

    def apply(self, ctx: "Context", changes: list[Change]) -> list[Change]:
        applied = self.inner.apply(ctx, changes)
        self._remember(ctx)
        return applied


# --- assembling the runbook ---------------------------------------------------------------------
def auth_fingerprint(answers) -> str:
    """A changed client id means sign-in must be set up again."""
    from dandiops.steps.auth import GITHUB_CLIENT_ID, OAUTH_CLIENT_ID

    return ":".join(answers.known(question) or "" for question in (GITHUB_CLIENT_ID, OAUTH_CLIENT_ID))


def dyno_step(step: Any, answers, recheck: set[str], extra_fingerprint: Callable[["Context"], str] | None = None):
    return RememberedStep(step, answers, recheck=step.name in recheck, extra_fingerprint=extra_fingerprint)


def build_steps(ctx: "Context", answers: "WizardAnswers", *, recheck: set[str] | None = None) -> list[Any]:
    from dandiops.steps import integrations as adapters
    from dandiops.steps.app_config import RequiredConfigStep
    from dandiops.steps.auth import AuthWizardStep
    from dandiops.steps.cachetable import CacheTableStep
    from dandiops.steps.aws import AwsStep
    from dandiops.steps.checklist import checklist_steps
    from dandiops.steps.credentials import CredentialsStep
    from dandiops.steps.formation import FormationStep
    from dandiops.steps.hosts import AllowedHostsStep
    from dandiops.steps.infrastructure import infrastructure_step

    recheck = recheck or set()
    terraform = bool(ctx.env.terraform_dir)
    steps: list[Any] = [
        CredentialsStep(),
        infrastructure_step(ctx, answers),
        AwsStep(answers, manage=not terraform),
        RequiredConfigStep(answers, aws_keys_from_iam=not terraform),
        AllowedHostsStep.from_environment(ctx),
        FormationStep(answers),
        dyno_step(CacheTableStep(), answers, recheck),
        dyno_step(adapters.superuser_step(ctx, answers), answers, recheck,
                  extra_fingerprint=lambda _ctx: adapters.superuser_fingerprint(answers)),
        adapters.backups_step(ctx, answers),
        adapters.GitHubSecretsStep(answers),
        *checklist_steps(answers),
        # after github-oauth-app: its client id exists only once the OAuth App is made
        dyno_step(AuthWizardStep(answers), answers, recheck, extra_fingerprint=lambda _ctx: auth_fingerprint(answers)),
    ]
    assert tuple(step.name for step in steps) == STEP_NAMES, [step.name for step in steps]
    return steps
