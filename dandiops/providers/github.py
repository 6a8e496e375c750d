"""GitHub REST client over PyGithub.

Talks to https://api.github.com (or DANDIOPS_GITHUB_API_URL) with a token from GITHUB_TOKEN or
GH_TOKEN. Reads are retried by PyGithub's GithubRetry on 5xx and on rate limits (waiting for the
reset or Retry-After, at most DANDIOPS_GITHUB_MAX_RATE_WAIT seconds); writes (dispatches, releases,
labels) are never retried, so a write that may have reached GitHub is reconciled by reading.
Every PyGithub error becomes a DandiopsError that says what failed and what to do.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator, Mapping, TypedDict, Unpack

from dandiops.core.errors import (
    AuthError,
    ConflictError,
    DandiopsError,
    ExitCode,
    MaybeAppliedError,
    NotFoundError,
    UnavailableError,
)
from dandiops.core.names import seconds_setting
from dandiops.providers.http import ApiClient, ClientOptions, RetryPolicy
from dandiops.providers.writes import WriteCounter

if TYPE_CHECKING:
    from github.GithubException import GithubException
    from github.GithubObject import Opt
    from github.GithubRetry import GithubRetry
    from github.GitRelease import GitRelease
    from github.PullRequest import PullRequest
    from github.Repository import Repository
    from github.Requester import Requester
    from github.Workflow import Workflow
    from github.WorkflowRun import WorkflowRun

DEFAULT_API_URL = "https://api.github.com"
TOKEN_NAMES = ("GITHUB_TOKEN", "GH_TOKEN")
TOKEN_HINT = (
    "set GITHUB_TOKEN (or GH_TOKEN) to a token with the `repo` and `workflow` scopes "
    "(fine-grained: Actions, Contents and Pull requests read/write on the repository)"
)
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


# PyGithub's Requester opens each connection from a class it keeps per instance, under these names
# (the first for the API's own host, the others for a URL on another host, such as uploads).
_CONNECTION_CLASSES = (
    "_Requester__connectionClass",
    "_Requester__httpConnectionClass",
    "_Requester__httpsConnectionClass",
)


def _count_writes(requester: "Requester", writes: WriteCounter, service: str) -> None:
    """Count every request the requester sends with a write method.

    PyGithub has no per-client request hook (its connection classes and logger are injected for
    every client in the process), so this client's requester gets connection classes of its own
    that count the verb of each request before sending it."""
    for attribute in _CONNECTION_CLASSES:
        base = getattr(requester, attribute)

        class Counting(base):  # type: ignore[valid-type, misc]  # a class PyGithub picks at run time
            def request(self, verb: str, *args: Any, **kwargs: Any) -> None:
                if verb not in _READ_METHODS:
                    writes.add(service)
                super().request(verb, *args, **kwargs)

        setattr(requester, attribute, Counting)


def _retry(policy: RetryPolicy, max_rate_wait: float) -> "GithubRetry":
    from github.GithubRetry import GithubRetry

    class ReadOnlyRetry(GithubRetry):
        """GithubRetry for reads only: a write that failed may have been applied."""

        def __init__(self, **kwargs: Any):
            kwargs.setdefault("allowed_methods", _READ_METHODS)
            super().__init__(**kwargs)

    return ReadOnlyRetry(
        total=max(0, policy.attempts - 1),
        backoff_factor=policy.base_delay,
        backoff_max=policy.max_delay,
        max_rate_limit_wait=max_rate_wait,
    )


class JobStep(TypedDict):
    name: str
    number: int | None
    status: str
    conclusion: str | None


class RateLimitSummary(TypedDict):
    limit: int
    remaining: int
    reset: str  # ISO 8601


@dataclass(frozen=True)
class TokenAccess:
    """What the token may do on one repository."""

    permission: str  # admin, push or pull
    scopes: list[str] | None  # None: a fine-grained or app token (GitHub does not list its scopes)


@dataclass(frozen=True)
class RepoFile:
    """One entry of a repository's contents at a ref."""

    kind: str  # "file", or "dir" when the path names a folder
    sha: str = ""
    size: int = 0
    content: bytes | None = None  # None for a folder, or a file too big for GitHub to inline


