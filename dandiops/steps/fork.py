"""One pull request per environment that prepares the fork of dandi-archive for this clone.

The edits are dandiops.archive.fork's: the environment's deploy workflow builds its Heroku app,
`.autorc` names the fork, the web app's build settings point at this clone. They are committed to
the branch `dandiops/ENV` and proposed to the default branch in a pull request, opened only when
the default branch differs; a re-run with the pull request still open updates it. The production
pull request carries the `release` label, so merging it makes `auto shipit` publish the first
production release. Merging starts the deploys, so it waits for a confirmation: a prompt, --yes,
or `fork.merge: true` in the answers file; without one the pull request stays open, its URL is
printed and the step stays pending.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dandiops.app.questions import Question, placeholder
from dandiops.archive.fork import ForkTarget, edit_fork, target_for
from dandiops.core.errors import NotFoundError
from dandiops.core.words import plural
from dandiops.steps.auth import OAUTH_CLIENT_ID, WebAppClientIdStep
from dandiops.steps.base import Change, Check, InitStep, ReadUntilWrite, Status
from dandiops.steps.release_chain import RELEASE_LABEL

if TYPE_CHECKING:
    from github.PullRequest import PullRequest

    from dandiops.app.context import Context
    from dandiops.app.questions import Answers
    from dandiops.core.settings import Environment

BRANCH_PREFIX = "dandiops/"

MERGE = Question(
    "fork.merge",
    "Merge the pull request now? Merging starts the deploy workflows",
    kind="confirm",
    remember=False,  # each merge is its own decision
)


def branch_for(env_name: str) -> str:
    return BRANCH_PREFIX + env_name


def pull_title(target: ForkTarget) -> str:
    return f"Deploy {target.env_name} of this clone: Heroku app {target.heroku_app}, API {target.api_url}"


def pull_body(target: ForkTarget) -> str:
    lines = [
        f"Prepares this fork to deploy and build the `{target.env_name}` environment of this clone "
        "instead of DANDI's (made by `dandiops init`):",
        "",
        f"- `{target.workflow_path}` builds the Heroku app `{target.heroku_app}`"
        + (" and can be run by hand (`workflow_dispatch`)" if target.workflow_dispatch else ""),
        f"- `.autorc` releases `{target.github_repo}`",
        f"- `web/netlify.toml` ({', '.join(target.contexts)})"
        + (" and `web/.env.production`" if target.production else "")
        + f" point the web app at {target.api_url}"
        + ("" if target.sentry_dsn else "; DANDI's Sentry settings are removed"),
        "",
        "Merging it starts "
        + (
            "`auto shipit`: this pull request is labelled `release`, so it publishes a release, which "
            "deploys production."
            if target.production
            else "the staging deploy."
        ),
    ]
    return "\n".join(lines) + "\n"


@dataclass
class ForkState:
    default_branch: str
    base_sha: str
    edits: dict[str, str]  # path -> the text the default branch must get; empty when it has them all
    pull: "PullRequest | None" = None  # the open pull request from dandiops/ENV
    branch_files: dict[str, str | None] = field(default_factory=dict)  # the edited paths on its branch

    @property
    def branch_current(self) -> bool:
        return all(self.branch_files.get(path) == text for path, text in self.edits.items())


def _text(found: Any) -> str | None:
    if found is None or found.kind != "file" or found.content is None:
        return None
    text: str = found.content.decode("utf-8")
    return text


class ForkStep(InitStep):
    """The step once the environment's values are known (built by ForkInitStep)."""

    name = "fork"
    title = "Fork prepared for this clone (a pull request per environment)"

    def __init__(self, target: ForkTarget, answers: "Answers"):
        self.target = target
        self.answers = answers
        self.branch = branch_for(target.env_name)
        self._state = ReadUntilWrite(self._read)
        self._left: Check | None = None

    def read(self, ctx: "Context") -> ForkState:
        return self._state.get(ctx)

    def _read(self, ctx: "Context") -> ForkState:
        github = ctx.github()
        repo = self.target.github_repo
        default = github.default_branch(repo)
        base = github.ref_sha(repo, f"heads/{default}")
        if base is None:
            raise NotFoundError(f"{repo} has no default branch {default}", hint="check the fork on GitHub")
        files = {path: _text(github.find_file(repo, path, base)) for path in self.target.paths()}
        state = ForkState(default, base, edit_fork(files, self.target))
        if state.edits:
            pulls = github.open_pulls(repo, head=self.branch, base=default)
            if pulls:
                state.pull = pulls[0]
                state.branch_files = {path: _text(github.find_file(repo, path, self.branch)) for path in state.edits}
        return state

    def check(self, ctx: "Context") -> Check:
        state = self.read(ctx)
        target = self.target
        if not state.edits:
            return Check(
                Status.OK,
                f"{target.github_repo}'s {state.default_branch} deploys {target.heroku_app} and builds the web app "
                f"against {target.api_url}",
            )
        paths = sorted(state.edits)
        if state.pull is not None and state.branch_current:
            return Check(Status.PENDING, f"pull request #{state.pull.number} waits for a merge: {state.pull.html_url}")
        if state.pull is not None:
            return Check(Status.PENDING, f"pull request #{state.pull.number} to update: {', '.join(paths)}", paths)
        return Check(Status.PENDING, f"{plural(len(paths), 'file')} of {state.default_branch} to prepare", paths)

    def plan(self, ctx: "Context") -> list[Change]:
        state = self.read(ctx)
        if not state.edits:
            return []
        changes = []
        if state.pull is None or not state.branch_current:
            changes += [Change(f"{path} on branch {self.branch}", "edit") for path in sorted(state.edits)]
        pull = f"pull request {self.branch} -> {state.default_branch}"
        if state.pull is None:
            changes.append(Change(pull, "open"))
        else:
            pull = f"pull request #{state.pull.number}"
        if self.target.production and (state.pull is None or not _labelled(state.pull)):
            changes.append(Change(pull, "label", after=RELEASE_LABEL[0]))
        changes.append(Change(pull, "merge", after="once confirmed (a prompt, --yes or fork.merge)"))
        return changes

    def apply(self, ctx: "Context", changes: list[Change]) -> list[Change]:
        state = self.read(ctx)
        if not state.edits:
            return []
        applied = []
        if state.pull is None or not state.branch_current:
            applied += self._push(ctx, state)
        pull = self._open_or_update(ctx, state)
        if state.pull is None:
            applied.append(Change(f"pull request #{pull.number}", "open", after=pull.html_url))
        if self.target.production and not _labelled(pull):
            ctx.github().add_label(pull, RELEASE_LABEL[0], full_name=self.target.github_repo)
            ctx.record("github.pull.label", repo=self.target.github_repo, pull=pull.number, label=RELEASE_LABEL[0])
            applied.append(Change(f"pull request #{pull.number}", "label", after=RELEASE_LABEL[0]))
        if self._merge_confirmed(ctx):
            self._merge(ctx, pull)
            applied.append(Change(f"pull request #{pull.number}", "merge", after=state.default_branch))
            self._left = None
        else:
            ctx.reporter.info(f"fork: merge pull request #{pull.number} to go on: {pull.html_url}")
            self._left = Check(
                Status.PENDING,
                f"pull request #{pull.number} waits for a merge: {pull.html_url}",
                hint=f"merge it on GitHub, or run init again with --yes or `{MERGE.section}: {{{MERGE.name}: true}}`",
            )
        return applied

    def remaining(self, ctx: "Context") -> Check | None:
        return self._left

    # --- apply's parts -----------------------------------------------------------------------------
    def _push(self, ctx: "Context", state: ForkState) -> list[Change]:
        """The branch becomes the default branch's head plus one commit of every edit: made before the branch
        points at it, in three writes however many files change (GitHub asks a second between writes)."""
        github = ctx.github()
        repo = self.target.github_repo
        paths = sorted(state.edits)
        message = f"Prepare the fork for {self.target.env_name} ({self.target.heroku_app})\n\n" + "\n".join(
            f"- {path}" for path in paths
        )
        sha = github.commit_files(
            repo, parent=state.base_sha, files={path: state.edits[path] for path in paths}, message=message
        )
        ctx.record("github.file.commit", repo=repo, branch=self.branch, paths=paths, sha=sha)
        if github.ref_sha(repo, f"heads/{self.branch}") is None:
            github.create_branch(repo, self.branch, sha)
            ctx.record("github.branch.create", repo=repo, branch=self.branch, sha=sha)
        else:  # dandiops's own branch, made from an older head or with older edits: start it again
            github.move_branch(repo, self.branch, sha)
            ctx.record("github.branch.reset", repo=repo, branch=self.branch, sha=sha)
        return [Change(f"{path} on branch {self.branch}", "edit") for path in paths]

    def _open_or_update(self, ctx: "Context", state: ForkState) -> "PullRequest":
        github = ctx.github()
        repo = self.target.github_repo
        title, body = pull_title(self.target), pull_body(self.target)
        if state.pull is None:
            pull = github.create_pull(repo, base=state.default_branch, head=self.branch, title=title, body=body)
            ctx.record("github.pull.open", repo=repo, pull=pull.number, branch=self.branch)
            return pull
        if (state.pull.title, state.pull.body or "") != (title, body):
            github.edit_pull(state.pull, full_name=repo, title=title, body=body)
            ctx.record("github.pull.edit", repo=repo, pull=state.pull.number)
        return state.pull

    def _merge_confirmed(self, ctx: "Context") -> bool:
        decided = self.answers.known(MERGE)
        if decided is not None:
            return bool(decided)
        if ctx.yes:
            return True
        if self.answers.interactive:
            return bool(self.answers.ask(MERGE))
        return False

    def _merge(self, ctx: "Context", pull: "PullRequest") -> None:
        github = ctx.github()
        repo = self.target.github_repo
        head = github.ref_sha(repo, f"heads/{self.branch}")
        if head is None:
            raise NotFoundError(
                f"the branch {self.branch} of pull request #{pull.number} is gone", hint="run init again"
            )
        sha = github.merge_pull(pull, full_name=repo, head_sha=head, title=f"{pull.title} (#{pull.number})")
        ctx.record("github.pull.merge", repo=repo, pull=pull.number, sha=sha)


def _labelled(pull: "PullRequest") -> bool:
    return any(label.name == RELEASE_LABEL[0] for label in pull.labels)


class ForkInitStep(WebAppClientIdStep, builds=ForkStep):
    """ForkStep with the web app's OAuth client id as its question."""

    def with_client_id(self, ctx: "Context", oauth_client_id: str) -> ForkStep:
        return ForkStep(target_for(ctx.env, oauth_client_id=oauth_client_id), self.answers)

    def missing_setting(self, env: "Environment") -> str | None:
        return None if env.github_repo else "no github_repo in dandiops.toml"

    def placeholder_plan(self) -> list[Change]:
        return [Change(f"fork pull request with {OAUTH_CLIENT_ID.key} {placeholder(OAUTH_CLIENT_ID)}", "open")]
