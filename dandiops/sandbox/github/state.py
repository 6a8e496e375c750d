"""The GitHub stand-in's state: repositories, their git history, workflows and their runs, releases,
pull requests, labels and Actions secrets.

Each repository's files, commits, branches and tags live in a real bare git repository (git.py), so
the contents API, the git data API, refs, branches and merges all read and write what git keeps; the
rest is in memory. Everything is behind one lock. Workflow runs are driven by a scheduler thread that
moves each run one transition (queued -> in_progress, then one step at a time -> completed) every
`pace.step_seconds`; tests make that fast, or set the pace to None and call `advance()`.
What a run does is read from the workflow file in the repository; step effects (a Heroku build,
moving the release branch, `auto shipit`) are callables other sandbox parts install.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import secrets as random_secrets
import shutil
import tempfile
import threading
import time
import weakref
from dataclasses import astuple, dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Iterator, Mapping

from nacl.public import PrivateKey, SealedBox

from dandiops.archive.workflows import WorkflowError, WorkflowSpec
from dandiops.archive.workflows import parse as parse_workflow
from dandiops.sandbox.faults import Fault, FaultInjection
from dandiops.sandbox.github import merging
from dandiops.sandbox.github.git import NULL_SHA, Checkpoint, Commit, GitError, GitRepository, Person
from dandiops.sandbox.github.merging import Comparison
from dandiops.sandbox.request_log import RequestLog, RequestRecord

WORKFLOW_DIR = ".github/workflows/"
TERMINAL = "completed"
WEB_FLOW = ("GitHub", "noreply@github.com")  # who commits what GitHub's merge button makes


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: str) -> dt.datetime:
    return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)


@dataclass(kw_only=True)
class Stamped:
    """When it was made and last changed, as GitHub stamps most of what it keeps (now, unless given)."""

    created_at: str = field(default_factory=now)
    updated_at: str = field(default_factory=now)


class ApiError(Exception):
    """A GitHub error answer: status, message, and for 422 the `errors` list."""

    def __init__(self, status: int, message: str, errors: list | None = None, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors
        self.headers = headers or {}


def invalid(resource: str, field_name: str, code: str = "invalid", message: str | None = None) -> ApiError:
    """GitHub's 422 "Validation Failed" for one field."""
    error: dict[str, str] = {"resource": resource, "field": field_name, "code": code}
    if message:
        error["message"] = message
    return ApiError(422, "Validation Failed", [error])


@dataclass
class Sequence:
    """The next number to hand out (ids, pull request and run numbers)."""

    next_value: int = 1

    def take(self) -> int:
        self.next_value += 1
        return self.next_value - 1


@dataclass
class Label:
    id: int
    name: str
    color: str
    description: str | None = None
    default: bool = False


@dataclass
class Pull(Stamped):
    number: int
    id: int
    title: str
    body: str | None
    head_ref: str
    base_ref: str
    user: str
    head_sha: str  # the head branch's commit while open; kept as it was once closed, merged or its branch deleted
    base_sha: str
    labels: list[str] = field(default_factory=list)
    state: str = "open"
    merged: bool = False
    merged_at: str | None = None
    merged_by: str | None = None
    merge_commit_sha: str | None = None  # while open: the test merge commit (refs/pull/N/merge)
    comparison: Comparison | None = None
    maintainer_can_modify: bool = False
    closed_at: str | None = None


@dataclass(frozen=True)
class MergeRequest:
    """What a merge asks for: PUT /pulls/{n}/merge's merge_method, sha, commit_title and commit_message."""

    method: str = "merge"
    sha: str | None = None  # the head commit the merge is meant for
    title: str | None = None
    message: str | None = None


@dataclass
class GhRelease:
    """A release; a draft has no tag until it is published."""

    id: int
    tag_name: str
    target_commitish: str
    name: str | None
    body: str | None
    draft: bool
    prerelease: bool
    author: str
    created_at: str = field(default_factory=now)
    published_at: str | None = None


@dataclass
class Secret(Stamped):
    name: str
    encrypted_value: str
    key_id: str


@dataclass
class Workflow(Stamped):
    id: int
    path: str
    name: str
    run_numbers: Sequence = field(default_factory=Sequence)


@dataclass
class Step:
    name: str
    number: int
    status: str = "queued"
    conclusion: str | None = None
    started_at: str | None = None
    completed_at: str | None = None
    failure: str | None = None  # what the failing step printed


@dataclass
class Job:
    id: int
    key: str
    name: str
    steps: list[Step]
    run_attempt: int
    status: str = "queued"
    conclusion: str | None = None
    created_at: str = field(default_factory=now)
    started_at: str | None = None
    completed_at: str | None = None
    runner_name: str | None = None


@dataclass
class RunScript:
    """How the next matching run ends: its conclusion, where it fails, whether it stops advancing."""

    conclusion: str = "success"  # success | failure | cancelled
    at_step: str | None = None  # the step that fails or is cancelled (default: the last step)
    hold: bool = False  # stay in_progress until release_hold()
    workflow: str | None = None  # only runs of this workflow file name take it


@dataclass
class Run(Stamped):
    id: int
    repo: "Repo"
    workflow: Workflow
    spec: WorkflowSpec
    run_number: int
    event: str
    head_branch: str | None
    head_sha: str
    display_title: str
    actor: str
    jobs: list[Job]
    script: RunScript
    run_started_at: str | None = None
    run_attempt: int = 1
    status: str = "queued"
    conclusion: str | None = None
    concurrency_group: str | None = None
    next_at: float | None = None  # monotonic time of the next transition, None when paused
    held: bool = False
    inputs: dict[str, Any] = field(default_factory=dict)


