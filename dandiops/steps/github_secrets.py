"""The Actions secrets the archive's deploy workflows read: HEROKU_API_KEY and HEROKU_EMAIL."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dandiops.steps.base import Change, Check, InitStep, Status

if TYPE_CHECKING:
    from dandiops.app.context import Context

DEPLOY_SECRETS = ("HEROKU_API_KEY", "HEROKU_EMAIL")
# The key the deploy workflows use may differ from the operator's own; else the operator's is used.
DEPLOY_KEY_ENV = "DANDIOPS_DEPLOY_HEROKU_API_KEY"


class GitHubSecretsStep(InitStep):
    """HEROKU_API_KEY and HEROKU_EMAIL as Actions secrets of the repository, for the deploy workflows.

    GitHub never returns a secret's value, so the check is that both exist; values are sent
    encrypted by PyGithub and never printed.
    """

    name = "github-secrets"
    title = "GitHub Actions secrets for deploys"

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
        return [Change(f"Actions secret {name}", "set", secret=True) for name in DEPLOY_SECRETS if name not in existing]

    def value(self, ctx: "Context", name: str) -> str:
        if name == "HEROKU_API_KEY":
            return ctx.secrets.get(DEPLOY_KEY_ENV) or ctx.require_secret(
                "HEROKU_API_KEY", hint=f"set {DEPLOY_KEY_ENV} (or HEROKU_API_KEY) to the key the deploys use"
            )
        if ctx.env.heroku_email:
            return ctx.env.heroku_email
        email: str = ctx.heroku().account()["email"]
        return email

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
