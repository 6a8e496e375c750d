"""The first deploy: the app gets code.

A new app has releases (its config vars, its add-ons) but no slug: Heroku refuses a one-off dyno
or a scale until a build is released, and process types exist only from the first deploy's
Procfile. When the app runs no release with a slug, this step follows the deploy that merging
the fork's pull request started (staging: the push to the default branch runs the staging
workflow; production: `auto shipit` publishes a release, which runs the production workflow), or
starts one as `dandiops release` would (a dispatch, a re-run, a published version tag), and waits
for the release phase. The deploy runs the fork as the steps before this one left it, so it acts
only once they are all done, and never while the deploy workflow builds another app.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dandiops.archive.workflows import WorkflowError, heroku_deploy_targets, is_auto_shipit
from dandiops.archive.workflows import parse as parse_workflow
from dandiops.core.errors import DandiopsError, ExitCode
from dandiops.providers.api_json import JsonObject
from dandiops.steps.base import Change, Check, InitStep, Status
from dandiops.steps.release.model import HerokuReleaseView, RunView, deploy_commit, read_workflow

if TYPE_CHECKING:
    from github.Workflow import Workflow
    from github.WorkflowRun import WorkflowRun

    from dandiops.app.context import Context
    from dandiops.providers.github import GitHubClient
    from dandiops.steps.release.model import ReleaseOutcome
    from dandiops.steps.release.trigger import Release

RELEASES_READ = 10
# Upstream's workflow that runs `auto shipit` on every push to the default branch (dandi-archive-facts §5).
AUTO_RELEASE_WORKFLOW = "release.yml"
# After a push (merging the fork's pull request), GitHub takes a few seconds to create its runs:
# look this many times for the run of the branch's head before starting a deploy of our own.
HEAD_RUN_LOOKS = 5
FIRST_VERSION = "v0.1.0"
_VERSION = re.compile(r"^v(\d+)\.(\d+)\.(\d+)$")


@dataclass
class Deploy:
    """How the first deploy happens: one of the kinds below, and the change the plan shows."""

    kind: str  # wait | follow | follow-auto | dispatch | rerun | tag
    change: Change
    run: "WorkflowRun | None" = None  # follow, follow-auto: the run to follow
    release: JsonObject | None = None  # wait: the Heroku release in its release phase
    ref: str | None = None  # dispatch and rerun: the branch or tag; tag: the version to publish


class InitObserver:
    """A deploy's progress as init's lines on stderr."""

    def __init__(self, ctx: "Context") -> None:
        self.reporter = ctx.reporter

    def info(self, message: str) -> None:
        self.reporter.info(message)

    def run_update(self, run: RunView, changes: list[str]) -> None:
        for change in changes:
            self.reporter.info(change)

    def heroku_update(self, release: HerokuReleaseView) -> None:
        self.reporter.info(f"heroku v{release.version} {release.status} ({release.description})")

    def done(self) -> None:
        pass


def next_version(tag: str | None) -> str:
    """The version after `tag` (its patch number plus one), or the first one."""
    match = _VERSION.match(tag or "")
    if match is None:
        return FIRST_VERSION
    major, minor, patch = (int(part) for part in match.groups())
    return f"v{major}.{minor}.{patch + 1}"


class FirstDeployStep(InitStep):
    name = "first-deploy"
    title = "First deploy of the API"
    deploys = True
    after_earlier_steps = True

    def __init__(self) -> None:
        self._deploy: Deploy | None = None

    # --- check -------------------------------------------------------------------------
    def releases(self, ctx: "Context") -> list[JsonObject]:
        return ctx.heroku().releases(ctx.env.heroku_app, limit=RELEASES_READ)

    def check(self, ctx: "Context") -> Check:
        releases = self.releases(ctx)
        current = next((r for r in releases if r["status"] == "succeeded"), None)
        if current is not None and current.get("slug"):
            return Check(Status.OK, f"v{current['version']} runs {_build_of(current, releases)}")
        releasing = _releasing(releases)
        if releasing is not None:
            return Check(
                Status.PENDING, f"v{releasing['version']} ({releasing['description']}) is in its release phase"
            )
        failed = next((r for r in releases if r["status"] == "failed" and r.get("slug")), None)
        details = (
            [
                f"v{failed['version']} ({failed['description']}) failed its release phase: "
                f"`heroku releases:output v{failed['version']} -a {ctx.env.heroku_app}` shows why"
            ]
            if failed
            else []
        )
        return Check(Status.PENDING, "nothing is deployed: the app has no release with a build", details)

    # --- plan ----------------------------------------------------------------------------
    def plan(self, ctx: "Context") -> list[Change]:
        if self.check(ctx).ok:
            return []
        self._deploy = self.choose(ctx)
        return [self._deploy.change]

    def choose(self, ctx: "Context") -> Deploy:
        """How to get the app its first build, from what GitHub and Heroku say now (reads only)."""
        app = ctx.env.heroku_app
        releasing = _releasing(self.releases(ctx))
        if releasing is not None:
            return Deploy(
                "wait",
                Change(f"release v{releasing['version']} of {app}", "wait for the release phase of"),
                release=releasing,
            )
        github = Fork(ctx)
        spec, workflow = github.spec, github.workflow
        others = [target for target in heroku_deploy_targets(spec) if target != app]
        if others:
            raise DandiopsError(
                f"{workflow.path} on {github.default_branch} deploys the Heroku app {others[0]}, not {app}",
                hint="the fork must name this app first: merge the pull request of init's fork step (or edit "
                "the workflow), then run `dandiops init` again",
                exit_code=ExitCode.CHECK_FAILED,
            )
        then = "then follow the release phase"
        running = next((run for run in github.runs() if run.status != "completed"), None)
        if running is not None:
            return Deploy(
                "follow",
                Change(
                    f"run #{running.run_number} of {github.workflow_file}",
                    "follow",
                    after=f"{running.event} on {running.head_branch} @ {running.head_sha[:7]}, {then}",
                ),
                run=running,
            )
        if spec.has_trigger("release"):
            auto = github.auto_release_run()
            if auto is not None and auto.status != "completed":
                return Deploy(
                    "follow-auto",
                    Change(
                        f"run #{auto.run_number} of {AUTO_RELEASE_WORKFLOW} (auto shipit)",
                        "follow",
                        after=f"then the {github.workflow_file} run of the release it publishes, {then}",
                    ),
                    run=auto,
                )
        branch = ctx.env.branch
        if spec.has_trigger("workflow_dispatch"):
            return Deploy(
                "dispatch", Change(github.workflow_file, "dispatch", after=f"on {branch}, {then}"), ref=branch
            )
        if spec.has_trigger("release"):
            published = github.latest_release_tag()
            last = github.runs(branch=published, event="release", limit=1) if published else []
            if last:
                return _rerun(github.workflow_file, last[0], then)
            tag = next_version(published)
            return Deploy(
                "tag",
                Change(
                    f"release {tag} of {github.full_name}",
                    "publish",
                    after=f"at {branch}, which runs {github.workflow_file}; {then}",
                ),
                ref=tag,
            )
        last = github.runs(branch=branch, limit=1)
        if last:
            return _rerun(github.workflow_file, last[0], then)
        raise DandiopsError(
            f"{github.workflow_file} has never run on {branch} and cannot be started on demand (no workflow_dispatch)",
            hint=f"push to {branch} (merging init's fork pull request does), or add the trigger with "
            f"`dandiops release {ctx.env.name} --enable-dispatch`, then run `dandiops init` again",
            exit_code=ExitCode.CHECK_FAILED,
        )

    # --- apply ---------------------------------------------------------------------------
    def apply(self, ctx: "Context", changes: list[Change]) -> list[Change]:
        if not changes:
            return []
        deploy = self._deploy or self.choose(ctx)
        if deploy.kind in ("dispatch", "rerun", "tag"):
            # a push a moment ago (the fork's merge) may be about to start the run to follow instead
            Fork(ctx).await_head_run()
            deploy = self.choose(ctx)
        self._deploy = None
        outcome = self._carry_out(ctx, deploy)
        if outcome.problem is not None:
            raise outcome.problem
        release = outcome.heroku_release
        assert release is not None  # a deploy without a problem ends with its Heroku release
        run = f" (run #{outcome.run.number})" if outcome.run is not None else ""
        return [
            Change(f"release v{release.version} of {ctx.env.heroku_app}", "deployed", after=release.description + run)
        ]

    def _carry_out(self, ctx: "Context", deploy: Deploy) -> "ReleaseOutcome":
        from dandiops.steps.release.trigger import Release, ReleaseRequest

        observer = InitObserver(ctx)
        if deploy.kind == "wait":
            assert deploy.release is not None
            return _wait_for_release_phase(ctx, deploy.release, Release(ctx, ReleaseRequest(), observer))
        if deploy.kind == "follow":
            assert deploy.run is not None
            ctx.record("release.follow", run_id=deploy.run.id)
            return Release(ctx, ReleaseRequest(), observer).follow(deploy.run)
        if deploy.kind == "follow-auto":
            assert deploy.run is not None
            ctx.record("release.follow", run_id=deploy.run.id, workflow=AUTO_RELEASE_WORKFLOW)
            return Release(ctx, ReleaseRequest(), observer).follow_auto_release(deploy.run)
        if deploy.kind == "dispatch":
            request = ReleaseRequest(ref=deploy.ref)
        elif deploy.kind == "rerun":
            request = ReleaseRequest(ref=deploy.ref, rerun=True)
        else:
            request = ReleaseRequest(tag=deploy.ref)
        return Release(ctx, request, observer).run()


def _build_of(current: JsonObject, releases: list[JsonObject]) -> str:
    """The build a release runs, named by the deploy that made it when that one is among `releases`."""
    slug = current["slug"]["id"]
    built = next(
        (
            r
            for r in releases
            if (r.get("slug") or {}).get("id") == slug
            and r["version"] <= current["version"]
            and deploy_commit(r["description"])
        ),
        None,
    )
    if built is None:
        return "a build"
    return f"the build of v{built['version']} ({built['description']})"


def _releasing(releases: list[JsonObject]) -> JsonObject | None:
    """A release with a build whose release phase is running."""
    return next((r for r in releases if r["status"] == "pending" and r.get("slug")), None)


def _rerun(workflow_file: str, run: "WorkflowRun", then: str) -> Deploy:
    return Deploy(
        "rerun",
        Change(
            f"run #{run.run_number} of {workflow_file}",
            "re-run",
            after=f"{run.event} on {run.head_branch} @ {run.head_sha[:7]}, {then}",
        ),
        ref=run.head_branch,
    )


def _wait_for_release_phase(ctx: "Context", release: JsonObject, follower: "Release") -> "ReleaseOutcome":
    from dandiops.core.errors import TimeoutExpired
    from dandiops.steps.release.watch import wait_for_heroku_release

    outcome = follower.outcome
    try:
        view = wait_for_heroku_release(
            ctx.heroku(),
            ctx.env.heroku_app,
            baseline=release["version"] - 1,
            commit=deploy_commit(release["description"]),
            poller=follower.poller,
            observer=follower.observer,
        )
    except TimeoutExpired as exc:
        outcome.problem = exc
        return outcome
    outcome.heroku_release = view
    if view.status != "succeeded":
        outcome.problem = DandiopsError(
            f"the release phase of v{view.version} of {ctx.env.heroku_app} failed",
            hint=f"read its output with `heroku releases:output v{view.version} -a {ctx.env.heroku_app}`, fix "
            "it and run `dandiops init` again",
            exit_code=ExitCode.FAILURE,
        )
    return outcome


class Fork:
    """The environment's deploy workflow on the fork, as the first deploy reads it."""

    def __init__(self, ctx: "Context") -> None:
        env = ctx.env
        self.ctx = ctx
        self.gh: GitHubClient = ctx.github()
        self.full_name = env.require("github_repo")
        self.workflow_file = env.deploy_workflow
        self.workflow: Workflow = self.gh.workflow(self.full_name, self.workflow_file)
        self.default_branch = self.gh.default_branch(self.full_name)
        _, self.spec = read_workflow(self.gh, self.full_name, self.workflow.path, self.default_branch)

    def runs(self, *, branch: str | None = None, event: str | None = None, limit: int = 10) -> list["WorkflowRun"]:
        return self.gh.runs(self.workflow, full_name=self.full_name, branch=branch, event=event, limit=limit)

    def auto_release_run(self) -> "WorkflowRun | None":
        """The newest run on the default branch of the workflow that runs `auto shipit`, if the fork has one."""
        found = self.gh.find_file(self.full_name, f".github/workflows/{AUTO_RELEASE_WORKFLOW}", self.default_branch)
        if found is None or found.content is None:
            return None
        try:
            spec = parse_workflow(found.content.decode("utf-8", "replace"), path=AUTO_RELEASE_WORKFLOW)
        except WorkflowError:
            return None  # GitHub cannot run it either: there is no auto release to wait for
        if not is_auto_shipit(spec):
            return None
        workflow = self.gh.workflow(self.full_name, AUTO_RELEASE_WORKFLOW)
        runs = self.gh.runs(workflow, full_name=self.full_name, branch=self.default_branch, limit=1)
        return runs[0] if runs else None

    def latest_release_tag(self) -> str | None:
        published = [r for r in self.gh.releases(self.full_name, limit=10) if not r.draft and not r.prerelease]
        return published[0].tag_name if published else None

    def await_head_run(self) -> None:
        """Give GitHub a few looks to create the run of the default branch's head (the workflow that
        runs on that push: the deploy workflow, or for a release-started deploy, auto shipit's)."""
        if self.spec.has_trigger("release"):
            found = self.gh.find_file(self.full_name, f".github/workflows/{AUTO_RELEASE_WORKFLOW}", self.default_branch)
            if found is None:
                return
            workflow = self.gh.workflow(self.full_name, AUTO_RELEASE_WORKFLOW)
        elif self.spec.runs_on_push(self.default_branch, None):
            workflow = self.workflow
        else:
            return
        from dandiops.steps.release.watch import POLL_INTERVAL_SETTING, Poller, poll_interval

        poller = Poller(poll_interval(self.ctx.setting(POLL_INTERVAL_SETTING)), None)
        head = self.gh.ref_sha(self.full_name, f"heads/{self.default_branch}")
        for look in range(HEAD_RUN_LOOKS):
            runs = self.gh.runs(workflow, full_name=self.full_name, branch=self.default_branch, limit=5)
            if any(run.head_sha == head for run in runs) or look == HEAD_RUN_LOOKS - 1:
                return
            poller.wait(f"looking for the run of {self.default_branch} @ {(head or '')[:7]}")