class Commits(Mapping[str, Commit]):
    """A repository's commits as git has them (every commit a ref reaches), by sha."""

    def __init__(self, git: GitRepository):
        self._git = git

    def __getitem__(self, sha: str) -> Commit:
        found = self._git.commit(sha)
        if found is None:
            raise KeyError(sha)
        return found

    def __contains__(self, sha: object) -> bool:
        return isinstance(sha, str) and self._git.commit(sha) is not None

    def __iter__(self) -> Iterator[str]:
        refs = list(self._git.refs().values())
        return iter(self._git.git("rev-list", *refs).decode().split() if refs else [])

    def __len__(self) -> int:
        return self._git.count_commits()


@dataclass
class Repo(Stamped):
    owner: str
    name: str
    id: int
    default_branch: str
    git: GitRepository
    description: str | None = None
    private: bool = False
    labels: dict[str, Label] = field(default_factory=dict)
    pulls: dict[int, Pull] = field(default_factory=dict)
    releases: list[GhRelease] = field(default_factory=list)
    workflows: dict[str, Workflow] = field(default_factory=dict)  # by path
    runs: dict[int, Run] = field(default_factory=dict)
    secrets: dict[str, Secret] = field(default_factory=dict)
    pushed_at: str = field(default_factory=now)
    issue_numbers: Sequence = field(default_factory=Sequence)
    comparisons: dict[tuple[str, str], Comparison] = field(default_factory=dict)  # by (base sha, head sha)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    @property
    def refs(self) -> Mapping[str, str]:
        """Every ref git has ("refs/heads/master" -> sha); read-only: refs change through the state."""
        return MappingProxyType(self.git.refs())

    @property
    def commits(self) -> Commits:
        return Commits(self.git)

    def branch_sha(self, branch: str) -> str | None:
        return self.git.ref(f"refs/heads/{branch}")

    def resolve(self, ref: str) -> str | None:
        """A branch, tag, full ref name or (abbreviated) commit sha, as a commit sha."""
        for candidate in (ref, f"refs/heads/{ref}", f"refs/tags/{ref}", f"refs/{ref}"):
            sha = self.git.ref(candidate)
            if sha is not None:
                return sha
        return self.git.resolve_commit(ref)

    def branch_of(self, ref: str) -> str | None:
        name = ref.removeprefix("refs/heads/")
        return name if self.branch_sha(name) is not None else None

    def file(self, sha: str, path: str) -> bytes | None:
        commit = self.git.commit(sha)
        return None if commit is None else self.git.file(commit.tree_sha, path)

    def find_label(self, name: str) -> Label | None:
        """Label names are matched as GitHub matches them: without regard to case."""
        return next((label for label in self.labels.values() if label.name.lower() == name.lower()), None)


@dataclass
class RunPace:
    """Seconds a run waits in the queue and each step takes; None pauses runs until advance()."""

    queue_seconds: float | None = 2.0
    step_seconds: float | None = 1.5


@dataclass
class RateLimit:
    """One of GitHub's primary rate limits: the token's (5000 an hour) or anonymous callers' (60)."""

    limit: int
    remaining: int = -1
    reset: int = 0

    def __post_init__(self) -> None:
        if self.remaining < 0:
            self.remaining = self.limit
        self.reset = self.reset or int(time.time()) + 3600

    def refresh(self) -> None:
        if time.time() >= self.reset:
            self.remaining, self.reset = self.limit, int(time.time()) + 3600

    @property
    def used(self) -> int:
        return self.limit - max(self.remaining, 0)


@dataclass
class Snapshot:
    """A state to come back to: each repository's git checkpoint, and a copy of everything else about them."""

    repos: dict[str, Repo]
    checkpoints: dict[str, Checkpoint]
    next_id: int


# A step effect runs when a step completes: (state, run, job, step) -> None, or a failure message.
StepEffect = Callable[["GitHubState", Run, Job, Any], "str | None"]


