"""The init engine: ordered steps, checked first, then planned and applied one by one.

1. Every selected step is checked (read-only). A failed check stops the run before any change.
   A step that cannot be checked because the app does not exist yet waits for the
   infrastructure step to create it.
2. Without a terminal, every answer the pending steps will need is looked up first, so a missing
   one stops the run before any change, naming all of them.
3. Each pending step plans (asking its questions) and applies; production asks once to confirm.
   --dry-run plans without asking or writing and reports the plans.
A step that is already fine is never planned or applied, so a run on a finished deployment is
reads only. Steps whose check starts a one-off dyno are checked that way once; afterwards the
state file remembers the result for this database add-on (RememberedChecks), so re-running init
starts no dyno and writes nothing (`--recheck STEP` checks with a dyno again).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Collection, NamedTuple, Sequence

from dandiops.core.errors import DandiopsError, ExitCode, NotFoundError, UsageError
from dandiops.core.files import utc_stamp
from dandiops.core.prompting import Interrupted
from dandiops.steps.base import Change, Check, InitStep, OperatorTask, Status

if TYPE_CHECKING:
    from dandiops.app.context import Context
    from dandiops.app.questions import Answers
    from dandiops.wizard.ending import Ending
    from dandiops.wizard.state import InitState
    from dandiops.wizard.verification import Verification

DONE = {Status.OK, Status.APPLIED, Status.CONFIRMED, Status.SKIPPED}
INFRASTRUCTURE = "infrastructure"
AFTER_FIRST_DEPLOY = "after the first deploy"


@dataclass
class StepOutcome:
    name: str
    title: str
    status: Status
    detail: str
    details: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    operator_tasks: list[OperatorTask] = field(default_factory=list)  # left for the operator (see InitStep)

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.name,
            "title": self.title,
            "status": self.status.value,
            "detail": self.detail,
            "details": list(self.details),
            "changes": [c.to_dict() for c in self.changes],
        }


def changed_key(step_name: str) -> str:
    """The state file's memo of when init last changed what the step sets up: {"at": UTC, ISO 8601 to the second}."""
    return f"changed.{step_name}"


@dataclass
class WizardResult:
    outcomes: list[StepOutcome]
    dry_run: bool
    error: DandiopsError | None = None
    resumed_from: str | None = None
    not_selected: list[str] = field(default_factory=list)  # left out by --only / --from
    writes: int = 0  # write requests this run sent to Heroku, GitHub and AWS
    env_name: str = ""  # the environment it ran for, named in the commands its end suggests
    verification: "Verification | None" = None  # verify's checks after the steps (wizard/verification.py)

    @property
    def incomplete(self) -> list[StepOutcome]:
        return [o for o in self.outcomes if o.status not in DONE]

    def end(self) -> "Ending":
        from dandiops.wizard.ending import ending

        return ending(self)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "resumed_from": self.resumed_from,
            "steps": [o.to_dict() for o in self.outcomes],
            "ran": [o.name for o in self.outcomes],
            "not_run": list(self.not_selected),
            "writes": self.writes,
            "end": self.end().to_dict(),
            "verify": None if self.verification is None else self.verification.to_dict(),
            "error": None
            if self.error is None
            else {"message": self.error.message, "hint": self.error.hint, "exit_code": int(self.error.exit_code)},
        }


def validate_selection(names: Sequence[str], only: Sequence[str] = (), start: str | None = None) -> list[str]:
    """The step names --only asks for; a UsageError naming the valid steps for any unknown one."""
    wanted = [name.strip() for value in only for name in value.split(",") if name.strip()]
    for name in [*wanted, *([start] if start else [])]:
        if name not in names:
            raise UsageError(f"unknown step {name!r}", hint=f"steps are: {', '.join(names)}")
    if wanted and start:
        raise UsageError("--only and --from cannot be combined", hint="use one of them")
    return wanted


def select_steps(steps: Sequence[InitStep], only: Sequence[str] = (), start: str | None = None) -> list[InitStep]:
    names = [step.name for step in steps]
    wanted = validate_selection(names, only, start)
    if wanted:
        return [step for step in steps if step.name in wanted]
    if start:
        return list(steps[names.index(start) :])
    return list(steps)


