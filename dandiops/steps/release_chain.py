"""What the fork's deploy and release workflows need before anything is merged into it.

Merging into the default branch starts the staging deploy and `auto shipit` (dandi-archive-facts
§5.1): the deploys read the Actions secrets HEROKU_API_KEY and HEROKU_EMAIL; `auto shipit`
publishes a release only for a merged pull request labelled `release`, with GH_TOKEN; the
production deploy checks out the `release` branch with GH_TOKEN and force-pushes it. So the
`release` branch (made from the default branch), the `release` label and the three secrets exist
first. GitHub never returns a secret's value: the check is that each exists, the values are sent
sealed by PyGithub and never printed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dandiops.app.questions import Question
from dandiops.core.errors import AuthError, ConflictError, NotFoundError
from dandiops.core.words import noun
from dandiops.steps.base import AskingStep, Change, Check, ReadUntilWrite, Status

if TYPE_CHECKING:
    from dandiops.app.context import Context
    from dandiops.app.questions import Answers

RELEASE_BRANCH = "release"
# intuit/auto's own `release` label (name, colour, description), as `auto create-labels` makes it.
RELEASE_LABEL = ("release", "007f70", "Create a release when this pr is merged")
SECRETS = ("HEROKU_API_KEY", "HEROKU_EMAIL", "GH_TOKEN")
# The key the deploy workflows use may differ from the operator's own; else the operator's is used.
DEPLOY_KEY_ENV = "DANDIOPS_DEPLOY_HEROKU_API_KEY"
# The token the workflows push to the fork with (the GH_TOKEN secret): asked, never the operator's by default.
FORK_TOKEN_ENV = "DANDIOPS_FORK_GH_TOKEN"
# Pushing a commit that changes .github/workflows/ needs `workflow` besides `repo` (classic tokens).
PUSH_SCOPES = ("repo", "workflow")


def _token_problem(value: str) -> str | None:
    if value != value.strip() or any(c.isspace() for c in value) or not value.isascii() or not value.isprintable():
        return "a token has no spaces, line breaks or other special characters"
    return None


GH_TOKEN = Question(
    "release-chain.gh_token",
    "A GitHub token that can push to the fork, for the workflows' GH_TOKEN secret "
    "(`auto shipit` and the production deploy push with it)",
    kind="secret",
    env_var=FORK_TOKEN_ENV,
    validate=_token_problem,
)


@dataclass(frozen=True)
class ChainState:
    default_branch: str
    release_branch: bool
    labels: frozenset[str]
    secrets: frozenset[str]

    def missing(self) -> list[str]:
        found = [] if self.release_branch else [f"branch {RELEASE_BRANCH}"]
        found += [] if RELEASE_LABEL[0] in self.labels else [f"label {RELEASE_LABEL[0]}"]
        return found + [f"Actions secret {name}" for name in SECRETS if name not in self.secrets]


class ReleaseChainStep(AskingStep):
    name = "release-chain"
    title = "Release chain: the release branch and label, the workflows' Actions secrets"

    def __init__(self, answers: "Answers"):
        super().__init__(answers)
        self._state = ReadUntilWrite(self._read)

    def read(self, ctx: "Context") -> ChainState:
        return self._state.get(ctx)

    def _read(self, ctx: "Context") -> ChainState:
        github = ctx.github()
        full_name = ctx.env.require("github_repo")
        return ChainState(
            default_branch=github.default_branch(full_name),
            release_branch=github.ref_sha(full_name, f"heads/{RELEASE_BRANCH}") is not None,
            labels=frozenset(github.label_names(full_name)),
            secrets=frozenset(github.actions_secret_names(full_name)),
        )

    def check(self, ctx: "Context") -> Check:
        if not ctx.env.github_repo:
            return Check(Status.SKIPPED, "no github_repo in dandiops.toml")
        missing = self.read(ctx).missing()
        if not missing:
            return Check(
                Status.OK,
                f"{ctx.env.github_repo} has the {RELEASE_BRANCH} branch and label and the secrets {', '.join(SECRETS)}",
            )
        return Check(Status.PENDING, f"missing on {ctx.env.github_repo}: {', '.join(missing)}", missing)

    def questions(self, ctx: "Context") -> list[Question]:
        if not ctx.env.github_repo or "GH_TOKEN" in self.read(ctx).secrets:
            return []
        return [GH_TOKEN]

    def plan(self, ctx: "Context") -> list[Change]:
        state = self.read(ctx)
        changes = []
        if not state.release_branch:
            changes.append(Change(f"branch {RELEASE_BRANCH}", "create", after=f"from {state.default_branch}"))
        if RELEASE_LABEL[0] not in state.labels:
            changes.append(Change(f"label {RELEASE_LABEL[0]}", "create"))
        changes += [
            Change(f"Actions secret {name}", "set", secret=True) for name in SECRETS if name not in state.secrets
        ]
        return changes

    def apply(self, ctx: "Context", changes: list[Change]) -> list[Change]:
        full_name = ctx.env.require("github_repo")
        github = ctx.github()
        secrets = [c.target.removeprefix("Actions secret ") for c in changes if c.target.startswith("Actions secret ")]
        values = {name: self.value(ctx, name) for name in secrets}  # every value, checked, before the first write
        state = self.read(ctx)
        for change in changes:
            if change.target == f"branch {RELEASE_BRANCH}":
                self._create_release_branch(ctx, full_name, state.default_branch)
            elif change.target == f"label {RELEASE_LABEL[0]}":
                self._create_label(ctx, full_name)
        for name, value in values.items():
            github.set_actions_secret(full_name, name, value)
            ctx.record("github.secret.set", repo=full_name, name=name)
        return changes

    def _create_release_branch(self, ctx: "Context", full_name: str, default_branch: str) -> None:
        github = ctx.github()
        sha = github.ref_sha(full_name, f"heads/{default_branch}")
        if sha is None:
            raise NotFoundError(
                f"{full_name} has no branch {default_branch} to make the {RELEASE_BRANCH} branch from",
                hint="check the fork's default branch on GitHub",
            )
        try:
            github.create_branch(full_name, RELEASE_BRANCH, sha)
        except ConflictError:
            if github.ref_sha(full_name, f"heads/{RELEASE_BRANCH}") is None:
                raise
            return  # made meanwhile (another run): it exists, which is all this step needs
        ctx.record("github.branch.create", repo=full_name, branch=RELEASE_BRANCH, sha=sha)

    def _create_label(self, ctx: "Context", full_name: str) -> None:
        github = ctx.github()
        name, color, description = RELEASE_LABEL
        try:
            github.create_label(full_name, name, color=color, description=description)
        except ConflictError:
            if name not in github.label_names(full_name):
                raise
            return
        ctx.record("github.label.create", repo=full_name, label=name)

    def value(self, ctx: "Context", name: str) -> str:
        if name == "HEROKU_API_KEY":
            key = ctx.secrets.get(DEPLOY_KEY_ENV) or ctx.require_secret(
                "HEROKU_API_KEY", hint=f"set {DEPLOY_KEY_ENV} (or HEROKU_API_KEY) to the key the deploys use"
            )
            ctx.secret_registry.add(key)
            return key
        if name == "HEROKU_EMAIL":
            if ctx.env.heroku_email:
                return ctx.env.heroku_email
            email: str = ctx.heroku().account()["email"]
            return email
        token: str = self.answers.ask(GH_TOKEN)
        ctx.secret_registry.add(token)
        self._check_push_access(ctx, token)
        return token

    def _check_push_access(self, ctx: "Context", token: str) -> None:
        """The workflows push with GH_TOKEN: a token that cannot is refused before anything is set."""
        from dandiops.providers.github import GitHubClient

        full_name = ctx.env.require("github_repo")
        source = f"the GH_TOKEN answer ({FORK_TOKEN_ENV})"
        hint = (
            f"give {FORK_TOKEN_ENV} a token of an account with write access to {full_name}, with the "
            f"{' and '.join(PUSH_SCOPES)} scopes (fine-grained: Contents and Workflows read/write); nothing was set"
        )
        client = GitHubClient(  # as ctx.github() builds its client, with this token
            token,
            base_url=ctx.endpoint(GitHubClient.url_setting, GitHubClient.default_url),
            env_name=ctx.env.name,
            environ={**ctx.secrets.values, **ctx.environ},
            writes=ctx.writes,
        )
        try:
            access = client.token_access(full_name)
        except (AuthError, NotFoundError):
            raise AuthError(f"GitHub refused {source} on {full_name}", hint=hint) from None
        finally:
            client.close()
        if access.permission not in ("push", "admin"):
            raise AuthError(f"{source} can only read {full_name}; the workflows push with it", hint=hint)
        lacking = [scope for scope in PUSH_SCOPES if access.scopes is not None and scope not in access.scopes]
        if lacking:
            scopes = f"{' and '.join(lacking)} {noun(len(lacking), 'scope')}"
            raise AuthError(f"{source} lacks the {scopes} the workflows push with", hint=hint)
