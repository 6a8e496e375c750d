"""`dandiops release ENV`: trigger the environment's deploy workflow the way it allows, then follow it.

How a release starts follows the workflow file on the default branch:
- `workflow_dispatch`: dispatch it on --ref (default: the environment's branch);
- push only (upstream staging today): say so; --rerun re-runs the latest run on the branch,
  --enable-dispatch opens a pull request that adds the trigger;
- `release` (upstream production): --tag publishes a GitHub release; --pr labels an open pull
  request `release`, so that `auto shipit` releases it when it is merged.

Everything that can refuse (bad flags, a tag that exists, a closed pull request) is checked before
the first write; a dry run reads, plans and neither confirms nor writes. A dispatch or re-run whose
answer is lost is never sent again: GitHub is read to find out whether it happened. After the
trigger, failures are reported in the outcome, not raised, so the command can still print what
happened.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from dandiops.archive.workflows import WorkflowSpec, add_dispatch_trigger
from dandiops.archive.workflows import parse as parse_workflow
from dandiops.core.errors import (
    Cancelled,
    ConflictError,
    DandiopsError,
    MaybeAppliedError,
    NotFoundError,
    TimeoutExpired,
    UsageError,
)
from dandiops.core.names import check_duration
from dandiops.steps.release.model import Observer, PullRequestSummary, ReleaseOutcome, RunView, read_workflow
from dandiops.steps.release.watch import (
    POLL_INTERVAL_SETTING,
    Poller,
    deploys,
    latest_version,
    poll_interval,
    wait_for_heroku_release,
    watch_run,
)

if TYPE_CHECKING:
    from github.PullRequest import PullRequest
    from github.Workflow import Workflow
    from github.WorkflowRun import WorkflowRun

    from dandiops.app.context import Context
    from dandiops.providers.heroku import HerokuClient

# Looks on GitHub for a run (or a run's new attempt); None while it has not appeared.
RunLook = Callable[[], "WorkflowRun | None"]

RELEASE_LABEL = "release"
# SemVer's vMAJOR.MINOR.PATCH with an optional -pre-release, ASCII only: \d would also take other
# scripts' digits, and $ a trailing newline, and GitHub would publish either tag as given.
_NUMBER = r"(?:0|[1-9][0-9]*)"
_PRE_RELEASE_PART = r"(?:[0-9A-Za-z-]+)"
TAG_PATTERN = re.compile(
    rf"v{_NUMBER}\.{_NUMBER}\.{_NUMBER}(?:-{_PRE_RELEASE_PART}(?:\.{_PRE_RELEASE_PART})*)?", re.ASCII
)
CLOCK_SKEW = dt.timedelta(seconds=5)  # between this machine and GitHub when matching run times
DEFAULT_TIMEOUT = 1800.0
# After a write whose answer was lost: how many polls to look for its effect before calling it unknown.
RECONCILE_LOOKS = 10


@dataclass
class ReleaseRequest:
    ref: str | None = None
    rerun: bool = False
    enable_dispatch: bool = False
    tag: str | None = None
    pr: int | None = None
    wait: bool = False
    detach: bool = False
    timeout: float | None = DEFAULT_TIMEOUT
    dry_run: bool = False

    def validate(self) -> None:
        if self.tag is not None and self.pr is not None:
            raise UsageError(
                "--tag and --pr are two ways to release; pass only one",
                hint="--tag vX.Y.Z publishes a release now; --pr N releases when N is merged",
            )
        if (self.tag is not None or self.pr is not None) and (self.rerun or self.enable_dispatch):
            raise UsageError(
                "--rerun and --enable-dispatch do not combine with --tag or --pr", hint="pick one way to release"
            )
        if self.rerun and self.enable_dispatch:
            raise UsageError("--rerun and --enable-dispatch do not combine", hint="pick one")
        if self.tag is not None and not TAG_PATTERN.fullmatch(self.tag):
            raise UsageError(
                f"--tag {self.tag!r} is not a version tag like v1.2.3",
                hint="pass --tag vMAJOR.MINOR.PATCH in ASCII digits without leading zeros, optionally "
                "with a pre-release suffix, e.g. --tag v0.4.2 or --tag v0.5.0-rc.1",
            )
        if self.pr is not None and self.pr <= 0:
            raise UsageError(f"--pr {self.pr} is not a pull request number", hint="pass --pr N with N > 0")
        if self.wait and self.pr is None:
            raise UsageError(
                "--wait applies to --pr only", hint="--tag and dispatched releases are always followed unless --detach"
            )
        if self.timeout is not None:
            try:
                check_duration(self.timeout, "--timeout")
            except ValueError as exc:
                raise UsageError(str(exc), hint="pass e.g. --timeout 900") from None


class Release:
    """One `dandiops release` for the Context's environment."""

    def __init__(self, ctx: "Context", request: ReleaseRequest, observer: Observer) -> None:
        request.validate()
        self.ctx = ctx
        self.request = request
        self.observer = observer
        env = ctx.env
        self.env = env
        self.full_name = env.require("github_repo")
        self.workflow_file = env.deploy_workflow
        self.app = env.heroku_app
        self.gh = ctx.github()
        self.poller = Poller(poll_interval(ctx.setting(POLL_INTERVAL_SETTING)), request.timeout)
        self.outcome = ReleaseOutcome(
            env=env.name,
            app=self.app,
            repo=self.full_name,
            workflow=self.workflow_file,
            trigger="none",
            dry_run=request.dry_run,
        )
        self.baseline = 0
        self.min_attempt = 1  # the run attempt to follow: a re-run's new attempt, not the one it repeats

    @property
    def heroku(self) -> "HerokuClient":
        """Built on first use: opening a pull request (--enable-dispatch) needs no Heroku key."""
        return self.ctx.heroku()

    # --- entry ---------------------------------------------------------------------------
    def run(self) -> ReleaseOutcome:
        request = self.request
        workflow = self.gh.workflow(self.full_name, self.workflow_file)
        default_branch = self.gh.default_branch(self.full_name)
        text, spec = read_workflow(self.gh, self.full_name, workflow.path, default_branch)
        self.branch = request.ref or self.env.branch
        if request.tag is not None or request.pr is not None:
            if not spec.has_trigger("release"):
                raise UsageError(
                    f"{self.workflow_file} is not started by GitHub releases ({_triggers(spec)}), so --tag and --pr "
                    f"do not deploy {self.env.name}",
                    hint=f"run `dandiops release {self.env.name}` without them",
                )
            if request.tag is not None:
                run = self._publish_tag(workflow, request.tag)
            elif request.pr is not None:
                run = self._label_pull(workflow, request.pr)
        elif request.rerun:
            run = self._rerun(workflow)
        elif request.enable_dispatch:
            self._enable_dispatch(workflow, text, spec, default_branch)
            return self.outcome
        elif spec.has_trigger("workflow_dispatch"):
            run = self._dispatch(workflow)
        elif spec.has_trigger("release"):
            raise UsageError(
                f"{self.workflow_file} deploys {self.env.name} when a GitHub release is published; say which release",
                hint="pass --tag vX.Y.Z to publish one now, or --pr N to release pull request N when it is merged",
            )
        else:
            raise UsageError(
                f"{self.workflow_file} has no workflow_dispatch trigger: it runs on {_triggers(spec)}, "
                "so it cannot be started on demand",
                hint=f"pass --rerun to re-run the latest run on {self.branch}, or --enable-dispatch to open a pull "
                "request that adds the trigger",
            )
        if run is None or request.dry_run or request.detach:
            return self.outcome
        return self._follow(run)

    # --- triggers --------------------------------------------------------------------------
    def _confirm(self, action: str) -> None:
        """The one place a release asks for production confirmation: never on a dry run, which writes
        nothing and so has nothing to confirm (it only names the environment and app)."""
        if self.request.dry_run:
            self.ctx.announce(f"dry run of {action}")
        else:
            self.ctx.confirm_change(action)

    def _prepare_write(self, action: str) -> None:
        """Confirm a production change and note the release to wait past; nothing is written yet."""
        self._confirm(action)
        self.baseline = latest_version(self.heroku, self.app)

    def _dispatch(self, workflow: "Workflow") -> "WorkflowRun | None":
        self.outcome.trigger = "dispatch"
        self._prepare_write(f"deploying {self.branch} with {self.workflow_file}")
        if self.request.dry_run:
            self.outcome.planned.append(f"dispatch {self.workflow_file} on {self.branch}")
            return None
        since = _utcnow() - CLOCK_SKEW
        known = {
            r.id
            for r in self.gh.runs(
                workflow,
                full_name=self.full_name,
                branch=self.branch,
                event="workflow_dispatch",
                created_since=since,
                limit=30,
            )
        }

        def new_run() -> "WorkflowRun | None":
            return self._new_run(workflow, event="workflow_dispatch", branch=self.branch, since=since, known=known)

        try:
            run_id = self.gh.dispatch(workflow, self.branch, full_name=self.full_name)
        except MaybeAppliedError as exc:
            found = self._reconcile(exc, new_run, "release.dispatch", effect=f"a new run of {self.workflow_file}")
            self.ctx.record("release.dispatch", workflow=self.workflow_file, ref=self.branch, run_id=found.id)
            return self._found(found)
        self.ctx.record("release.dispatch", workflow=self.workflow_file, ref=self.branch, run_id=run_id)
        run: WorkflowRun | None
        if run_id is not None:
            run = self.gh.run(self.full_name, run_id)
        else:
            self.observer.info("GitHub did not return the run; looking for the run created after the dispatch")
            run = self._await(new_run, f"waiting for {self.workflow_file} to start on {self.branch}")
        return self._found(run)

    def _rerun(self, workflow: "Workflow") -> "WorkflowRun | None":
        self.outcome.trigger = "rerun"
        runs = self.gh.runs(workflow, full_name=self.full_name, branch=self.branch, limit=1)
        if not runs:
            raise NotFoundError(
                f"{self.workflow_file} has never run on {self.branch}: there is nothing to re-run",
                hint=f"push to {self.branch}, or use --enable-dispatch to allow manual runs",
            )
        latest = runs[0]
        head = self.gh.ref_sha(self.full_name, f"heads/{self.branch}")
        if head and latest.head_sha != head:
            self.observer.info(
                f"note: the latest run is for {latest.head_sha[:7]} but {self.branch} is at "
                f"{head[:7]}; a re-run deploys {latest.head_sha[:7]}"
            )
        if latest.status != "completed":
            self.observer.info(f"run #{latest.run_number} is still {latest.status}: following it instead of re-running")
            self.outcome.trigger = "follow"
            self._prepare_write(f"following run #{latest.run_number}")
            if self.request.dry_run:
                self.outcome.planned.append(
                    f"follow run #{latest.run_number} ({latest.head_sha[:7]}), which is "
                    f"{latest.status}, instead of re-running it"
                )
                return None
            return self._found(latest)
        self._prepare_write(f"re-running run #{latest.run_number} of {self.workflow_file}")
        if self.request.dry_run:
            self.outcome.planned.append(
                f"re-run run #{latest.run_number} ({latest.head_sha[:7]}) of {self.workflow_file}"
            )
            return None
        previous = latest.run_attempt or 1

        def new_attempt() -> "WorkflowRun | None":
            self.gh.refresh(latest, full_name=self.full_name)
            return latest if (latest.run_attempt or 1) > previous else None

        try:
            self.gh.rerun(latest, full_name=self.full_name)
        except MaybeAppliedError as exc:
            self._reconcile(
                exc, new_attempt, "release.rerun", effect=f"attempt {previous + 1} of run #{latest.run_number}"
            )
        else:
            # GitHub accepted the re-run; report the attempt it started, not the one it repeats
            self._await(new_attempt, f"waiting for GitHub to start attempt {previous + 1} of run #{latest.run_number}")
        self.ctx.record("release.rerun", workflow=self.workflow_file, run_id=latest.id, attempt=latest.run_attempt)
        self.min_attempt = latest.run_attempt
        return self._found(latest)

    def _publish_tag(self, workflow: "Workflow", tag: str) -> "WorkflowRun | None":
        self.outcome.trigger = "tag"
        self.outcome.tag = tag
        existing = self.gh.ref_sha(self.full_name, f"tags/{tag}")
        if existing is not None:
            raise ConflictError(
                f"tag {tag} already exists in {self.full_name} (at {existing[:7]})",
                hint="pick a version that does not exist yet; `dandiops release list` shows recent releases",
            )
        target = self.gh.ref_sha(self.full_name, f"heads/{self.branch}")
        if target is None:
            raise NotFoundError(
                f"branch {self.branch} not found in {self.full_name}",
                hint="pass --ref with an existing branch, or fix `branch` in dandiops.toml",
            )
        self._prepare_write(f"publishing release {tag} ({self.branch} @ {target[:7]})")
        if self.request.dry_run:
            self.outcome.planned.append(
                f"publish release {tag} at {self.branch} ({target[:7]}), which runs {self.workflow_file}"
            )
            return None
        since = _utcnow() - CLOCK_SKEW
        self.gh.create_release(
            self.full_name,
            tag,
            target=target,
            name=tag,
            body=f"Released with dandiops from {self.branch} at {target[:7]}.",
        )
        self.ctx.record("release.tag", tag=tag, target=target, workflow=self.workflow_file)
        return self._found(self._find_new_run(workflow, event="release", branch=tag, since=since, known=set()))

    def _label_pull(self, workflow: "Workflow", number: int) -> "WorkflowRun | None":
        self.outcome.trigger = "label"
        try:
            pull = self.gh.pull(self.full_name, number)
        except NotFoundError:
            raise NotFoundError(
                f"pull request #{number} not found in {self.full_name}",
                hint="check the number on the repository's Pull requests page",
            ) from None
        labels = [label.name for label in pull.labels]
        summary: PullRequestSummary = {
            "number": pull.number,
            "title": pull.title,
            "url": pull.html_url,
            "base": pull.base.ref,
            "labels": labels,
        }
        self.outcome.pull_request = summary
        if pull.merged:
            raise ConflictError(
                f"pull request #{number} is already merged; labelling it now releases nothing",
                hint="release what is on the branch with --tag vX.Y.Z instead",
            )
        if pull.state != "open":
            raise ConflictError(f"pull request #{number} is closed", hint="reopen it, or pick an open pull request")
        if pull.base.ref != self.branch:
            raise ConflictError(
                f"pull request #{number} targets {pull.base.ref}, not {self.branch}; only pull "
                f"requests merged into {self.branch} are released",
                hint=f"retarget it to {self.branch}, or pick another pull request",
            )
        if RELEASE_LABEL in labels:
            self.observer.info(f"#{number} already has the {RELEASE_LABEL!r} label; nothing to change")
            self.baseline = latest_version(self.heroku, self.app)
        else:
            self._prepare_write(f"labelling pull request #{number} for release")
            if self.request.dry_run:
                self.outcome.planned.append(f"add the {RELEASE_LABEL!r} label to #{number} ({pull.title})")
                return None
            self.gh.add_label(pull, RELEASE_LABEL, full_name=self.full_name)
            self.ctx.record("release.label", pull_request=number, label=RELEASE_LABEL)
            summary["labels"] = labels + [RELEASE_LABEL]
        self.observer.info(
            f"#{number} will be released when it is merged: release.yml (auto shipit) then tags the "
            f"next version and publishes a GitHub release, which runs {self.workflow_file}"
        )
        if not self.request.wait:
            return None
        return self._wait_for_merge_release(workflow, pull)

    def _wait_for_merge_release(self, workflow: "Workflow", pull: "PullRequest") -> "WorkflowRun | None":
        known = {release.id for release in self.gh.releases(self.full_name, limit=10)}
        while True:
            self.gh.refresh(pull, full_name=self.full_name)
            if pull.merged:
                break
            if pull.state == "closed":
                raise ConflictError(
                    f"pull request #{pull.number} was closed without being merged; nothing was released",
                    hint="reopen and merge it, or use --tag",
                )
            self.poller.wait(f"waiting for pull request #{pull.number} to be merged")
        self.observer.info(f"#{pull.number} was merged as {pull.merge_commit_sha[:7]}; waiting for its release")
        assert pull.merged_at is not None  # GitHub sets it whenever `merged` is true
        since = pull.merged_at.astimezone(dt.timezone.utc) - CLOCK_SKEW
        return self._published_release_run(workflow, since, known, f"the release of #{pull.number}")

    def _published_release_run(
        self, workflow: "Workflow", since: dt.datetime, known: set[int], what: str
    ) -> "WorkflowRun | None":
        """The run of `workflow` started by the first release published since `since` (not in `known`)."""
        while True:
            fresh = [
                r
                for r in self.gh.releases(self.full_name, limit=10)
                if r.id not in known
                and r.published_at
                and not r.prerelease
                and r.published_at.astimezone(dt.timezone.utc) >= since
            ]
            if fresh:
                tag = fresh[0].tag_name
                break
            self.poller.wait(f"waiting for {what} to be published")
        self.outcome.tag = tag
        self.observer.info(f"release {tag} published")
        return self._found(self._find_new_run(workflow, event="release", branch=tag, since=since, known=set()))

    # --- following what something else started ----------------------------------------------
    def follow(self, run: "WorkflowRun") -> ReleaseOutcome:
        """Follow a deploy run that something else started (a push, a published release) to the
        release phase of the Heroku release it makes."""
        self.outcome.trigger = "follow"
        self.baseline = _version_before(self.heroku, self.app, run.head_sha)
        self._found(run)
        return self._follow(run)

    def follow_auto_release(self, auto_run: "WorkflowRun") -> ReleaseOutcome:
        """Follow a run of the workflow that runs `auto shipit` (release.yml) to its end, then the
        deploy run that the release it publishes starts, to the release phase."""
        self.outcome.trigger = "follow"
        assert auto_run.created_at is not None  # GitHub gives every run its creation time
        # The run may publish its release before this first look: only what was published before the run
        # started (GitHub's clock on both sides) is known already.
        known = {
            release.id
            for release in self.gh.releases(self.full_name, limit=10)
            if release.published_at is not None and release.published_at < auto_run.created_at
        }
        try:
            auto = watch_run(self.gh, self.full_name, auto_run, poller=self.poller, observer=self.observer)
            if auto.conclusion != "success":
                self.outcome.problem = _run_problem(auto)
                return self.outcome
            since = auto_run.created_at.astimezone(dt.timezone.utc) - CLOCK_SKEW
            workflow = self.gh.workflow(self.full_name, self.workflow_file)
            run = self._published_release_run(workflow, since, known, f"the release of run #{auto.number}")
        except TimeoutExpired as exc:
            self.outcome.problem = exc
            return self.outcome
        assert run is not None  # _find_new_run waits until there is one (or the deadline passes)
        self.baseline = _version_before(self.heroku, self.app, run.head_sha)
        return self._follow(run)

    def _enable_dispatch(self, workflow: "Workflow", text: str, spec: WorkflowSpec, default_branch: str) -> None:
        self.outcome.trigger = "enable-dispatch"
        if spec.has_trigger("workflow_dispatch"):
            self.observer.info(f"{self.workflow_file} already declares workflow_dispatch; nothing to change")
            self.outcome.trigger = "none"
            return
        stem = self.workflow_file.rsplit(".", 1)[0]
        branch = f"dandiops/enable-dispatch-{stem}"
        existing = self.gh.open_pulls(self.full_name, head=branch, base=default_branch)
        if existing:
            pull = existing[0]
            self.outcome.pull_request = {
                "number": pull.number,
                "title": pull.title,
                "url": pull.html_url,
                "base": default_branch,
                "labels": [label.name for label in pull.labels],
            }
            self.observer.info(f"pull request #{pull.number} already adds workflow_dispatch: {pull.html_url}")
            return
        self._confirm(f"opening a pull request that adds workflow_dispatch to {self.workflow_file}")
        title = f"Allow manual deploys: add workflow_dispatch to {self.workflow_file}"
        if self.request.dry_run:
            self.outcome.planned += [
                f"create branch {branch} from {default_branch}",
                f"commit {workflow.path} with a workflow_dispatch trigger",
                f"open a pull request: {title}",
            ]
            return
        head = self.gh.ref_sha(self.full_name, f"heads/{default_branch}")
        if head is None:  # it held the workflow file a moment ago: deleted since
            raise NotFoundError(
                f"branch {default_branch} not found in {self.full_name}",
                hint="check the repository's default branch and run again",
            )
        if self.gh.ref_sha(self.full_name, f"heads/{branch}") is None:
            self.gh.create_branch(self.full_name, branch, head)
        current, blob = self.gh.file(self.full_name, workflow.path, ref=branch)
        if parse_workflow(current, path=workflow.path).has_trigger("workflow_dispatch") is False:
            self.gh.update_file(
                self.full_name,
                workflow.path,
                message=title,
                content=add_dispatch_trigger(current),
                sha=blob,
                branch=branch,
            )
        body = (
            f"`dandiops release {self.env.name}` dispatches `{self.workflow_file}` when it declares "
            "`workflow_dispatch`. The push trigger stays: merging to the branch still deploys.\n\n"
            "Opened by `dandiops release --enable-dispatch`."
        )
        pull = self.gh.create_pull(self.full_name, base=default_branch, head=branch, title=title, body=body)
        self.ctx.record("release.enable-dispatch", workflow=self.workflow_file, pull_request=pull.number)
        self.outcome.pull_request = {
            "number": pull.number,
            "title": pull.title,
            "url": pull.html_url,
            "base": default_branch,
            "labels": [],
        }

    # --- finding and following the run ----------------------------------------------------------
    def _new_run(
        self, workflow: "Workflow", *, event: str, branch: str, since: dt.datetime, known: set[int]
    ) -> "WorkflowRun | None":
        """The earliest run of `workflow` created since `since` that is not in `known`, or None."""
        runs = self.gh.runs(
            workflow, full_name=self.full_name, branch=branch, event=event, created_since=since, limit=30
        )
        new = [run for run in runs if run.id not in known]
        return min(new, key=lambda run: run.id) if new else None

    def _find_new_run(
        self, workflow: "Workflow", *, event: str, branch: str, since: dt.datetime, known: set[int]
    ) -> "WorkflowRun | None":
        return self._await(
            lambda: self._new_run(workflow, event=event, branch=branch, since=since, known=known),
            f"waiting for {self.workflow_file} to start on {branch}",
        )

    def _await(self, look: RunLook, what: str, *, looks: int | None = None) -> "WorkflowRun | None":
        """Call `look` once per poll until it returns something; None after `looks` empty looks (or raise
        TimeoutExpired at the deadline)."""
        done = 0
        while True:
            found = look()
            done += 1
            if found is not None or (looks is not None and done >= looks):
                return found
            self.poller.wait(what)

    def _reconcile(self, exc: MaybeAppliedError, look: RunLook, action: str, *, effect: str) -> "WorkflowRun":
        """After a write whose answer was lost: look on GitHub for its `effect` instead of sending it again
        (a second dispatch or re-run would deploy twice). Not found: the outcome stays unknown, and the
        command audits `action` as such."""
        self.observer.info(f"{exc.message}; looking on GitHub for {effect} instead of sending it again")
        found = self._await(look, f"looking for {effect}", looks=RECONCILE_LOOKS)
        if found is None:
            raise MaybeAppliedError(
                f"{exc.message}, and {effect} did not show up on GitHub in {RECONCILE_LOOKS} looks; the request "
                "was not retried",
                hint=f"see whether a run started with `dandiops release status {self.env.name}`, and run again "
                "only if none did",
                action=action,
            )
        attempt = f" attempt {found.run_attempt}" if (found.run_attempt or 1) > 1 else ""
        self.observer.info(f"GitHub did carry it out: run #{found.run_number}{attempt}")
        return found

    def _found(self, run: "WorkflowRun | None") -> "WorkflowRun | None":
        view = RunView.from_run(run) if run is not None and run.run_number is not None else None
        if view is not None:
            self.outcome.run = view
        if self.request.detach and view is not None:
            self.outcome.detached = True
        return run

    def _follow(self, run: "WorkflowRun") -> ReleaseOutcome:
        outcome = self.outcome
        try:
            final = watch_run(
                self.gh,
                self.full_name,
                run,
                poller=self.poller,
                observer=self.observer,
                min_attempt=self.min_attempt,
                on_view=lambda view: setattr(outcome, "run", view),
            )
            outcome.run = final
            if final.conclusion != "success":
                outcome.problem = _run_problem(final)
                return outcome
            release = wait_for_heroku_release(
                self.heroku,
                self.app,
                baseline=self.baseline,
                commit=final.sha,
                poller=self.poller,
                observer=self.observer,
            )
            outcome.heroku_release = release
            if release.status != "succeeded":
                outcome.problem = DandiopsError(
                    f"the release phase of v{release.version} of {self.app} failed; {self.app} still runs the "
                    "previous release",
                    hint=f"read its output with `heroku releases:output v{release.version} -a {self.app}`, fix the "
                    "migration and release again",
                )
        except TimeoutExpired as exc:
            outcome.problem = exc
        return outcome


