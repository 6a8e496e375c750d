"""Following a run and the Heroku release it produces, politely.

Polls at most every `interval` seconds (3 s unless DANDIOPS_POLL_INTERVAL says otherwise) and
re-reads the run and its jobs with If-None-Match, so an unchanged run costs a 304 that GitHub does
not charge to the rate limit. One deadline covers finding the run, watching it and waiting for the
release phase.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from dandiops.core.errors import TimeoutExpired
from dandiops.core.names import seconds_setting
from dandiops.steps.release.model import HerokuReleaseView, JobView, Observer, RunView, StepView, deploy_commit

if TYPE_CHECKING:
    from github.WorkflowRun import WorkflowRun

    from dandiops.providers.github import GitHubClient, JobState
    from dandiops.providers.heroku import HerokuClient

POLL_INTERVAL_SETTING = "DANDIOPS_POLL_INTERVAL"
DEFAULT_POLL_INTERVAL = 3.0
PENDING = "pending"


def poll_interval(setting: str | None) -> float:
    """DANDIOPS_POLL_INTERVAL in seconds. Unset means the default; anything but a finite number above 0
    is refused, as NaN or infinity would break or stall the wait and 0 would poll GitHub in a loop."""
    return seconds_setting(setting, POLL_INTERVAL_SETTING, DEFAULT_POLL_INTERVAL)


@dataclass
class Poller:
    interval: float
    timeout: float | None
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    started: float = field(default=0.0)

    def __post_init__(self) -> None:
        self.started = self.clock()

    @property
    def deadline(self) -> float | None:
        return None if self.timeout is None else self.started + self.timeout

    def remaining(self) -> float | None:
        return None if self.deadline is None else self.deadline - self.clock()

    def wait(self, what: str) -> None:
        """Sleep one interval, or raise TimeoutExpired when the deadline would pass first."""
        remaining = self.remaining()
        if remaining is not None and remaining <= 0:
            raise TimeoutExpired(
                f"timed out after {self.timeout:g} s {what}",
                hint="the remote work goes on: follow it with `dandiops release status`, or run again "
                "with a longer --timeout",
            )
        self.sleep(self.interval if remaining is None else min(self.interval, max(remaining, 0.0)))


def run_changes(before: RunView | None, after: RunView) -> list[str]:
    """One line per state change between two looks at a run, in the order they happened."""
    lines: list[str] = []
    if before is None or (before.status, before.conclusion, before.attempt) != (
        after.status,
        after.conclusion,
        after.attempt,
    ):
        if not after.completed:
            lines.append(f"{after.summary()}")
    old_jobs = {job.name: job for job in (before.jobs if before else [])}
    if before is not None and before.attempt != after.attempt:
        old_jobs = {}
    for job in after.jobs:
        old = old_jobs.get(job.name)
        job_line = None
        if old is None or (old.status, old.conclusion) != (job.status, job.conclusion):
            if job.status != "queued" or old is not None:
                job_line = f"job {job.name}: {_state(job)}"
        if job_line and job.status != "completed":
            lines.append(job_line)
        old_steps = {step.name: step for step in (old.steps if old else [])}
        for step in job.steps:
            prior = old_steps.get(step.name)
            if step.status == "queued" and prior is None:
                continue
            if prior is None or (prior.status, prior.conclusion) != (step.status, step.conclusion):
                lines.append(f"  {job.name} › {step.name}: {_state(step)}")
        if job_line and job.status == "completed":
            lines.append(job_line)
    if after.completed and (before is None or not before.completed or before.attempt != after.attempt):
        lines.append(after.summary())
    return lines


def _state(item: StepView | JobView) -> str:
    return item.conclusion if item.status == "completed" and item.conclusion else item.status


def watch_run(
    gh: "GitHubClient",
    full_name: str,
    run: "WorkflowRun",
    *,
    poller: Poller,
    observer: Observer,
    min_attempt: int = 1,
    last: RunView | None = None,
    on_view: Callable[[RunView], None] | None = None,
) -> RunView:
    """Follow `run` until it completes (its attempt `min_attempt` or later); returns the final view.

    `on_view` sees every view, so a caller still knows the last state when the deadline passes.
    """
    jobs: list[JobState] | None = None
    jobs_etag: str | None = None
    view = last
    while True:
        gh.refresh(run, full_name=full_name)
        current_attempt = run.run_attempt or 1
        fresh_attempt = current_attempt >= min_attempt
        if run.status != "queued" or jobs is None:
            fetched, jobs_etag = gh.jobs(run, jobs_etag, full_name=full_name)
            if fetched is not None:
                jobs = fetched
        new_view = RunView.from_run(run, jobs)
        if not fresh_attempt:
            new_view.status, new_view.conclusion = "queued", None
        changes = run_changes(view, new_view)
        if changes:
            observer.run_update(new_view, changes)
        view = new_view
        if on_view:
            on_view(view)
        if fresh_attempt and run.status == "completed":
            return view
        poller.wait(f"waiting for {view.summary()}")


def wait_for_heroku_release(
    heroku: "HerokuClient", app: str, *, baseline: int, commit: str | None, poller: Poller, observer: Observer
) -> HerokuReleaseView:
    """The first release of `app` newer than `baseline` that deploys `commit`, once its release phase ended."""
    seen: HerokuReleaseView | None = None
    while True:
        if seen is None:
            for release in sorted(heroku.releases(app, limit=10), key=lambda r: r["version"]):
                if release["version"] > baseline and deploys(release["description"], commit):
                    seen = HerokuReleaseView.from_api(release)
                    observer.heroku_update(seen)
                    break
        else:
            view = HerokuReleaseView.from_api(heroku.release(app, seen.version))
            if view.status != seen.status:
                observer.heroku_update(view)
            seen = view
        if seen is not None and seen.status != PENDING:
            return seen
        what = (
            f"waiting for the release phase of v{seen.version} of {app}"
            if seen
            else f"waiting for {app} to get a release of {(commit or '')[:8]}"
        )
        poller.wait(what)


def deploys(description: str, commit: str | None) -> bool:
    """Whether a release description is a build of `commit` ("Deploy 3e3c3c9c"; a bare "Deploy" too)."""
    if not description.lower().startswith("deploy"):
        return False
    named = deploy_commit(description)
    if named is None or commit is None:
        return True
    return commit.startswith(named) or named.startswith(commit)


def latest_version(heroku: "HerokuClient", app: str) -> int:
    releases = heroku.releases(app, limit=1)
    version: int = releases[0]["version"] if releases else 0
    return version