class RememberedChecks:
    """Checks that start a one-off dyno (a write), remembered in the state file once they pass.

    A record holds the Postgres add-on behind DATABASE_URL and the answers the check depends on: a
    new database, or a changed answer, checks with a dyno again.
    """

    def __init__(self, ctx: "Context", answers: "Answers", recheck: Collection[str] = ()):
        self.ctx = ctx
        self.answers = answers
        self.recheck = set(recheck)
        self._database: str | None = None

    @staticmethod
    def key(step: InitStep) -> str:
        return f"dyno-check.{step.name}"

    def database_changed(self) -> None:
        """A step made changes: find the database again rather than trust what was read before."""
        self._database = None

    def fingerprint(self, step: InitStep) -> str:
        if self._database is None:
            from dandiops.providers.heroku_data import NoDatabaseError, database_attachment

            try:
                self._database = database_attachment(self.ctx.heroku(), self.ctx.env.heroku_app).addon_id
            except NoDatabaseError:
                self._database = "none"
        inputs = step.remembered_inputs()
        return f"{self._database}{':' + inputs if inputs else ''}"

    def recall(self, step: InitStep) -> Check | None:
        """The check from the state file alone (no dyno), or None when it must run."""
        record = self.answers.recall(self.key(step))
        if step.name in self.recheck or not record or record.get("fingerprint") != self.fingerprint(step):
            return None
        if not isinstance(record.get("at"), str):
            return None  # an edited record: check again rather than trust it
        return Check(
            Status.OK,
            f"done on {record['at']} for this database (remembered; --recheck "
            f"{step.name} checks again with a one-off dyno)",
        )

    def remember(self, step: InitStep) -> None:
        self.answers.remember(
            self.key(step),
            {
                "fingerprint": self.fingerprint(step),
                "at": utc_stamp(),
            },
        )


class Checked(NamedTuple):
    check: Check | None
    error: DandiopsError | None = None
    waits_for_app: bool = False  # not checkable before the infrastructure step creates the app