class GitHubState(FaultInjection, RequestLog):
    def __init__(self, token: str, *, login: str = "dandi-sandbox-operator", pace: RunPace | None = None):
        self.lock = threading.RLock()
        self._wake = threading.Condition(self.lock)
        self.login = login
        self.user_id = 583231
        self._token = token
        self._pace = pace or RunPace()
        self.private_key = PrivateKey.generate()
        self.key_id = str(3380204578043523366 + random_secrets.randbelow(10**6))
        self.download_key = random_secrets.token_bytes(32)  # signs the short-lived download links
        self._stopping = False
        self._thread: threading.Thread | None = None
        # the repositories' git folders; gone with this object, or at close()
        self.root = Path(tempfile.mkdtemp(prefix="dandiops-github-"))
        self._remove_root = weakref.finalize(self, shutil.rmtree, str(self.root), True)
        self.reset()

    def reset(self) -> None:
        """Back to the state of construction: no repositories, runs, faults, scripts, requests or installed
        effects, the token's own scopes, the first pace and full rate limits (the scheduler must be stopped).
        The repositories' git folders stay until `restore` or `add_repo` takes their place."""
        with self.lock:
            self.tokens: dict[str, set[str]] = {self._token: {"repo", "workflow"}}
            self.repos: dict[str, Repo] = {}
            self.requests: list[RequestRecord] = []
            self.faults: list[Fault] = []
            self.pace = self._pace
            self.dispatch_returns_run_details = True  # False: answer 204 like servers without the feature
            self.rate = RateLimit(5000)
            self.anonymous_rate = RateLimit(60)
            self.step_effects: list[StepEffect] = []
            self.on_run_completed: list[Callable[[Run], None]] = []
            self.scripts: list[RunScript] = []
            self._ids = Sequence(7_000_000_001)

    def close(self) -> None:
        """Remove the repositories' git folders (the state is not used again)."""
        self._remove_root()

    def snapshot(self) -> Snapshot:
        """What `restore` brings back: the repositories as they are now."""
        with self.lock:
            checkpoints = {key: repo.git.checkpoint() for key, repo in self.repos.items()}
            return Snapshot(_copy_repos(self.repos), checkpoints, self._ids.next_value)

    def restore(self, snapshot: Snapshot) -> None:
        """The repositories as `snapshot` saw them, in place of any there are (after `reset`): git rolls each
        back to its checkpoint (what was written since goes); a repository made since is removed."""
        with self.lock:
            self.repos = _copy_repos(snapshot.repos)
            kept = {repo.git.path for repo in self.repos.values()}
            for folder in (self.root / "repos").glob("*/*.git"):
                if folder not in kept:
                    shutil.rmtree(folder)
            for key, repo in self.repos.items():
                repo.git.rollback(snapshot.checkpoints[key])
            self._ids.next_value = snapshot.next_id

    # --- ids and people --------------------------------------------------------------------
    def new_id(self) -> int:
        return self._ids.take()

    def scopes(self, token: str) -> set[str] | None:
        return self.tokens.get(token)

    def noreply_email(self, login: str) -> str:
        return f"{login}@users.noreply.sandbox.test"

    def person(self, identity: tuple[str, str] | None = None, *, date: str | None = None) -> Person:
        """An author or committer: `identity` (name, email), by default the token's user; now, by default."""
        name, email = identity or (self.login, self.noreply_email(self.login))
        return Person(name, email, date or now())

    # --- repositories --------------------------------------------------------------------
    def find_repo(self, owner: str, name: str) -> Repo | None:
        return self.repos.get(f"{owner}/{name}".lower())

    def add_repo(self, owner: str, name: str, files: Mapping[str, bytes], message: str, **details: Any) -> Repo:
        """A repository whose default branch (`master` unless `details` names another) has one commit of
        `files`; `details` are the Repo's other fields (description, private)."""
        default_branch = details.pop("default_branch", "master")
        with self.lock:
            git = GitRepository.create(self.root / "repos" / owner / f"{name}.git", default_branch)
            repo = Repo(owner=owner, name=name, id=self.new_id(), default_branch=default_branch, git=git, **details)
            self.repos[repo.full_name.lower()] = repo
            author = self.person()
            sha = git.write_commit(git.write_tree(None, files), [], message, author, author)
            self._write_ref(repo, f"refs/heads/{default_branch}", sha, expected=NULL_SHA)
            self._sync_workflows(repo)
            return repo

    def commit_files(
        self,
        repo: Repo,
        branch: str,
        changes: Mapping[str, bytes | None],
        message: str,
        *,
        author: tuple[str, str] | None = None,
        push_event: bool = True,
    ) -> Commit:
        """Commit `changes` (None deletes a path) on top of `branch` and push it."""
        with self.lock:
            parent = repo.branch_sha(branch)
            if parent is None:
                raise ApiError(404, f"Branch {branch} not found")
            try:
                tree = repo.git.write_tree(repo.commits[parent].tree_sha, changes)
            except GitError:
                raise ApiError(422, "path is not a valid file path in this repository") from None
            person = self.person(author)
            sha = repo.git.write_commit(tree, [parent], message, person, person)
            self._push(repo, branch, parent, sha, push_event=push_event)
            return repo.commits[sha]

    def _push(self, repo: Repo, branch: str, before: str, after: str, *, push_event: bool = True) -> None:
        """Move `branch` from `before` to `after` as a push does: workflows listening to it run."""
        self._write_ref(repo, f"refs/heads/{branch}", after, expected=before)
        repo.pushed_at = repo.updated_at = now()
        if branch == repo.default_branch:
            self._sync_workflows(repo)
        head = repo.commits[after]
        if not push_event or _skips_ci(head.message):
            return
        changed = repo.git.changed_paths(before, after)
        for path, spec in self._workflow_specs(repo, after):
            if spec.runs_on_push(branch, changed):
                self._create_run(
                    repo, path, spec, event="push", head_branch=branch, head_sha=after, title=head.title or path
                )

    def _workflow_specs(self, repo: Repo, sha: str) -> list[tuple[str, WorkflowSpec]]:
        specs = []
        for path, content in sorted(repo.commits[sha].tree.items()):
            if not _is_workflow_path(path):
                continue
            try:
                specs.append((path, parse_workflow(content.decode("utf-8"), path=path)))
            except (WorkflowError, UnicodeDecodeError):
                continue  # GitHub shows an invalid workflow as a failed run; nothing here needs that
        return specs

    def _sync_workflows(self, repo: Repo) -> None:
        sha = repo.branch_sha(repo.default_branch)
        if sha is None:
            return
        for path, spec in self._workflow_specs(repo, sha):
            workflow = repo.workflows.get(path)
            if workflow is None:
                repo.workflows[path] = Workflow(id=self.new_id(), path=path, name=spec.name)
            elif workflow.name != spec.name:
                workflow.name, workflow.updated_at = spec.name, now()

    def find_workflow(self, repo: Repo, ident: str) -> Workflow | None:
        with self.lock:
            for workflow in repo.workflows.values():
                if str(workflow.id) == ident or workflow.path == ident or workflow.path.rsplit("/", 1)[-1] == ident:
                    return workflow
        return None

    # --- refs ------------------------------------------------------------------------------
    def _write_ref(self, repo: Repo, ref: str, sha: str, *, expected: str | None = None) -> None:
        """Every ref change goes through here: git moves the ref, then the pull requests it concerns follow."""
        repo.git.set_ref(ref, sha, expected=expected)
        if ref.startswith("refs/heads/"):
            branch = ref.removeprefix("refs/heads/")
            for pull in list(repo.pulls.values()):
                if pull.state == "open" and branch in (pull.head_ref, pull.base_ref):
                    self._refresh_pull(repo, pull)

    def create_ref(self, repo: Repo, ref: str, sha: str) -> None:
        with self.lock:
            if not ref.startswith("refs/") or ref.count("/") < 2:
                raise ApiError(422, "Reference name must start with 'refs/' and have at least two slashes.")
            if not repo.git.is_valid_ref_name(ref):
                raise ApiError(422, f"{ref} is not a valid ref name.")
            if ref in repo.refs:
                raise ApiError(422, "Reference already exists")
            if repo.git.object_type(sha) is None:
                raise ApiError(422, "Object does not exist")
            try:
                self._write_ref(repo, ref, sha, expected=NULL_SHA)
            except GitError:  # a ref in the way: refs/heads/a exists and refs/heads/a/b is asked for
                raise ApiError(422, "Reference cannot be created") from None

    def update_ref(self, repo: Repo, ref: str, sha: str, *, force: bool = False) -> None:
        with self.lock:
            current = repo.refs.get(ref)
            if current is None:
                raise ApiError(422, "Reference does not exist")
            if repo.git.object_type(sha) is None:
                raise ApiError(422, "Object does not exist")
            fast_forward = repo.git.object_type(sha) == "commit" and repo.git.is_ancestor(current, sha)
            if not force and not fast_forward:
                raise ApiError(422, "Update is not a fast forward")
            if ref.startswith("refs/heads/") and repo.git.object_type(sha) == "commit":
                # moving a branch through the API is a push: the workflows listening to it run
                self._push(repo, ref.removeprefix("refs/heads/"), current, sha)
            else:
                self._write_ref(repo, ref, sha, expected=current)

    def set_branch(self, repo: Repo, branch: str, sha: str) -> None:
        """Point `branch` at `sha` whatever it was, as `git push --force` does (without push events)."""
        with self.lock:
            self._write_ref(repo, f"refs/heads/{branch}", sha)

    def delete_ref(self, repo: Repo, ref: str) -> None:
        """Delete a ref; a branch's open pull requests (as head or base) are closed, as on GitHub."""
        with self.lock:
            if ref not in repo.refs:
                raise ApiError(422, "Reference does not exist")
            repo.git.delete_ref(ref)
            if ref.startswith("refs/heads/"):
                branch = ref.removeprefix("refs/heads/")
                for pull in repo.pulls.values():
                    if pull.state == "open" and branch in (pull.head_ref, pull.base_ref):
                        self._close(pull)

    # --- labels ----------------------------------------------------------------------------
    def ensure_label(self, repo: Repo, name: str, color: str = "ededed", description: str | None = None) -> Label:
        with self.lock:
            label = repo.find_label(name)
            if label is None:
                label = repo.labels[name] = Label(id=self.new_id(), name=name, color=color, description=description)
            return label

    def create_label(self, repo: Repo, name: str, color: str | None, description: str | None) -> Label:
        with self.lock:
            if repo.find_label(name) is not None:
                raise invalid("Label", "name", "already_exists")
            color = color or "ededed"  # kept as given: GitHub does not change its case
            if len(color) != 6 or any(c not in "0123456789abcdefABCDEF" for c in color):
                raise invalid("Label", "color")
            if description is not None and len(description) > 100:
                raise invalid("Label", "description", "custom", "description is too long (maximum is 100 characters)")
            return self.ensure_label(repo, name, color, description)

    def add_labels(self, repo: Repo, number: int, names: list[str]) -> list[Label]:
        with self.lock:
            pull = self.find_pull(repo, number)
            for name in names:
                label = self.ensure_label(repo, name)
                if label.name not in pull.labels:
                    pull.labels.append(label.name)
                    pull.updated_at = now()
            return [repo.labels[name] for name in pull.labels]

    def remove_label(self, repo: Repo, number: int, name: str) -> list[Label]:
        with self.lock:
            pull = self.find_pull(repo, number)
            label = repo.find_label(name)
            if label is None or label.name not in pull.labels:
                raise ApiError(404, "Label does not exist")
            pull.labels.remove(label.name)
            pull.updated_at = now()
            return [repo.labels[name] for name in pull.labels]

    # --- pull requests -----------------------------------------------------------------------
    def find_pull(self, repo: Repo, number: int) -> Pull:
        pull = repo.pulls.get(number)
        if pull is None:
            raise ApiError(404, "Not Found")
        return pull

    def create_pull(
        self, repo: Repo, *, title: str, head: str, base: str, body: str | None = None, user: str | None = None
    ) -> Pull:
        with self.lock:
            head_ref = head.split(":", 1)[-1]
            base_sha, head_sha = repo.branch_sha(base), repo.branch_sha(head_ref)
            if base_sha is None:
                raise invalid("PullRequest", "base")
            if head_sha is None:
                raise invalid("PullRequest", "head")
            self._check_pull_is_new(repo, head_ref, base, base_sha, head_sha)
            pull = Pull(
                number=repo.issue_numbers.take(),
                id=self.new_id(),
                title=title,
                body=body,
                head_ref=head_ref,
                base_ref=base,
                user=user or self.login,
                head_sha=head_sha,
                base_sha=base_sha,
            )
            repo.pulls[pull.number] = pull
            self._refresh_pull(repo, pull)
            return pull

    def _check_pull_is_new(self, repo: Repo, head_ref: str, base: str, base_sha: str, head_sha: str) -> None:
        if not repo.git.commits_between(base_sha, head_sha):
            raise invalid("PullRequest", "base", "custom", f"No commits between {base} and {head_ref}")
        for other in repo.pulls.values():
            if other.state == "open" and other.head_ref == head_ref and other.base_ref == base:
                raise invalid(
                    "PullRequest", "head", "custom", f"A pull request already exists for {repo.owner}:{head_ref}."
                )

    def _refresh_pull(self, repo: Repo, pull: Pull) -> None:
        """What GitHub works out again when an open pull request's head or base moves: its head and base
        commits (refs/pull/N/head), the comparison, and its test merge commit (refs/pull/N/merge)."""
        head, base = repo.branch_sha(pull.head_ref), repo.branch_sha(pull.base_ref)
        if head is None or base is None:
            return
        pull.head_sha, pull.base_sha = head, base
        repo.git.set_ref(f"refs/pull/{pull.number}/head", head)
        key = (base, head)
        if key not in repo.comparisons:
            repo.comparisons[key] = merging.compare(repo.git, base, head, self.person(WEB_FLOW))
        pull.comparison = repo.comparisons[key]
        if pull.comparison.merge_tree is None:
            pull.merge_commit_sha = None
            if f"refs/pull/{pull.number}/merge" in repo.refs:
                repo.git.delete_ref(f"refs/pull/{pull.number}/merge")
            return
        # dated when the pull request was opened, so the same head and base make the same test merge commit
        author = self.person((pull.user, self.noreply_email(pull.user)), date=pull.created_at)
        pull.merge_commit_sha = repo.git.write_commit(
            pull.comparison.merge_tree, [base, head], f"Merge {head} into {base}", author, author
        )
        repo.git.set_ref(f"refs/pull/{pull.number}/merge", pull.merge_commit_sha)

    def merge_pull(self, repo: Repo, number: int, request: MergeRequest | None = None) -> Pull:
        """Merge as GitHub's merge button does: a merge commit, a squashed commit or the head's commits
        rebased, pushed to the base branch. A stale head sha is 409, a merge git cannot make cleanly 405."""
        method, sha, title, message = astuple(request or MergeRequest())
        with self.lock:
            pull = self.find_pull(repo, number)
            if method not in merging.METHODS:
                raise invalid("PullRequest", "merge_method", "invalid", f"{method} is not a valid merge method")
            if pull.state == "open":
                self._refresh_pull(repo, pull)
            comparison = pull.comparison
            if pull.state != "open" or comparison is None:
                raise ApiError(405, "Pull Request is not mergeable")
            if sha is not None and sha != comparison.head_sha:
                raise ApiError(409, "Head branch was modified. Review and try the merge again.")
            if not comparison.mergeable:
                raise ApiError(405, "Pull Request is not mergeable")
            merger, web_flow = self.person(), self.person(WEB_FLOW)
            base, head = comparison.base_sha, comparison.head_sha
            if method == "rebase":
                merged = merging.rebase_commits(repo.git, base, head, web_flow)
                if merged is None:
                    raise ApiError(405, "This branch can't be rebased")
            elif method == "squash":
                author = self.person((pull.user, self.noreply_email(pull.user)))
                default = merging.squash_message(repo.git, base, head)
                text = _commit_message(title or f"{pull.title} (#{pull.number})", message, default)
                merged = merging.squash_commit(repo.git, comparison, text, author, web_flow)
            else:
                default_title = f"Merge pull request #{pull.number} from {repo.owner}/{pull.head_ref}"
                text = _commit_message(title or default_title, message, pull.title)
                merged = merging.merge_commit(repo.git, comparison, text, merger, web_flow)
            pull.state, pull.merged, pull.merged_by = "closed", True, self.login
            pull.merged_at = pull.closed_at = pull.updated_at = now()
            pull.merge_commit_sha = merged
            self._push(repo, pull.base_ref, base, merged)
            return pull

    def close_pull(self, repo: Repo, number: int) -> Pull:
        with self.lock:
            pull = self.find_pull(repo, number)
            if pull.state == "open":
                self._close(pull)
            return pull

    def _close(self, pull: Pull) -> None:
        pull.state = "closed"
        pull.closed_at = pull.updated_at = now()

    def update_pull(self, repo: Repo, number: int, changes: dict[str, Any]) -> Pull:
        """PATCH a pull request: title, body, base, maintainer_can_modify, and state (close or reopen)."""
        with self.lock:
            pull = self.find_pull(repo, number)
            base = changes.get("base", pull.base_ref)
            if base != pull.base_ref:
                if pull.state != "open":
                    raise invalid("PullRequest", "base", "custom", "The base of a closed pull request cannot change.")
                if repo.branch_sha(base) is None:
                    raise invalid("PullRequest", "base")
            state = changes.get("state", pull.state)
            if state == "open" and pull.state == "closed":
                self._reopen(repo, pull)
            elif state == "closed" and pull.state == "open":
                self._close(pull)
            for key in ("title", "body", "maintainer_can_modify"):
                if key in changes:
                    setattr(pull, key, changes[key])
            if base != pull.base_ref:
                pull.base_ref = base
                self._refresh_pull(repo, pull)
            pull.updated_at = now()
            return pull

    def _reopen(self, repo: Repo, pull: Pull) -> None:
        if pull.merged:
            message = "state cannot be changed. The pull request has been merged."
            raise invalid("PullRequest", "state", "custom", message)
        head, base = repo.branch_sha(pull.head_ref), repo.branch_sha(pull.base_ref)
        if head is None or base is None:
            raise invalid(
                "PullRequest", "state", "custom", "state cannot be changed. The head or base branch was deleted."
            )
        self._check_pull_is_new(repo, pull.head_ref, pull.base_ref, base, head)
        pull.state, pull.closed_at = "open", None
        self._refresh_pull(repo, pull)

    # --- releases --------------------------------------------------------------------------
    def find_release(self, repo: Repo, release_id: int) -> GhRelease:
        release = next((r for r in repo.releases if r.id == release_id), None)
        if release is None:
            raise ApiError(404, "Not Found")
        return release

    def published_release(self, repo: Repo, tag_name: str) -> GhRelease | None:
        """The published release of a tag (a draft is not found by its tag)."""
        return next((r for r in repo.releases if not r.draft and r.tag_name == tag_name), None)

    def create_release(
        self,
        repo: Repo,
        tag_name: str,
        *,
        target: str | None = None,
        name: str | None = None,
        body: str | None = None,
        draft: bool = False,
        prerelease: bool = False,
        author: str | None = None,
    ) -> GhRelease:
        with self.lock:
            if self.published_release(repo, tag_name) is not None:
                raise invalid("Release", "tag_name", "already_exists")
            target = target or repo.default_branch
            if f"refs/tags/{tag_name}" not in repo.refs and repo.resolve(target) is None:
                raise invalid("Release", "target_commitish")
            release = GhRelease(
                id=self.new_id(),
                tag_name=tag_name,
                target_commitish=target,
                name=name,
                body=body,
                draft=draft,
                prerelease=prerelease,
                author=author or self.login,
            )
            repo.releases.append(release)
            if not draft:
                self._publish(repo, release, ["published", "created"])
            return release

    def update_release(self, repo: Repo, release_id: int, changes: dict[str, Any]) -> GhRelease:
        """PATCH a release: its fields, and `draft: false` publishes a draft (its tag is made then)."""
        with self.lock:
            release = self.find_release(repo, release_id)
            tag_name = changes.get("tag_name", release.tag_name)
            publishing = release.draft and changes.get("draft") is False
            stays_published = not release.draft and changes.get("draft") is not True
            other = self.published_release(repo, tag_name)
            if (publishing or stays_published) and other is not None and other is not release:
                raise invalid("Release", "tag_name", "already_exists")
            target = changes.get("target_commitish", release.target_commitish)
            if f"refs/tags/{tag_name}" not in repo.refs and repo.resolve(target) is None:
                raise invalid("Release", "target_commitish")
            was_prerelease = release.prerelease
            release.tag_name, release.target_commitish = tag_name, target
            for key in ("name", "body", "prerelease"):
                if key in changes:
                    setattr(release, key, changes[key])
            if publishing:
                release.draft = False
                self._publish(repo, release, ["published"])
            elif changes.get("draft") is True and not release.draft:
                release.draft, release.published_at = True, None
            elif not release.draft:
                self._ensure_tag(repo, release)
                actions = ["edited"] + (["released"] if was_prerelease and not release.prerelease else [])
                self._start_release_runs(repo, release, actions)
            return release

    def _ensure_tag(self, repo: Repo, release: GhRelease) -> str:
        """The release's tag, made from its target now if it does not exist yet (as publishing does)."""
        ref = f"refs/tags/{release.tag_name}"
        sha = repo.refs.get(ref)
        if sha is None:
            sha = repo.resolve(release.target_commitish)
            assert sha is not None  # checked when the release was created or changed
            self._write_ref(repo, ref, sha, expected=NULL_SHA)
        return sha

    def _publish(self, repo: Repo, release: GhRelease, actions: list[str]) -> None:
        self._ensure_tag(repo, release)
        release.published_at = now()
        self._start_release_runs(repo, release, actions + (["prereleased"] if release.prerelease else ["released"]))

    def _start_release_runs(self, repo: Repo, release: GhRelease, actions: list[str]) -> None:
        sha = repo.refs[f"refs/tags/{release.tag_name}"]
        for path, spec in self._workflow_specs(repo, sha):
            if any(spec.runs_on_release(action) for action in actions):
                self._create_run(
                    repo,
                    path,
                    spec,
                    event="release",
                    head_branch=release.tag_name,
                    head_sha=sha,
                    title=release.name or release.tag_name,
                )

    # --- secrets ---------------------------------------------------------------------------
    @property
    def public_key(self) -> str:
        return base64.b64encode(bytes(self.private_key.public_key)).decode()

    def seal(self, value: str) -> str:
        return base64.b64encode(SealedBox(self.private_key.public_key).encrypt(value.encode())).decode()

    def open_secret(self, repo: Repo, name: str) -> str | None:
        """The plain value of a repository secret, as a workflow would see it (tests and step effects)."""
        with self.lock:
            secret = repo.secrets.get(name)
        if secret is None:
            return None
        return SealedBox(self.private_key).decrypt(base64.b64decode(secret.encrypted_value)).decode()

    def put_secret(self, repo: Repo, name: str, encrypted_value: str, key_id: str) -> bool:
        """Store a sealed value; True when it was created, False when it replaced one."""
        with self.lock:
            if key_id != self.key_id:
                raise ApiError(422, "Bad request: key_id does not match the repository public key")
            try:
                SealedBox(self.private_key).decrypt(base64.b64decode(encrypted_value, validate=True))
            except Exception:
                raise ApiError(422, "Bad request: encrypted_value is not a sealed box for this key") from None
            existing = repo.secrets.get(name.upper())
            if existing:
                existing.encrypted_value, existing.updated_at = encrypted_value, now()
                return False
            repo.secrets[name.upper()] = Secret(name=name.upper(), encrypted_value=encrypted_value, key_id=key_id)
            return True

    # --- workflow runs -----------------------------------------------------------------------
    # --- workflow runs -----------------------------------------------------------------------
    def script_next_run(
        self,
        conclusion: str = "success",
        *,
        at_step: str | None = None,
        hold: bool = False,
        workflow: str | None = None,
    ) -> None:
        """Decide how the next run (of `workflow`, a file name, if given) ends."""
        with self.lock:
            self.scripts.append(RunScript(conclusion=conclusion, at_step=at_step, hold=hold, workflow=workflow))

    def _take_script(self, path: str) -> RunScript:
        for script in self.scripts:
            if script.workflow is None or path.endswith("/" + script.workflow) or path == script.workflow:
                self.scripts.remove(script)
                return script
        return RunScript()

    def dispatch(self, repo: Repo, workflow: Workflow, ref: str, inputs: dict[str, Any] | None = None) -> Run:
        with self.lock:
            sha = repo.resolve(ref)
            if sha is None:
                raise ApiError(422, f"No ref found for: {ref}")
            content = repo.file(sha, workflow.path)
            if content is None:
                raise ApiError(404, "Not Found")
            spec = parse_workflow(content.decode("utf-8"), path=workflow.path)
            if not spec.has_trigger("workflow_dispatch"):
                raise ApiError(422, "Workflow does not have 'workflow_dispatch' trigger")
            branch = repo.branch_of(ref) or ref.removeprefix("refs/tags/")
            return self._create_run(
                repo,
                workflow.path,
                spec,
                event="workflow_dispatch",
                head_branch=branch,
                head_sha=sha,
                title=spec.name,
                inputs=inputs or {},
            )

    def _create_run(
        self,
        repo: Repo,
        path: str,
        spec: WorkflowSpec,
        *,
        event: str,
        head_branch: str | None,
        head_sha: str,
        title: str,
        inputs: dict | None = None,
    ) -> Run:
        workflow = repo.workflows.get(path)
        if workflow is None:
            workflow = repo.workflows[path] = Workflow(id=self.new_id(), path=path, name=spec.name)
        run = Run(
            id=self.new_id(),
            repo=repo,
            workflow=workflow,
            spec=spec,
            run_number=workflow.run_numbers.take(),
            event=event,
            head_branch=head_branch,
            head_sha=head_sha,
            display_title=title,
            actor=self.login,
            jobs=[],
            script=self._take_script(path),
            inputs=dict(inputs or {}),
        )
        run.jobs = self._new_jobs(run)
        run.concurrency_group = _expand(spec.concurrency_group, spec.name, head_branch)
        if run.concurrency_group and spec.cancel_in_progress:
            for other in repo.runs.values():
                if other.concurrency_group == run.concurrency_group and other.status != TERMINAL:
                    self._cancel(other)
        repo.runs[run.id] = run
        self._schedule(run, self.pace.queue_seconds)
        return run

    def _new_jobs(self, run: Run) -> list[Job]:
        return [
            Job(
                id=self.new_id(),
                key=job.key,
                name=job.name,
                run_attempt=run.run_attempt,
                steps=[Step(name="Set up job", number=1)]
                + [Step(name=step.name, number=index) for index, step in enumerate(job.steps, start=2)]
                + [Step(name="Complete job", number=len(job.steps) + 2)],
            )
            for job in run.spec.jobs
        ]

    def find_run(self, repo: Repo, run_id: int) -> Run | None:
        return repo.runs.get(run_id)

    def find_job(self, repo: Repo, job_id: int) -> tuple[Run, Job] | None:
        with self.lock:
            for run in repo.runs.values():
                for job in run.jobs:
                    if job.id == job_id:
                        return run, job
        return None

    def rerun(self, repo: Repo, run: Run) -> None:
        with self.lock:
            if run.status != TERMINAL:
                raise ApiError(403, "This workflow is already running")
            run.run_attempt += 1
            run.status, run.conclusion = "queued", None
            run.updated_at = now()
            run.script = self._take_script(run.workflow.path)
            run.held = False
            run.jobs = self._new_jobs(run)
            if run.concurrency_group and run.spec.cancel_in_progress:
                for other in repo.runs.values():
                    if (
                        other is not run
                        and other.concurrency_group == run.concurrency_group
                        and other.status != TERMINAL
                    ):
                        self._cancel(other)
            self._schedule(run, self.pace.queue_seconds)

    def cancel(self, run: Run) -> None:
        with self.lock:
            if run.status == TERMINAL:
                raise ApiError(409, "Cannot cancel a workflow run that is completed.")
            self._cancel(run)
        self._notify_completed(run)

    def _cancel(self, run: Run) -> None:
        stamp = now()
        for job in run.jobs:
            if job.status == TERMINAL:
                continue
            for step in job.steps:
                if step.status == "in_progress":
                    step.status, step.conclusion, step.completed_at = TERMINAL, "cancelled", stamp
                elif step.status != TERMINAL:
                    step.status, step.conclusion = TERMINAL, "skipped"
            job.status, job.conclusion, job.completed_at = TERMINAL, "cancelled", stamp
        run.status, run.conclusion, run.updated_at, run.next_at = TERMINAL, "cancelled", stamp, None

    def _schedule(self, run: Run, delay: float | None) -> None:
        run.next_at = None if delay is None or run.held else time.monotonic() + delay
        self._wake.notify_all()

    def is_held(self, run: Run) -> bool:
        """Held, or scripted to be held once it starts."""
        return run.status != TERMINAL and (run.held or run.script.hold)

    def release_hold(self, run: Run) -> None:
        """Let a held run go on to its scripted outcome."""
        with self.lock:
            if not self.is_held(run):
                raise ApiError(409, f"Workflow run {run.id} is not held.")
            was_held, run.held, run.script.hold = run.held, False, False
            if was_held:
                self._schedule(run, self.pace.step_seconds)

    def advance(self, run: Run, transitions: int = 1) -> None:
        """Move a run on by hand (tests with a paused pace)."""
        for _ in range(transitions):
            if run.status == TERMINAL:
                return
            self._transition(run)

    def finish(self, run: Run) -> None:
        while run.status != TERMINAL:
            self._transition(run)

    def _transition(self, run: Run) -> None:
        completed = False
        with self.lock:
            if run.status == TERMINAL:
                return
            stamp = now()
            run.updated_at = stamp
            if run.status == "queued":
                run.status = "in_progress"
                run.run_started_at = stamp
                self._start_next_job(run, stamp)
                run.held = run.script.hold
            else:
                job = next(j for j in run.jobs if j.status == "in_progress")
                step = next(s for s in job.steps if s.status == "in_progress")
                outcome = self._step_outcome(run, job, step)
                step.status, step.conclusion, step.completed_at = TERMINAL, outcome, stamp
                if outcome == "success":
                    following = next((s for s in job.steps if s.status == "queued"), None)
                    if following is not None:
                        following.status, following.started_at = "in_progress", stamp
                    else:
                        job.status, job.conclusion, job.completed_at = TERMINAL, "success", stamp
                        if not self._start_next_job(run, stamp):
                            run.status, run.conclusion = TERMINAL, "success"
                else:
                    for rest_step in job.steps:
                        if rest_step.status != TERMINAL:
                            rest_step.status, rest_step.conclusion = TERMINAL, "skipped"
                    job.status, job.conclusion, job.completed_at = TERMINAL, outcome, stamp
                    for rest in run.jobs:
                        if rest.status != TERMINAL:
                            rest.status = TERMINAL
                            rest.conclusion = "skipped" if outcome == "failure" else "cancelled"
                            rest.completed_at = stamp
                            for leftover in rest.steps:
                                leftover.status, leftover.conclusion = TERMINAL, "skipped"
                    run.status, run.conclusion = TERMINAL, outcome
            completed = run.status == TERMINAL
            if completed:
                run.next_at = None
            else:
                self._schedule(run, self.pace.step_seconds)
        if completed:
            self._notify_completed(run)

    def _start_next_job(self, run: Run, stamp: str) -> bool:
        job = next((j for j in run.jobs if j.status == "queued"), None)
        if job is None:
            return False
        job.status, job.started_at = "in_progress", stamp
        job.runner_name = f"GitHub Actions {random_secrets.randbelow(1000)}"
        job.steps[0].status, job.steps[0].started_at = "in_progress", stamp
        return True

    def _step_outcome(self, run: Run, job: Job, step: Step) -> str:
        script = run.script
        if script.conclusion != "success":
            target = script.at_step or _last_real_step(run)
            if step.name == target:
                if script.conclusion == "failure":
                    step.failure = "Process completed with exit code 1."
                return script.conclusion
        spec_step = _spec_step(run, job, step)
        if spec_step is not None:
            for effect in list(self.step_effects):
                failure = effect(self, run, job, spec_step)
                if failure:
                    step.failure = failure
                    return "failure"
        return "success"

    def _notify_completed(self, run: Run) -> None:
        for hook in list(self.on_run_completed):
            hook(run)

    # --- the scheduler ---------------------------------------------------------------------
    def start(self) -> None:
        self._stopping = False
        self._thread = threading.Thread(target=self._run_scheduler, name="github-standin-runs", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self.lock:
            self._stopping = True
            self._wake.notify_all()
        if self._thread:
            self._thread.join(timeout=5)

    def set_pace(self, pace: RunPace) -> None:
        with self.lock:
            self.pace = pace
            for repo in self.repos.values():
                for run in repo.runs.values():
                    if run.status != TERMINAL and not run.held:
                        delay = pace.queue_seconds if run.status == "queued" else pace.step_seconds
                        self._schedule(run, delay)

    def _run_scheduler(self) -> None:
        while True:
            with self.lock:
                if self._stopping:
                    return
                due, soonest = [], None
                current = time.monotonic()
                for repo in self.repos.values():
                    for run in repo.runs.values():
                        if run.status == TERMINAL or run.held or run.next_at is None:
                            continue
                        if run.next_at <= current:
                            due.append(run)
                        elif soonest is None or run.next_at < soonest:
                            soonest = run.next_at
                if not due:
                    self._wake.wait(None if soonest is None else max(0.0, soonest - current))
                    continue
            for run in due:
                try:
                    self._transition(run)
                except Exception:  # a broken step effect must not stop every other run
                    import traceback

                    traceback.print_exc()
                    with self.lock:
                        run.next_at = None

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
        """Block until `predicate()` holds (tests)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if predicate():
                    return True
            time.sleep(0.01)
        return False

    def runs_of(self, repo: Repo, workflow_file: str) -> list[Run]:
        with self.lock:
            return sorted(
                (r for r in repo.runs.values() if r.workflow.path.endswith("/" + workflow_file)), key=lambda r: r.id
            )


def _copy_repos(repos: dict[str, Repo]) -> dict[str, Repo]:
    """A copy to change freely; git handles are shared (git.GitRepository.__deepcopy__)."""
    return copy.deepcopy(repos)


def _commit_message(title: str, detail: str | None, default_detail: str) -> str:
    """A merge's commit message: its title, then `commit_message` or GitHub's default detail."""
    detail = default_detail if detail is None else detail
    return f"{title}\n\n{detail}" if detail else title


def _is_workflow_path(path: str) -> bool:
    return path.startswith(WORKFLOW_DIR) and path.endswith((".yml", ".yaml")) and "/" not in path[len(WORKFLOW_DIR) :]


def _skips_ci(message: str) -> bool:
    lowered = message.lower()
    return any(
        marker in lowered for marker in ("[skip ci]", "[ci skip]", "[no ci]", "[skip actions]", "[actions skip]")
    )


def _expand(group: str | None, workflow_name: str, branch: str | None) -> str | None:
    if not group:
        return None
    return group.replace("${{ github.workflow }}", workflow_name).replace(
        "${{ github.ref }}", f"refs/heads/{branch}" if branch else ""
    )


def _last_real_step(run: Run) -> str | None:
    for job in reversed(run.jobs):
        if len(job.steps) > 2:
            return job.steps[-2].name
    return None


def _spec_step(run: Run, job: Job, step: Step):
    spec_job = next((j for j in run.spec.jobs if j.key == job.key), None)
    if spec_job is None or not 2 <= step.number <= len(spec_job.steps) + 1:
        return None
    return spec_job.steps[step.number - 2]
