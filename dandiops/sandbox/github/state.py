"""The GitHub stand-in's state: repositories, commits and refs, workflows and their runs, releases,
pull requests, labels and Actions secrets.

Everything is in memory behind one lock. Workflow runs are driven by a scheduler thread that moves
each run one transition (queued -> in_progress, then one step at a time -> completed) every
`pace.step_seconds`; tests make that fast, or set the pace to None and call `advance()`.
What a run does is read from the workflow file in the repository; step effects (a Heroku build,
moving the release branch, `auto shipit`) are callables other sandbox parts install.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import itertools
import secrets as random_secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from nacl.public import PrivateKey, SealedBox

from dandiops.archive.workflows import WorkflowError, WorkflowSpec
from dandiops.archive.workflows import parse as parse_workflow
from dandiops.sandbox.faults import Fault, FaultInjection

WORKFLOW_DIR = ".github/workflows/"
TERMINAL = "completed"


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: str) -> dt.datetime:
    return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)


class ApiError(Exception):
    """A GitHub error answer: status, message, and for 422 the `errors` list."""

    def __init__(self, status: int, message: str, errors: list | None = None, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors
        self.headers = headers or {}


@dataclass
class Commit:
    sha: str
    message: str
    tree: dict[str, bytes]
    parents: list[str]
    author_name: str
    author_email: str
    timestamp: str = field(default_factory=now)

    def blob_sha(self, path: str) -> str:
        return blob_sha(self.tree[path])


def blob_sha(content: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


@dataclass
class Label:
    id: int
    name: str
    color: str
    description: str | None = None
    default: bool = False


@dataclass
class Pull:
    number: int
    id: int
    title: str
    body: str | None
    head_ref: str
    base_ref: str
    user: str
    labels: list[str] = field(default_factory=list)
    state: str = "open"
    merged: bool = False
    merged_at: str | None = None
    merge_commit_sha: str | None = None
    closed_at: str | None = None
    created_at: str = field(default_factory=now)
    updated_at: str = field(default_factory=now)


@dataclass
class GhRelease:
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
class Secret:
    name: str
    encrypted_value: str
    key_id: str
    created_at: str = field(default_factory=now)
    updated_at: str = field(default_factory=now)


@dataclass
class Workflow:
    id: int
    path: str
    name: str
    created_at: str = field(default_factory=now)
    updated_at: str = field(default_factory=now)
    run_counter: itertools.count = field(default_factory=lambda: itertools.count(1))


@dataclass
class Step:
    name: str
    number: int
    status: str = "queued"
    conclusion: str | None = None
    started_at: str | None = None
    completed_at: str | None = None


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
class Run:
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
    created_at: str = field(default_factory=now)
    updated_at: str = field(default_factory=now)
    run_started_at: str | None = None
    run_attempt: int = 1
    status: str = "queued"
    conclusion: str | None = None
    concurrency_group: str | None = None
    next_at: float | None = None  # monotonic time of the next transition, None when paused
    held: bool = False
    inputs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Repo:
    owner: str
    name: str
    id: int
    default_branch: str
    description: str | None = None
    private: bool = False
    commits: dict[str, Commit] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)  # "refs/heads/master" -> sha
    labels: dict[str, Label] = field(default_factory=dict)
    pulls: dict[int, Pull] = field(default_factory=dict)
    releases: list[GhRelease] = field(default_factory=list)
    workflows: dict[str, Workflow] = field(default_factory=dict)  # by path
    runs: dict[int, Run] = field(default_factory=dict)
    secrets: dict[str, Secret] = field(default_factory=dict)
    created_at: str = field(default_factory=now)
    updated_at: str = field(default_factory=now)
    pushed_at: str = field(default_factory=now)
    number_counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def branch_sha(self, branch: str) -> str | None:
        return self.refs.get(f"refs/heads/{branch}")

    def resolve(self, ref: str) -> str | None:
        """A branch, tag, full ref name or (abbreviated) commit sha, as a commit sha."""
        for candidate in (ref, f"refs/heads/{ref}", f"refs/tags/{ref}", f"refs/{ref}"):
            if candidate in self.refs:
                return self.refs[candidate]
        if len(ref) >= 7:
            matches = [sha for sha in self.commits if sha.startswith(ref)]
            if len(matches) == 1:
                return matches[0]
        return None

    def branch_of(self, ref: str) -> str | None:
        name = ref.removeprefix("refs/heads/")
        return name if f"refs/heads/{name}" in self.refs else None

    def file(self, sha: str, path: str) -> bytes | None:
        commit = self.commits.get(sha)
        return None if commit is None else commit.tree.get(path)


@dataclass
class RequestRecord:
    method: str
    path: str
    query: str
    status: int
    headers: dict[str, str]
    body: Any
    response: Any = None
    time: float = field(default_factory=time.time)


@dataclass
class RunPace:
    """Seconds a run waits in the queue and each step takes; None pauses runs until advance()."""

    queue_seconds: float | None = 2.0
    step_seconds: float | None = 1.5


# A step effect runs when a step completes: (state, run, job, step) -> None, or a failure message.
StepEffect = Callable[["GitHubState", Run, Job, Any], "str | None"]


class GitHubState(FaultInjection):
    def __init__(self, token: str, *, login: str = "dandi-sandbox-operator", pace: RunPace | None = None):
        self.lock = threading.RLock()
        self._wake = threading.Condition(self.lock)
        self.login = login
        self.user_id = 583231
        self._token = token
        self._pace = pace or RunPace()
        self.private_key = PrivateKey.generate()
        self.key_id = str(3380204578043523366 + random_secrets.randbelow(10**6))
        self._stopping = False
        self._thread: threading.Thread | None = None
        self.reset()

    def reset(self) -> None:
        """Back to the state of construction: no repositories, runs, faults, scripts, requests or installed
        effects, the token's own scopes, the first pace and a full rate limit (the scheduler must be stopped)."""
        with self.lock:
            self.tokens: dict[str, set[str]] = {self._token: {"repo", "workflow"}}
            self.repos: dict[str, Repo] = {}
            self.requests: list[RequestRecord] = []
            self.faults: list[Fault] = []
            self.pace = self._pace
            self.dispatch_returns_run_details = True  # False: answer 204 like servers without the feature
            self.rate_limit = 5000
            self.rate_remaining = 5000
            self.rate_reset = int(time.time()) + 3600
            self.step_effects: list[StepEffect] = []
            self.on_run_completed: list[Callable[[Run], None]] = []
            self.scripts: list[RunScript] = []
            self._ids = itertools.count(7_000_000_001)

    # --- ids and people --------------------------------------------------------------------
    def new_id(self) -> int:
        return next(self._ids)

    def scopes(self, token: str) -> set[str] | None:
        return self.tokens.get(token)

    # --- repositories --------------------------------------------------------------------
    def find_repo(self, owner: str, name: str) -> Repo | None:
        return self.repos.get(f"{owner}/{name}".lower())

    def add_repo(
        self,
        owner: str,
        name: str,
        *,
        default_branch: str = "master",
        description: str | None = None,
        files: dict[str, bytes] | None = None,
        message: str = "Initial commit",
    ) -> Repo:
        with self.lock:
            repo = Repo(
                owner=owner, name=name, id=self.new_id(), default_branch=default_branch, description=description
            )
            self.repos[repo.full_name.lower()] = repo
            commit = self._new_commit(repo, files or {}, message, [])
            repo.refs[f"refs/heads/{default_branch}"] = commit.sha
            self._sync_workflows(repo)
            return repo

    def _new_commit(
        self,
        repo: Repo,
        tree: dict[str, bytes],
        message: str,
        parents: list[str],
        author: tuple[str, str] | None = None,
    ) -> Commit:
        name, email = author or (self.login, f"{self.login}@users.noreply.sandbox.test")
        seed = f"{message}\0{parents}\0{time.time_ns()}\0{random_secrets.token_hex(4)}".encode()
        commit = Commit(
            sha=hashlib.sha1(seed).hexdigest(),
            message=message,
            tree=dict(tree),
            parents=parents,
            author_name=name,
            author_email=email,
        )
        repo.commits[commit.sha] = commit
        return commit

    def commit_files(
        self,
        repo: Repo,
        branch: str,
        changes: dict[str, bytes | None],
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
            tree = dict(repo.commits[parent].tree)
            for path, content in changes.items():
                if content is None:
                    tree.pop(path, None)
                else:
                    tree[path] = content
            commit = self._new_commit(repo, tree, message, [parent], author)
            self._push(repo, branch, commit, sorted(changes), push_event=push_event)
            return commit

    def _push(
        self, repo: Repo, branch: str, commit: Commit, changed_paths: list[str], *, push_event: bool = True
    ) -> None:
        repo.refs[f"refs/heads/{branch}"] = commit.sha
        repo.pushed_at = repo.updated_at = now()
        if branch == repo.default_branch:
            self._sync_workflows(repo)
        if not push_event or _skips_ci(commit.message):
            return
        for path, spec in self._workflow_specs(repo, commit.sha):
            if spec.runs_on_push(branch, changed_paths):
                self._create_run(
                    repo,
                    path,
                    spec,
                    event="push",
                    head_branch=branch,
                    head_sha=commit.sha,
                    title=commit.message.splitlines()[0] if commit.message else path,
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
    def create_ref(self, repo: Repo, ref: str, sha: str) -> None:
        with self.lock:
            if not ref.startswith("refs/") or ref.count("/") < 2:
                raise ApiError(422, "Reference name must start with 'refs/' and have at least two slashes.")
            if ref in repo.refs:
                raise ApiError(422, "Reference already exists")
            if sha not in repo.commits:
                raise ApiError(422, "Object does not exist")
            repo.refs[ref] = sha

    def update_ref(self, repo: Repo, ref: str, sha: str, *, force: bool = False) -> None:
        with self.lock:
            if ref not in repo.refs:
                raise ApiError(422, "Reference does not exist")
            if sha not in repo.commits:
                raise ApiError(422, "Object does not exist")
            if not force and not self._is_ancestor(repo, repo.refs[ref], sha):
                raise ApiError(422, "Update is not a fast forward")
            repo.refs[ref] = sha

    def _is_ancestor(self, repo: Repo, ancestor: str, sha: str) -> bool:
        seen, todo = set(), [sha]
        while todo:
            current = todo.pop()
            if current == ancestor:
                return True
            if current in seen or current not in repo.commits:
                continue
            seen.add(current)
            todo.extend(repo.commits[current].parents)
        return False

    # --- labels and pull requests --------------------------------------------------------
    def ensure_label(self, repo: Repo, name: str, color: str = "ededed", description: str | None = None) -> Label:
        with self.lock:
            for label in repo.labels.values():
                if label.name.lower() == name.lower():
                    return label
            label = Label(id=self.new_id(), name=name, color=color, description=description)
            repo.labels[name] = label
            return label

    def create_pull(
        self, repo: Repo, *, title: str, head: str, base: str, body: str | None = None, user: str | None = None
    ) -> Pull:
        with self.lock:
            head_ref = head.split(":", 1)[-1]
            if repo.branch_sha(base) is None:
                raise ApiError(
                    422, "Validation Failed", [{"resource": "PullRequest", "field": "base", "code": "invalid"}]
                )
            if repo.branch_sha(head_ref) is None:
                raise ApiError(
                    422, "Validation Failed", [{"resource": "PullRequest", "field": "head", "code": "invalid"}]
                )
            if repo.branch_sha(head_ref) == repo.branch_sha(base):
                raise ApiError(
                    422,
                    "Validation Failed",
                    [
                        {
                            "resource": "PullRequest",
                            "code": "custom",
                            "message": f"No commits between {base} and {head_ref}",
                        }
                    ],
                )
            for pull in repo.pulls.values():
                if pull.state == "open" and pull.head_ref == head_ref and pull.base_ref == base:
                    raise ApiError(
                        422,
                        "Validation Failed",
                        [
                            {
                                "resource": "PullRequest",
                                "code": "custom",
                                "message": f"A pull request already exists for {repo.owner}:{head_ref}.",
                            }
                        ],
                    )
            pull = Pull(
                number=next(repo.number_counter),
                id=self.new_id(),
                title=title,
                body=body,
                head_ref=head_ref,
                base_ref=base,
                user=user or self.login,
            )
            repo.pulls[pull.number] = pull
            return pull

    def add_labels(self, repo: Repo, number: int, names: list[str]) -> list[Label]:
        with self.lock:
            pull = repo.pulls.get(number)
            if pull is None:
                raise ApiError(404, "Not Found")
            for name in names:
                label = self.ensure_label(repo, name)
                if label.name not in pull.labels:
                    pull.labels.append(label.name)
                    pull.updated_at = now()
            return [repo.labels[name] for name in pull.labels]

    def merge_pull(self, repo: Repo, number: int, *, message: str | None = None) -> Pull:
        """Merge like the merge button: a merge commit on the base branch, which is pushed."""
        with self.lock:
            pull = repo.pulls.get(number)
            if pull is None:
                raise ApiError(404, "Not Found")
            if pull.state != "open":
                raise ApiError(405, "Pull Request is not mergeable")
            base_sha = repo.branch_sha(pull.base_ref)
            head_sha = repo.branch_sha(pull.head_ref)
            if base_sha is None or head_sha is None:
                raise ApiError(422, "Validation Failed", [{"resource": "PullRequest", "code": "invalid"}])
            base_tree = repo.commits[base_sha].tree
            head_tree = repo.commits[head_sha].tree
            changed = sorted(p for p in set(base_tree) | set(head_tree) if base_tree.get(p) != head_tree.get(p))
            title = message or f"Merge pull request #{number} from {repo.owner}/{pull.head_ref}\n\n{pull.title}"
            commit = self._new_commit(repo, dict(head_tree), title, [base_sha, head_sha])
            pull.state, pull.merged = "closed", True
            pull.merged_at = pull.closed_at = pull.updated_at = now()
            pull.merge_commit_sha = commit.sha
            self._push(repo, pull.base_ref, commit, changed)
            return pull

    def close_pull(self, repo: Repo, number: int) -> Pull:
        with self.lock:
            pull = repo.pulls[number]
            pull.state = "closed"
            pull.closed_at = pull.updated_at = now()
            return pull

    # --- releases --------------------------------------------------------------------------
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
            if any(r.tag_name == tag_name for r in repo.releases):
                raise ApiError(
                    422, "Validation Failed", [{"resource": "Release", "code": "already_exists", "field": "tag_name"}]
                )
            target = target or repo.default_branch
            tag_ref = f"refs/tags/{tag_name}"
            if tag_ref not in repo.refs:
                sha = repo.resolve(target)
                if sha is None:
                    raise ApiError(
                        422,
                        "Validation Failed",
                        [{"resource": "Release", "code": "invalid", "field": "target_commitish"}],
                    )
                repo.refs[tag_ref] = sha
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
                self._publish(repo, release)
            return release

    def _publish(self, repo: Repo, release: GhRelease) -> None:
        release.published_at = now()
        sha = repo.refs[f"refs/tags/{release.tag_name}"]
        actions = ["published", "created"] + ([] if release.prerelease else ["released"])
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
            run_number=next(workflow.run_counter),
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

    def release_hold(self, run: Run) -> None:
        with self.lock:
            run.held = False
            run.script.hold = False
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
                    for rest in job.steps:
                        if rest.status != TERMINAL:
                            rest.status, rest.conclusion = TERMINAL, "skipped"
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
                return script.conclusion
        spec_step = _spec_step(run, job, step)
        if spec_step is not None:
            for effect in list(self.step_effects):
                failure = effect(self, run, job, spec_step)
                if failure:
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

    # --- faults and the request log ------------------------------------------------------------
    def writes(self) -> list[RequestRecord]:
        with self.lock:
            return [
                r
                for r in self.requests
                if r.method in ("POST", "PATCH", "PUT", "DELETE") and not r.path.startswith("/_sandbox/")
            ]

    def runs_of(self, repo: Repo, workflow_file: str) -> list[Run]:
        with self.lock:
            return sorted(
                (r for r in repo.runs.values() if r.workflow.path.endswith("/" + workflow_file)), key=lambda r: r.id
            )


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