class Wizard:
    def __init__(
        self,
        ctx: "Context",
        steps: Sequence[InitStep],
        answers: "Answers",
        state: "InitState",
        *,
        dry_run: bool = False,
        recheck: Collection[str] = (),
        deploy_step: InitStep | None = None,
    ):
        """`deploy_step` makes the app's first build (see InitStep.deploys): the steps that need one wait
        for it, and when it is not among `steps` its check alone says whether the app has one."""
        self.ctx = ctx
        self.steps = list(steps)
        self.deploy_step = deploy_step
        self.answers = answers
        self.state = state
        self.dry_run = dry_run
        self.remembered = RememberedChecks(ctx, answers, recheck)
        self._infrastructure_pending = False
        self._production_confirmed = False
        self._deployed: bool | None = None  # whether the app runs a build; None until known
        self._awaiting_deploy: set[str] = set()  # steps checked only once the app runs a build

    def _progress(self, message: str) -> None:
        self.ctx.reporter.step(message)

    # --- phase 1 ---------------------------------------------------------------------------------
    def _check(self, step: InitStep, infrastructure_pending: bool) -> Checked:
        try:
            return Checked(self._checked(step))
        except NotFoundError as exc:
            if infrastructure_pending:
                return Checked(
                    Check(Status.PENDING, "after the infrastructure step creates the app"), waits_for_app=True
                )
            return Checked(None, exc)
        except Interrupted:
            raise
        except DandiopsError as exc:
            return Checked(None, exc)

    def _checked(self, step: InitStep) -> Check:
        """The step's check; for a remembered step, the state file's record when it still holds."""
        if not step.remembered:
            return step.check(self.ctx)
        remembered = self.remembered.recall(step)
        if remembered is not None:
            return remembered
        if self.dry_run:
            return Check(Status.PENDING, "not checked in a dry run: checking starts a one-off dyno")
        check = step.check(self.ctx)
        if check.ok:
            self.remembered.remember(step)
        return check

    def _failed(self, result: WizardResult, step: InitStep, checked: Checked) -> WizardResult:
        check, error = checked.check, checked.error
        if error is not None:
            result.outcomes.append(
                StepOutcome(step.name, step.title, Status.FAILED, error.message, [error.hint] if error.hint else [])
            )
            result.error = error
        else:
            assert check is not None
            result.outcomes.append(
                StepOutcome(
                    step.name,
                    step.title,
                    Status.FAILED,
                    check.summary,
                    check.details + ([check.hint] if check.hint else []),
                )
            )
            result.error = DandiopsError(
                f"{step.name}: {check.summary}",
                hint=check.hint or "fix it, then run `dandiops init` again",
                exit_code=ExitCode.CHECK_FAILED,
            )
        return self._finish(result, stopped_at=step)

    def run(self) -> WizardResult:
        result = WizardResult([], self.dry_run, resumed_from=self.state.interrupted_at)
        checks: dict[str, Check] = {}
        deferred: set[str] = set()  # checked in phase 2, once the steps before them are applied
        earlier_pending = False
        current = None
        try:
            for step in self.steps:
                current = step.name
                if step.needs_deploy and not self._has_build():
                    # a one-off dyno or a scale on an app with no code: Heroku refuses it
                    checks[step.name] = Check(Status.PENDING, AFTER_FIRST_DEPLOY)
                    deferred.add(step.name)
                    self._awaiting_deploy.add(step.name)
                    earlier_pending = True
                    continue
                if step.needs_ready_app and earlier_pending:
                    # e.g. a one-off dyno would crash on config the earlier steps have yet to set
                    remembered = self.remembered.recall(step) if step.remembered else None
                    if remembered is None:
                        checks[step.name] = Check(Status.PENDING, "checked once the steps before it are done")
                        deferred.add(step.name)
                    else:
                        checks[step.name] = remembered
                    continue
                self._progress(f"{step.name}: checking")
                checked = self._check(step, self._infrastructure_pending)
                if checked.check is None or checked.check.status == Status.FAILED:
                    return self._failed(result, step, checked)
                check = checks[step.name] = checked.check
                if step.deploys:
                    self._deployed = check.ok
                if check.status == Status.PENDING:
                    earlier_pending = True
                    if step.name == INFRASTRUCTURE:
                        self._infrastructure_pending = True
                    elif checked.waits_for_app:
                        deferred.add(step.name)

            pending = [s for s in self.steps if checks[s.name].status in (Status.PENDING, Status.MANUAL)]
            if not self.dry_run and pending and not self.answers.interactive:
                try:
                    self._fail_fast(pending)
                except DandiopsError as exc:
                    result.outcomes = [
                        StepOutcome(
                            s.name, s.title, checks[s.name].status, checks[s.name].summary, checks[s.name].details
                        )
                        for s in self.steps
                    ]
                    result.error = exc
                    return self._finish(result)

            for step in self.steps:
                current = step.name
                check = checks[step.name]
                waiting = self._waiting(step, check, result)
                if waiting is not None:
                    result.outcomes.append(StepOutcome(step.name, step.title, Status.PENDING, waiting, check.details))
                    continue
                if step.name in deferred and not self.dry_run:
                    self._progress(f"{step.name}: checking")
                    checked = self._check(step, False)
                    if checked.check is None or checked.check.status == Status.FAILED:
                        return self._failed(result, step, checked)
                    check = checked.check
                    if step.deploys:
                        self._deployed = check.ok
                if check.status not in (Status.PENDING, Status.MANUAL):
                    result.outcomes.append(
                        StepOutcome(
                            step.name, step.title, check.status, check.summary, check.details, [], self._tasks(step)
                        )
                    )
                    continue
                outcome, error = self._plan_and_apply(step, check)
                if error is None:
                    outcome.operator_tasks += self._tasks(step)
                result.outcomes.append(outcome)
                if error is not None:
                    result.error = error
                    return self._finish(result, stopped_at=step)
        except (Interrupted, KeyboardInterrupt):
            if not self.dry_run:
                self.state.mark_interrupted(current)
            raise
        except DandiopsError as exc:
            result.error = exc
            return self._finish(result)
        if not self.dry_run and self.state.interrupted_at:
            self.state.mark_interrupted(None)
        return self._finish(result)

    def _tasks(self, step: InitStep) -> list[OperatorTask]:
        try:
            return step.operator_tasks(self.ctx)
        except DandiopsError:  # what is left is said from what was read: never a reason to stop
            return []

    def _has_build(self) -> bool:
        """Whether the app runs a release with a build: the deploy step's check, run here when it is not selected."""
        if self._deployed is None:
            step = self.deploy_step
            if step is None:
                return True  # nothing in this run makes builds: nothing waits for one
            if step in self.steps:
                return False  # selected, yet not checked before a step that needs its build
            try:
                self._deployed = step.check(self.ctx).ok
            except NotFoundError:
                self._deployed = False  # no app yet
        return self._deployed

    def _waiting(self, step: InitStep, check: Check, result: WizardResult) -> str | None:
        """Why a step is left pending in phase 2 without being planned, or None when it goes ahead."""
        if step.name in self._awaiting_deploy and (self.dry_run or not self._deployed):
            return AFTER_FIRST_DEPLOY
        if step.after_earlier_steps and check.status == Status.PENDING:
            unfinished = [o.name for o in result.outcomes if o.status not in DONE]
            if unfinished:
                return f"once the steps before it are done ({', '.join(unfinished)})"
        return None

    def _finish(self, result: WizardResult, stopped_at: InitStep | None = None) -> WizardResult:
        if stopped_at is not None:
            reported = {o.name for o in result.outcomes}
            for step in self.steps:
                if step.name not in reported:
                    result.outcomes.append(
                        StepOutcome(step.name, step.title, Status.SKIPPED, f"not reached: stopped at {stopped_at.name}")
                    )
        if not self.dry_run:
            self.state.save()
        return result

    # --- phase 2 ---------------------------------------------------------------------------------
    def _fail_fast(self, pending: list[InitStep]) -> None:
        questions = []
        for step in pending:
            try:
                questions.extend(step.questions(self.ctx))
            except NotFoundError:
                continue
        missing = self.answers.unanswered(questions)
        if missing:
            raise self.answers.missing_error(missing)

    def _plan(self, step: InitStep) -> list[Change]:
        if step.remembered and self.dry_run:
            return [Change(step.title, "check with a one-off dyno, then create if missing")]
        return step.plan(self.ctx)

    def _plan_and_apply(self, step: InitStep, check: Check) -> tuple[StepOutcome, DandiopsError | None]:
        self._progress(f"{step.name}: {'planning' if self.dry_run else 'applying'}")
        try:
            changes = self._plan(step)
            if self.dry_run:
                detail = check.summary if changes else f"{check.summary} (nothing dandiops can change yet)"
                return StepOutcome(step.name, step.title, check.status, detail, check.details, changes), None
            if not changes:
                return StepOutcome(step.name, step.title, check.status, check.summary, check.details), None
            if check.status == Status.PENDING and not self._production_confirmed:
                self.ctx.confirm_change("dandiops init")  # once, before the first remote change
                self._production_confirmed = True
            applied = step.apply(self.ctx, changes)
            # kept at once: a run interrupted after this step still tells the next when it changed things
            self.answers.remember(changed_key(step.name), {"at": utc_stamp()})
            if applied:
                self.remembered.database_changed()
            if step.remembered:
                self.remembered.remember(step)
        except (Interrupted, KeyboardInterrupt):
            raise
        except NotFoundError as exc:
            if self.dry_run and self._infrastructure_pending:
                return StepOutcome(
                    step.name, step.title, Status.PENDING, "planned once the infrastructure step has created the app"
                ), None
            return StepOutcome(step.name, step.title, Status.FAILED, exc.message, [exc.hint] if exc.hint else []), exc
        except DandiopsError as exc:
            outcome = StepOutcome(step.name, step.title, Status.FAILED, exc.message, [exc.hint] if exc.hint else [])
            return outcome, exc
        if step.deploys:
            self._deployed = True
        if not applied:
            return StepOutcome(step.name, step.title, check.status, check.summary, check.details), None
        described = [change.describe() for change in applied]
        left = step.remaining(self.ctx)
        if left is not None:  # e.g. a pull request opened, waiting for someone to merge it
            self.ctx.reporter.warn(f"{step.name}: {left.summary}")
            waiting = [OperatorTask(f"{step.title}: {left.summary}")]  # what is left is someone else's to do
            return StepOutcome(
                step.name, step.title, left.status, left.summary, described + left.details, applied, waiting
            ), None
        status = Status.CONFIRMED if check.status == Status.MANUAL else Status.APPLIED
        if status == Status.CONFIRMED:
            detail = "confirmed now"
        elif len(described) == 1:
            detail = described[0]
        else:
            detail = f"{len(described)} changes: " + "; ".join(described)
        self.ctx.reporter.success(f"{step.name}: {detail}")
        return StepOutcome(step.name, step.title, status, detail, described, applied), None