@dataclass
class JobState:
    name: str
    status: str
    conclusion: str | None
    steps: list[JobStep] = field(default_factory=list)
    html_url: str | None = None


def _answer_lost(exc: Exception) -> bool:
    """Whether a failed write may have reached GitHub: anything but a connection that never opened."""
    import requests

    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return False
    text = repr(exc)
    return not ("NewConnectionError" in text or "Failed to establish" in text or "ConnectionRefused" in text)


def _seconds_setting(environ: Mapping[str, str], name: str, default: float) -> float:
    return seconds_setting(environ.get(name), name, default, allow_zero=True, maximum=3600)


class GitHubClient(ApiClient):
    url_setting = "DANDIOPS_GITHUB_API_URL"
    default_url = DEFAULT_API_URL
    credential_names = TOKEN_NAMES
    api_name = "GitHub"
    credential_noun = "token"
    service = "github"
    credential_hint = TOKEN_HINT

    def __init__(
        self,
        token: str | None,
        *,
        timeout: int = 15,
        write_interval: float | None = None,
        max_rate_wait: float | None = None,
        **options: Unpack[ClientOptions],
    ) -> None:
        super().__init__(token, **options)
        assert token is not None  # ApiClient refuses a missing token
        import github

        environ = options.get("environ", os.environ)
        if write_interval is None:
            write_interval = _seconds_setting(environ, "DANDIOPS_GITHUB_WRITE_INTERVAL", 1.0)
        if max_rate_wait is None:
            max_rate_wait = _seconds_setting(environ, "DANDIOPS_GITHUB_MAX_RATE_WAIT", 60.0)
        self._gh = github.Github(
            base_url=self.base_url,
            auth=github.Auth.Token(token),
            timeout=timeout,
            retry=_retry(self.retry, max_rate_wait),
            seconds_between_requests=None,
            seconds_between_writes=write_interval or None,  # PyGithub's guard against secondary limits
            user_agent="dandiops",
        )
        _count_writes(self._gh.requester, self.writes, self.service)
        self._repos: dict[str, Repository] = {}

    def close(self) -> None:
        self._gh.close()

    # --- errors --------------------------------------------------------------------------
    @contextlib.contextmanager
    def in_repo(
        self, full_name: str, what: str, *, workflow: str | None = None, write: bool = False
    ) -> Iterator["Repository"]:
        """The repository, for PyGithub calls whose failures become DandiopsErrors about `what`."""
        repo = self.repo(full_name)
        with self.calling(what, repo=full_name, workflow=workflow, write=write):
            yield repo

    @contextlib.contextmanager
    def calling(
        self, what: str, *, repo: str | None = None, workflow: str | None = None, write: bool = False
    ) -> Iterator[None]:
        """Run PyGithub calls, turning their failures into DandiopsErrors about `what`."""
        import requests
        from github import BadAttributeException, GithubException, IncompletableObject, RateLimitExceededException
        from github.GithubException import RateLimitExceededExceedsMaxWait

        try:
            yield
        except DandiopsError:
            raise
        except RateLimitExceededExceedsMaxWait as exc:
            raise UnavailableError(
                f"GitHub API rate limit reached while {what}; it would take {exc.wait:.0f} s to reset",
                hint="wait for the reset (`dandiops release status` shows the state meanwhile) or use "
                "another token; raise DANDIOPS_GITHUB_MAX_RATE_WAIT to wait longer",
            ) from None
        except RateLimitExceededException as exc:
            raise UnavailableError(
                f"GitHub API rate limit reached while {what}{_reset_note(exc.headers)}",
                hint=(
                    "nothing was changed; run again after the reset" if write else "wait for the reset and run again"
                ),
            ) from None
        except GithubException as exc:
            raise self._translate(exc, what, repo=repo, workflow=workflow, write=write) from None
        except (
            requests.exceptions.RetryError,
            requests.exceptions.ConnectionError,
            requests.exceptions.Timeout,
            requests.exceptions.ChunkedEncodingError,
        ) as exc:
            if write and _answer_lost(exc):
                raise MaybeAppliedError(
                    f"the connection to the GitHub API was lost while {what} ({type(exc).__name__}): "
                    "the change may have been applied",
                    hint="see the current state with `dandiops release status` (or on GitHub) before running again",
                    action=f"github: {what}",
                ) from None
            hint = (
                "the write was not retried: check the state (e.g. `dandiops release status`) before running again"
                if write
                else "check your network or DANDIOPS_GITHUB_API_URL, or try again later"
            )
            raise UnavailableError(
                f"could not reach the GitHub API at {self.base_url} while {what} ({type(exc).__name__})", hint=hint
            ) from None

        except (AssertionError, ValueError, BadAttributeException, IncompletableObject) as exc:
            # PyGithub asserts that the URLs in an answer stay on the API's host (so the token is never
            # sent elsewhere) and parses JSON bodies: an answer failing either is not GitHub's.
            reason = (
                "it names URLs on another host" if isinstance(exc, AssertionError) else "it is not what GitHub sends"
            )
            raise UnavailableError(
                f"GitHub answered unexpectedly while {what}: {reason}",
                hint="check DANDIOPS_GITHUB_API_URL and any proxy in between; nothing further was sent",
            ) from None

    def _translate(
        self, exc: "GithubException", what: str, *, repo: str | None, workflow: str | None, write: bool
    ) -> DandiopsError:
        status = exc.status
        data = exc.data if isinstance(exc.data, dict) else {}
        message = data.get("message") or exc.message or str(exc.data or "")
        headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
        env = f" of environment {self.env_name}" if self.env_name else ""
        if status == 401:
            return AuthError(f"GitHub rejected the token while {what}: {message}", hint=TOKEN_HINT)
        if status == 403:
            accepted = headers.get("x-accepted-oauth-scopes")
            has = headers.get("x-oauth-scopes")
            if accepted:
                return AuthError(
                    f"the GitHub token lacks the scope needed for {what}: needs one of `{accepted}`"
                    + (f", has `{has}`" if has is not None else ""),
                    hint="add the scope to the token (Settings > Developer settings > Personal access tokens) "
                    "or use one with the `repo` and `workflow` scopes",
                )
            return AuthError(
                f"GitHub refused {what}: {message}",
                hint="the token's account needs write access to the repository; " + TOKEN_HINT,
            )
        if status == 404:
            if workflow:
                return NotFoundError(
                    f"workflow {workflow} not found in {repo}",
                    hint=f"check `workflow`{env} in dandiops.toml: a file name under .github/workflows/",
                )
            if repo:
                return NotFoundError(
                    f"{what}: {repo} has no such thing, or the repository is not visible to this token",
                    hint=f"check `github_repo`{env} in dandiops.toml; GitHub answers 404 for private "
                    "repositories the token cannot read",
                )
            return NotFoundError(f"{what}: not found ({message})", hint="check the name you gave")
        if status in (409, 422):
            details = "; ".join(_error_detail(item) for item in data.get("errors") or [] if item)
            return ConflictError(
                f"GitHub refused {what}: {message}" + (f" ({details})" if details else ""),
                hint="read the current state and try again",
            )
        if status >= 500:
            hint = (
                "the write was not retried: check the state (e.g. `dandiops release status`) before running again"
                if write
                else "GitHub kept failing; try again later or check githubstatus.com"
            )
            return UnavailableError(f"GitHub API error {status} while {what}: {message}", hint=hint)
        return DandiopsError(f"GitHub API error {status} while {what}: {message}", exit_code=ExitCode.FAILURE)

    # --- repository and files -----------------------------------------------------------
    def repo(self, full_name: str) -> "Repository":
        if full_name not in self._repos:
            with self.calling(f"reading repository {full_name}", repo=full_name):
                self._repos[full_name] = self._gh.get_repo(full_name)
        return self._repos[full_name]

    def default_branch(self, full_name: str) -> str:
        return self.repo(full_name).default_branch

    def token_access(self, full_name: str) -> TokenAccess:
        """The token's permission on the repository, and its classic scopes as GitHub lists them."""
        with self.in_repo(full_name, f"reading permissions on {full_name}") as repo:
            permissions = repo.permissions
            header = {k.lower(): v for k, v in (repo.raw_headers or {}).items()}.get("x-oauth-scopes")
        level = "admin" if permissions.admin else "push" if permissions.push else "pull"
        # PyGithub types header values as str | int; an HTTP header is text
        scopes = None if header is None else [s.strip() for s in str(header).split(",") if s.strip()]
        return TokenAccess(level, scopes)

    def actions_secret_names(self, full_name: str) -> set[str]:
        """The names of the repository's Actions secrets (GitHub never returns their values)."""
        with self.in_repo(full_name, f"listing Actions secrets of {full_name}") as repo:
            return {secret.name for secret in repo.get_secrets()}

    def set_actions_secret(self, full_name: str, name: str, value: str) -> None:
        """Create or replace an Actions secret; PyGithub seals the value with the repository's public key."""
        with self.in_repo(full_name, f"setting Actions secret {name} on {full_name}", write=True) as repo:
            repo.create_secret(name, value, secret_type="actions")

    def workflow(self, full_name: str, workflow_file: str) -> "Workflow":
        with self.in_repo(full_name, f"reading workflow {workflow_file}", workflow=workflow_file) as repo:
            return repo.get_workflow(workflow_file)

    def file(self, full_name: str, path: str, ref: str | None = None) -> tuple[str, str]:
        """(text, blob sha) of a file."""
        from github.GithubObject import NotSet

        with self.in_repo(full_name, f"reading {path}" + (f" at {ref}" if ref else "")) as repo:
            content = repo.get_contents(path, ref=ref if ref else NotSet)
        if isinstance(content, list):
            raise NotFoundError(f"{path} in {full_name} is a directory, not a file", hint="name a file")
        return content.decoded_content.decode("utf-8"), content.sha

    def find_file(self, full_name: str, path: str, ref: str) -> RepoFile | None:
        """The entry at `path` on `ref`, or None when there is none."""
        from github import UnknownObjectException

        with self.in_repo(full_name, f"reading {path} at {ref}") as repo:
            try:
                found = repo.get_contents(path, ref=ref)
            except UnknownObjectException:
                return None
        if isinstance(found, list):
            return RepoFile("dir")
        return RepoFile(
            "file",
            sha=found.sha,
            size=found.size,
            content=found.decoded_content if found.encoding == "base64" else None,
        )

    def ref_sha(self, full_name: str, ref: str) -> str | None:
        """The commit a ref (heads/BRANCH or tags/TAG) points at, or None when it does not exist."""
        from github import UnknownObjectException

        with self.in_repo(full_name, f"reading ref {ref}") as repo:
            try:
                return repo.get_git_ref(ref).object.sha
            except UnknownObjectException:
                return None

    # --- runs ----------------------------------------------------------------------------
    def dispatch(
        self, workflow: "Workflow", ref: str, inputs: Mapping[str, str] | None = None, *, full_name: str
    ) -> int | None:
        """Create a workflow_dispatch event; the run id when GitHub returns run details."""
        with self.calling(f"dispatching {workflow.path} on {ref}", repo=full_name, write=True):
            result = workflow.create_dispatch(ref, inputs=dict(inputs or {}), throw=True, return_run_details=True)
        run_id = getattr(result, "id", None)
        return int(run_id) if run_id else None

    def runs(
        self,
        workflow: "Workflow",
        *,
        full_name: str,
        branch: str | None = None,
        event: str | None = None,
        created_since: dt.datetime | None = None,
        limit: int = 10,
    ) -> list["WorkflowRun"]:
        from github.GithubObject import NotSet

        created: Opt[str] = NotSet
        if created_since is not None:
            created = ">=" + created_since.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        with self.calling(f"listing runs of {workflow.path}", repo=full_name):
            listing = workflow.get_runs(branch=branch or NotSet, event=event or NotSet, created=created)
            return list(itertools.islice(listing, limit)) if limit else list(listing)

    def run(self, full_name: str, run_id: int) -> "WorkflowRun":
        with self.in_repo(full_name, f"reading run {run_id}") as repo:
            return repo.get_workflow_run(run_id)

    def refresh(self, item: "WorkflowRun | PullRequest", *, full_name: str) -> bool:
        """Re-read a run or a pull request with If-None-Match; False when GitHub answered 304 Not Modified."""
        from github.PullRequest import PullRequest

        what = f"reading pull request #{item.number}" if isinstance(item, PullRequest) else f"reading run {item.id}"
        with self.calling(what, repo=full_name):
            return item.update()

    def jobs(self, run: "WorkflowRun", etag: str | None, *, full_name: str) -> tuple[list[JobState] | None, str | None]:
        """The run's jobs (latest attempt), or None when unchanged since `etag` (a free 304)."""
        from github import GithubException

        requester = self._gh.requester
        headers = {"If-None-Match": etag} if etag else {}
        with self.calling(f"reading jobs of run {run.id}", repo=full_name):
            status, response_headers, body = requester.requestJson(
                "GET", f"{run.jobs_url}", parameters={"per_page": 100, "filter": "latest"}, headers=headers
            )
            if status == 304:
                return None, etag
            if status >= 400:
                data = json.loads(body) if body else None
                raise GithubException(status, data, response_headers)
        data = json.loads(body)
        new_etag = {k.lower(): v for k, v in response_headers.items()}.get("etag")
        jobs = [
            JobState(
                name=j["name"],
                status=j["status"],
                conclusion=j.get("conclusion"),
                steps=[
                    {
                        "name": s["name"],
                        "number": s.get("number"),
                        "status": s["status"],
                        "conclusion": s.get("conclusion"),
                    }
                    for s in j.get("steps") or []
                ],
                html_url=j.get("html_url"),
            )
            for j in data.get("jobs", [])
        ]
        return jobs, new_etag

    def rerun(self, run: "WorkflowRun", *, full_name: str) -> None:
        from github import GithubException

        with self.calling(f"re-running run {run.id}", repo=full_name, write=True):
            status, headers, body = self._gh.requester.requestJson("POST", run.rerun_url)
            if status >= 400:
                raise GithubException(status, json.loads(body) if body else None, headers)

    # --- releases, pull requests, branches -------------------------------------------------
    def create_release(self, full_name: str, tag: str, *, target: str, name: str, body: str) -> "GitRelease":
        with self.in_repo(full_name, f"publishing release {tag}", write=True) as repo:
            return repo.create_git_release(tag, name=name, message=body, target_commitish=target, make_latest="true")

    def releases(self, full_name: str, limit: int = 10) -> list["GitRelease"]:
        with self.in_repo(full_name, "listing releases") as repo:
            return list(itertools.islice(repo.get_releases(), limit))

    def pull(self, full_name: str, number: int) -> "PullRequest":
        with self.in_repo(full_name, f"reading pull request #{number}") as repo:
            return repo.get_pull(number)

    def add_label(self, pull: "PullRequest", label: str, *, full_name: str) -> None:
        with self.calling(f"adding the label {label!r} to pull request #{pull.number}", repo=full_name, write=True):
            pull.add_to_labels(label)

    def open_pulls(self, full_name: str, *, head: str, base: str) -> list["PullRequest"]:
        with self.in_repo(full_name, "listing pull requests") as repo:
            owner = full_name.split("/", 1)[0]
            return list(repo.get_pulls(state="open", head=f"{owner}:{head}", base=base))

    def create_branch(self, full_name: str, branch: str, sha: str) -> None:
        with self.in_repo(full_name, f"creating branch {branch}", write=True) as repo:
            repo.create_git_ref(f"refs/heads/{branch}", sha)

    def move_branch(self, full_name: str, branch: str, sha: str) -> None:
        """Point `branch` at `sha` even when that drops commits (a force push of a branch dandiops owns)."""
        repo = self.repo(full_name)
        with self.calling(f"moving branch {branch}", repo=full_name, write=True):
            repo.get_git_ref(f"heads/{branch}").edit(sha, force=True)

    def label_names(self, full_name: str) -> set[str]:
        repo = self.repo(full_name)
        with self.calling(f"listing the labels of {full_name}", repo=full_name):
            return {label.name for label in repo.get_labels()}

    def create_label(self, full_name: str, name: str, *, color: str, description: str) -> None:
        repo = self.repo(full_name)
        with self.calling(f"creating the label {name!r}", repo=full_name, write=True):
            repo.create_label(name, color, description)

    def edit_pull(self, pull: "PullRequest", *, full_name: str, title: str, body: str) -> None:
        with self.calling(f"updating pull request #{pull.number}", repo=full_name, write=True):
            pull.edit(title=title, body=body)

    def merge_pull(self, pull: "PullRequest", *, full_name: str, head_sha: str, title: str) -> str:
        """Merge with a merge commit, only if the head is still `head_sha`; returns the merge commit's sha."""
        with self.calling(f"merging pull request #{pull.number}", repo=full_name, write=True):
            status = pull.merge(commit_title=title, merge_method="merge", sha=head_sha)
        sha: str = status.sha
        return sha

    def update_file(
        self,
        full_name: str,
        path: str,
        *,
        message: str,
        content: str | bytes,
        sha: str | None,
        branch: str,
        what: str | None = None,
    ) -> str:
        """Commit new content for `path` on `branch` (a new file when `sha` is None); returns the commit sha."""
        with self.in_repo(full_name, what or f"updating {path} on {branch}", write=True) as repo:
            if sha is None:
                result = repo.create_file(path, message, content, branch=branch)
            else:
                result = repo.update_file(path, message, content, sha, branch=branch)
        return result["commit"].sha

    def commit_files(self, full_name: str, *, parent: str, files: Mapping[str, str], message: str) -> str:
        """One commit on top of `parent` that gives each path its text (a regular file), made with the git
        data API: a tree and a commit, two writes however many files (the contents API makes a commit, a
        write, per file); returns its sha. No branch moves: point one at it with create_branch or move_branch."""
        from github import InputGitTreeElement

        what = f"committing {', '.join(files)}"
        with self.in_repo(full_name, what, write=True) as repo:
            base = repo.get_git_commit(parent)
            elements = [InputGitTreeElement(path, "100644", "blob", content=text) for path, text in files.items()]
            tree = repo.create_git_tree(elements, base_tree=base.tree)
            return repo.create_git_commit(message, tree, [base]).sha

    def create_pull(self, full_name: str, *, base: str, head: str, title: str, body: str) -> "PullRequest":
        with self.in_repo(full_name, f"opening a pull request from {head}", write=True) as repo:
            return repo.create_pull(base=base, head=head, title=title, body=body)

    def rate_limit(self) -> RateLimitSummary:
        with self.calling("reading the rate limit"):
            core = self._gh.get_rate_limit().resources.core
        return {"limit": core.limit, "remaining": core.remaining, "reset": core.reset.isoformat()}


def _reset_note(headers: Mapping[str, str] | None) -> str:
    value = {k.lower(): v for k, v in (headers or {}).items()}.get("x-ratelimit-reset")
    if value and value.isdigit():
        moment = dt.datetime.fromtimestamp(int(value), dt.timezone.utc)
        return f"; it resets at {moment:%H:%M:%S} UTC"
    return ""


def _error_detail(item: Any) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, dict):
        if item.get("message"):
            return str(item["message"])
        return " ".join(str(item[k]) for k in ("resource", "field", "code") if item.get(k))
    return str(item)
