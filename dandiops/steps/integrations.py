"""Init steps built on GitHub, one-off dynos and backups."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dandiops.archive.users import superuser_email_problem
from dandiops.steps.base import Change, Check, Status
from dandiops.steps.questions import Answers, PromptingAnswers, Question, placeholder

if TYPE_CHECKING:
    from dandiops.steps.context import Context

DEPLOY_SECRETS = ("HEROKU_API_KEY", "HEROKU_EMAIL")
# The key the deploy workflows use may differ from the operator's own; else the operator's is used.
DEPLOY_KEY_ENV = "DANDIOPS_DEPLOY_HEROKU_API_KEY"
NEEDED_SCOPES = ("repo", "workflow")


# --- GitHub ------------------------------------------------------------------------------------
@dataclass
class RepositoryAccess:
    repo: str
    permission: str  # admin, push or pull
    scopes: list[str] | None  # None: a fine-grained or app token (GitHub does not list its scopes)

    def problems(self) -> list[str]:
        found = []
        if self.scopes is not None:
            missing = [s for s in NEEDED_SCOPES if s not in self.scopes]
            if missing:
                found.append(f"the token lacks the {', '.join(missing)} scope(s)")
        if self.permission != "admin":
            found.append(f"the token's account has {self.permission} access; setting Actions secrets needs admin")
        return found


def repository_access(ctx: "Context") -> RepositoryAccess:
    full_name = ctx.env.require("github_repo")
    access = ctx.github().token_access(full_name)
    return RepositoryAccess(full_name, access.permission, access.scopes)


class GitHubSecretsStep:
    """HEROKU_API_KEY and HEROKU_EMAIL as Actions secrets of the repository, for the deploy workflows.

    GitHub never returns a secret's value, so the check is that both exist; values are sent
    encrypted by PyGithub and never printed.
    """

    name = "github-secrets"
    title = "GitHub Actions secrets for deploys"

    def __init__(self, answers: Answers | None = None):
        self.answers = answers

    def existing(self, ctx: "Context") -> set[str]:
        return ctx.github().actions_secret_names(ctx.env.require("github_repo"))

    def check(self, ctx: "Context") -> Check:
        if not ctx.env.github_repo:
            return Check(Status.SKIPPED, "no github_repo in dandiops.toml")
        missing = [name for name in DEPLOY_SECRETS if name not in self.existing(ctx)]
        if not missing:
            return Check(Status.OK, f"{' and '.join(DEPLOY_SECRETS)} are set on {ctx.env.github_repo}")
        return Check(Status.PENDING, f"missing on {ctx.env.github_repo}: {', '.join(missing)}")

    def plan(self, ctx: "Context") -> list[Change]:
        existing = self.existing(ctx)
        return [Change(f"Actions secret {name}", "set", secret=True) for name in DEPLOY_SECRETS
                if name not in existing]

    def value(self, ctx: "Context", name: str) -> str:
        if name == "HEROKU_API_KEY":
            return ctx.secrets.get(DEPLOY_KEY_ENV) or ctx.require_secret(
                "HEROKU_API_KEY", hint=f"set {DEPLOY_KEY_ENV} (or HEROKU_API_KEY) to the key the deploys use")
        if ctx.env.heroku_email:
            return ctx.env.heroku_email
        return ctx.heroku().account()["email"]

    def apply(self, ctx: "Context", changes: list[Change]) -> list[Change]:
        full_name = ctx.env.require("github_repo")
        for change in changes:
            name = change.target.removeprefix("Actions secret ")
            value = self.value(ctx, name)
            if name == "HEROKU_API_KEY":
                ctx.secret_registry.add(value)
            ctx.github().set_actions_secret(full_name, name, value)
            ctx.record("github.secret.set", repo=full_name, name=name)
        return changes


# --- the superuser and backups -------------------------------------------------------------------
SUPERUSER_EMAIL = Question("superuser.email", "Email of the Django superuser (use one not tied to your GitHub "
                                               "account)", validate=superuser_email_problem)
SUPERUSER_PASSWORD = Question("superuser.password", "Password for the Django superuser", kind="secret",
                              env_var="DJANGO_SUPERUSER_PASSWORD")


class SuperuserWizardStep:
    """The superuser step with its email and password as questions (the password only when creating)."""

    name = "superuser"
    title = "Django superuser"

    def __init__(self, answers: Answers):
        self.answers = answers
        self._inner: Any = None

    def questions(self, ctx: "Context") -> list[Question]:
        return [SUPERUSER_EMAIL, SUPERUSER_PASSWORD]

    def email(self) -> str | None:
        return self.answers.known(SUPERUSER_EMAIL)

    def inner(self, ctx: "Context", *, ask: bool) -> Any:
        if self._inner is None:
            email = self.email()
            if email is None:
                if not ask or self.answers.dry_run:
                    return None
                email = self.answers.ask(SUPERUSER_EMAIL)
            from dandiops.steps.superuser import SuperuserStep

            self._inner = SuperuserStep(email, password=lambda: self.answers.ask(SUPERUSER_PASSWORD))
        return self._inner

    def check(self, ctx: "Context") -> Check:
        inner = self.inner(ctx, ask=self.answers.interactive)
        if inner is None:
            return Check(Status.PENDING, "the superuser's email is not answered yet (superuser.email)")
        return inner.check(ctx)

    def plan(self, ctx: "Context") -> list[Change]:
        inner = self.inner(ctx, ask=True)
        if inner is None:
            return [Change(f"superuser {placeholder(SUPERUSER_EMAIL)}", "create")]
        return inner.plan(ctx)

    def apply(self, ctx: "Context", changes: list[Change]) -> list[Change]:
        return self.inner(ctx, ask=True).apply(ctx, changes)


def superuser_step(ctx: "Context", answers: Answers | None = None) -> SuperuserWizardStep:
    return SuperuserWizardStep(answers or PromptingAnswers(ctx))


def superuser_fingerprint(answers: Answers) -> str:
    return answers.known(SUPERUSER_EMAIL) or ""


def backups_step(ctx: "Context", answers: Answers | None = None) -> Any:
    from dandiops.steps import backups as module

    answers = answers or PromptingAnswers(ctx)
    at = answers.known(Question("backups.at", "Hour of the daily backup (HH:00)")) or module.DEFAULT_AT
    zone = answers.known(Question("backups.timezone", "Time zone of the daily backup")) or module.DEFAULT_TIMEZONE
    return module.BackupScheduleStep(
        module.parse_schedule_time(at, zone),
        missing_database_hint="the infrastructure step attaches one; run `dandiops init --only infrastructure`")