def _run_problem(run: RunView) -> DandiopsError:
    failed = [
        f"{job.name} › {step.name}"
        for job in run.jobs
        for step in job.steps
        if step.conclusion in ("failure", "cancelled", "timed_out")
    ]
    where = f" at {failed[0]}" if failed else ""
    if run.conclusion == "cancelled":
        return Cancelled(
            f"{run.summary()}{where}: the deploy was cancelled (the workflow cancels a run when a newer one starts)",
            hint=f"see {run.url}; `dandiops release status` shows the newer run",
        )
    if run.conclusion == "timed_out":
        return TimeoutExpired(
            f"{run.summary()}{where}: GitHub stopped the run at its time limit", hint=f"see {run.url}"
        )
    return DandiopsError(f"{run.summary()}{where}: nothing was released", hint=f"read the logs at {run.url}")


def _version_before(heroku: "HerokuClient", app: str, commit: str | None) -> int:
    """The newest release of `app` that is not a deploy of `commit`: a run already under way may have
    made its release, which must not be skipped."""
    for release in heroku.releases(app, limit=10):
        if commit is None or not deploys(release["description"], commit):
            version: int = release["version"]
            return version
    return 0


def _triggers(spec: WorkflowSpec) -> str:
    parts = []
    for name, config in spec.triggers.items():
        if name == "push" and isinstance(config, dict) and config.get("branches"):
            branches = config["branches"]
            parts.append(f"push to {', '.join(branches) if isinstance(branches, list) else branches}")
        elif name == "release" and isinstance(config, dict) and config.get("types"):
            types = config["types"]
            parts.append(f"release {', '.join(types) if isinstance(types, list) else types}")
        else:
            parts.append(name)
    return " and ".join(parts) or "no trigger"


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
