"""What dandiops knows about a deploy workflow, its runs, a Heroku release, and how a release attempt ended."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any, Protocol, TypedDict

from dandiops.archive.workflows import WorkflowError, WorkflowSpec
from dandiops.archive.workflows import parse as parse_workflow
from dandiops.core.errors import ConfigError, DandiopsError, ExitCode
from dandiops.providers.api_json import JsonObject

if TYPE_CHECKING:
    from github.WorkflowRun import WorkflowRun

    from dandiops.providers.github import GitHubClient, JobState

COMPLETED = "completed"
_DEPLOY_COMMIT = re.compile(r"\b([0-9a-f]{7,40})\b")


def read_workflow(gh: "GitHubClient", full_name: str, path: str, branch: str) -> tuple[str, WorkflowSpec]:
    """The workflow file `path` as `branch` of `full_name` has it: its text, and what it says. A file
    that cannot be read as a workflow is a configuration error: GitHub cannot run it either."""
    text, _ = gh.file(full_name, path, ref=branch)
    try:
        return text, parse_workflow(text, path=path)
    except WorkflowError as exc:
        raise ConfigError(
            f"cannot read {path} on {branch}: {exc}", hint="fix the workflow file; GitHub cannot run it either"
        ) from None


@dataclass
class StepView:
    name: str
    status: str
    conclusion: str | None


@dataclass
class JobView:
    name: str
    status: str
    conclusion: str | None
    steps: list[StepView] = field(default_factory=list)


# The fields of a RunView that are a WorkflowRun's attributes as they are, by the attribute's name.
_RUN_ATTRIBUTES = {
    "id": "id",
    "number": "run_number",
    "attempt": "run_attempt",
    "workflow": "path",
    "event": "event",
    "branch": "head_branch",
    "sha": "head_sha",
    "status": "status",
    "conclusion": "conclusion",
    "url": "html_url",
}


@dataclass
class RunView:
    id: int
    number: int | None
    attempt: int | None
    workflow: str | None
    event: str | None
    branch: str | None
    sha: str | None
    status: str | None
    conclusion: str | None
    url: str | None
    created_at: str | None
    jobs: list[JobView] = field(default_factory=list)

    @property
    def completed(self) -> bool:
        return self.status == COMPLETED

    @classmethod
    def from_run(cls, run: "WorkflowRun", jobs: list["JobState"] | None = None) -> "RunView":
        created = getattr(run, "created_at", None)
        return cls(
            **{field: getattr(run, attribute) for field, attribute in _RUN_ATTRIBUTES.items()},
            created_at=created.strftime("%Y-%m-%dT%H:%M:%SZ") if created else None,
            jobs=[
                JobView(
                    j.name, j.status, j.conclusion, [StepView(s["name"], s["status"], s["conclusion"]) for s in j.steps]
                )
                for j in (jobs or [])
            ],
        )

    def summary(self) -> str:
        state = self.conclusion if self.completed else self.status
        sha = (self.sha or "")[:7]
        attempt = f" (attempt {self.attempt})" if self.attempt and self.attempt > 1 else ""
        return f"run #{self.number}{attempt} {state} on {self.branch} @ {sha}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class HerokuReleaseView:
    version: int
    status: str
    description: str
    commit: str | None
    created_at: str

    @classmethod
    def from_api(cls, release: JsonObject) -> "HerokuReleaseView":
        return cls(
            version=release["version"],
            status=release["status"],
            description=release["description"],
            commit=deploy_commit(release["description"]),
            created_at=release["created_at"],
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def deploy_commit(description: str) -> str | None:
    """The commit a Heroku build release names in its description ("Deploy 3e3c3c9c")."""
    if not description.lower().startswith("deploy"):
        return None
    match = _DEPLOY_COMMIT.search(description)
    return match.group(1) if match else None


class PullRequestSummary(TypedDict):
    number: int
    title: str
    url: str
    base: str
    labels: list[str]


@dataclass
class ReleaseOutcome:
    env: str
    app: str
    repo: str
    workflow: str
    trigger: str  # dispatch | rerun | tag | label | enable-dispatch | none
    dry_run: bool = False
    detached: bool = False
    planned: list[str] = field(default_factory=list)
    run: RunView | None = None
    heroku_release: HerokuReleaseView | None = None
    tag: str | None = None
    pull_request: PullRequestSummary | None = None
    problem: DandiopsError | None = None

    def to_dict(self) -> dict[str, Any]:
        data = {item.name: getattr(self, item.name) for item in fields(self) if item.name != "problem"}
        data.update(
            planned=list(self.planned),
            run=self.run.to_dict() if self.run else None,
            heroku_release=self.heroku_release.to_dict() if self.heroku_release else None,
        )
        problem = self.problem
        if problem is None:
            return {**data, "ok": True, "exit_code": int(ExitCode.OK), "error": None}
        error = {"message": problem.message, "hint": problem.hint}
        return {**data, "ok": False, "exit_code": int(problem.exit_code), "error": error}


class Observer(Protocol):
    """How the command shows progress; the steps call it and never print."""

    def info(self, message: str) -> None: ...

    def run_update(self, run: RunView, changes: list[str]) -> None: ...

    def heroku_update(self, release: HerokuReleaseView) -> None: ...

    def done(self) -> None: ...
