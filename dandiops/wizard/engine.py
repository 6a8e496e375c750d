"""The init engine: ordered steps, checked first, then planned and applied one by one.

1. Every selected step is checked (read-only). A failed check stops the run before any change.
   A step that cannot be checked because the app does not exist yet waits for the
   infrastructure step to create it.
2. Without a terminal, every answer the pending steps will need is looked up first, so a missing
   one stops the run before any change, naming all of them.
3. Each pending step plans (asking its questions) and applies; production asks once to confirm.
   --dry-run plans without asking or writing and reports the plans.
A step that is already fine is never planned or applied, so a run on a finished deployment is
reads only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Sequence

from dandiops.core.errors import DandiopsError, ExitCode, NotFoundError, UsageError
from dandiops.steps.base import Change, Check, Status
from dandiops.wizard.prompter import Interrupted

if TYPE_CHECKING:
    from dandiops.steps.context import Context
    from dandiops.wizard.answers import WizardAnswers
    from dandiops.wizard.state import InitState

DONE = {Status.OK, Status.APPLIED, Status.CONFIRMED, Status.SKIPPED, Status.UNAVAILABLE}
INFRASTRUCTURE = "infrastructure"


@dataclass
class StepOutcome:
    name: str
    title: str
    status: Status
    detail: str
    details: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.name, "title": self.title, "status": self.status.value, "detail": self.detail,
                "details": list(self.details), "changes": [c.to_dict() for c in self.changes]}


@dataclass
class WizardResult:
    outcomes: list[StepOutcome]
    dry_run: bool
    error: DandiopsError | None = None
    resumed_from: str | None = None
    not_selected: list[str] = field(default_factory=list)  # left out by --only / --from

    @property
    def incomplete(self) -> list[StepOutcome]:
        return [o for o in self.outcomes if o.status not in DONE]

    def to_dict(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "resumed_from": self.resumed_from,
                "steps": [o.to_dict() for o in self.outcomes],
                "ran": [o.name for o in self.outcomes], "not_run": list(self.not_selected),
                "error": None if self.error is None else {"message": self.error.message, "hint": self.error.hint,
                                                          "exit_code": int(self.error.exit_code)}}


def validate_selection(names: Sequence[str], only: Sequence[str] = (), start: str | None = None) -> list[str]:
    """The step names --only asks for; a UsageError naming the valid steps for any unknown one."""
    wanted = [name.strip() for value in only for name in value.split(",") if name.strip()]
    for name in [*wanted, *([start] if start else [])]:
        if name not in names:
            raise UsageError(f"unknown step {name!r}", hint=f"steps are: {', '.join(names)}")
    if wanted and start:
        raise UsageError("--only and --from cannot be combined", hint="use one of them")
    return wanted


def select_steps(steps: Sequence[Any], only: Sequence[str] = (), start: str | None = None) -> list[Any]:
    names = [step.name for step in steps]
    wanted = validate_selection(names, only, start)
    if wanted:
        return [step for step in steps if step.name in wanted]
    if start:
        return list(steps[names.index(start):])
    return list(steps)


class Wizard:
    def __init__(self, ctx: "Context", steps: Sequence[Any], answers: "WizardAnswers", state: "InitState", *,
                 dry_run: bool = False):
        self.ctx = ctx
        self.steps = list(steps)
        self.answers = answers
        self.state = state
        self.dry_run = dry_run
        self._infrastructure_pending = False
        self._production_confirmed = False

    def _progress(self, message: str) -> None:
        self.ctx.reporter.step(message)

    # --- phase 1 ---------------------------------------------------------------------------------
    def _check(self, step, infrastructure_pending: bool) -> tuple[Check | None, DandiopsError | None]:
        try:
            return step.check(self.ctx), None
        except NotFoundError as exc:
            if infrastructure_pending:
                return Check(Status.PENDING, "after the infrastructure step creates the app"), None
            return None, exc
        except Interrupted:
            raise
        except DandiopsError as exc:
            return None, exc

    def _failed(self, result: WizardResult, step, check: Check | None, error: DandiopsError | None) -> WizardResult:
        if error is not None:
            result.outcomes.append(StepOutcome(step.name, step.title, Status.FAILED, error.message,
                                               [error.hint] if error.hint else []))
            result.error = error
        else:
            assert check is not None
            result.outcomes.append(StepOutcome(step.name, step.title, Status.FAILED, check.summary, check.details))
            result.error = DandiopsError(f"{step.name}: {check.summary}",
                                         hint=_last_detail(check) or "fix it, then run `dandiops init` again",
                                         exit_code=ExitCode.CHECK_FAILED)
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
                if getattr(step, "needs_ready_app", False) and earlier_pending:
                    # e.g. a one-off dyno would crash on config the earlier steps have yet to set
                    remembered = step.remembered_check(self.ctx) if hasattr(step, "remembered_check") else None
                    if remembered is None:
                        checks[step.name] = Check(Status.PENDING, "checked once the steps before it are done")
                        deferred.add(step.name)
                    else:
                        checks[step.name] = remembered
                    continue
                self._progress(f"{step.name}: checking")
                check, error = self._check(step, self._infrastructure_pending)
                if error is not None or check.status == Status.FAILED:
                    return self._failed(result, step, check, error)
                checks[step.name] = check
                if check.status == Status.PENDING:
                    earlier_pending = True
                    if step.name == INFRASTRUCTURE:
                        self._infrastructure_pending = True
                    elif self._infrastructure_pending and check.summary.startswith("after the infrastructure"):
                        deferred.add(step.name)

            pending = [s for s in self.steps if checks[s.name].status in (Status.PENDING, Status.MANUAL)]
            if not self.dry_run and pending and not self.answers.interactive:
                try:
                    self._fail_fast(pending)
                except DandiopsError as exc:
                    result.outcomes = [StepOutcome(s.name, s.title, checks[s.name].status, checks[s.name].summary,
                                                   checks[s.name].details) for s in self.steps]
                    result.error = exc
                    return self._finish(result)

            for step in self.steps:
                current = step.name
                check = checks[step.name]
                if step.name in deferred and not self.dry_run:
                    self._progress(f"{step.name}: checking")
                    check, error = self._check(step, False)
                    if error is not None or check.status == Status.FAILED:
                        return self._failed(result, step, check, error)
                if check.status not in (Status.PENDING, Status.MANUAL):
                    result.outcomes.append(StepOutcome(step.name, step.title, check.status, check.summary,
                                                       check.details))
                    continue
                outcome, error = self._plan_and_apply(step, check)
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

    def _finish(self, result: WizardResult, stopped_at=None) -> WizardResult:
        if stopped_at is not None:
            reported = {o.name for o in result.outcomes}
            for step in self.steps:
                if step.name not in reported:
                    result.outcomes.append(StepOutcome(step.name, step.title, Status.SKIPPED,
                                                       f"not reached: stopped at {stopped_at.name}"))
        if not self.dry_run:
            self.state.save()
        return result

    # --- phase 2 ---------------------------------------------------------------------------------
    def _fail_fast(self, pending: list[Any]) -> None:
        questions = []
        for step in pending:
            asks = getattr(step, "questions", None)
            if asks is None:
                continue
            try:
                questions.extend(asks(self.ctx))
            except NotFoundError:
                continue
        missing = self.answers.unanswered(questions)
        if missing:
            raise self.answers.missing_error(missing)

    def _plan_and_apply(self, step, check: Check) -> tuple[StepOutcome, DandiopsError | None]:
        self._progress(f"{step.name}: {'planning' if self.dry_run else 'applying'}")
        try:
            changes = step.plan(self.ctx)
            if self.dry_run:
                detail = check.summary if changes else f"{check.summary} (nothing dandiops can change yet)"
                return StepOutcome(step.name, step.title, check.status, detail, check.details, changes), None
            if not changes:
                return StepOutcome(step.name, step.title, check.status, check.summary, check.details), None
            if check.status == Status.PENDING and not self._production_confirmed:
                self.ctx.confirm_change("dandiops init")  # once, before the first remote change
                self._production_confirmed = True
            applied = step.apply(self.ctx, changes)
        except (Interrupted, KeyboardInterrupt):
            raise
        except NotFoundError as exc:
            if self.dry_run and self._infrastructure_pending:
                return StepOutcome(step.name, step.title, Status.PENDING,
                                   "planned once the infrastructure step has created the app"), None
            return StepOutcome(step.name, step.title, Status.FAILED, exc.message,
                               [exc.hint] if exc.hint else []), exc
        except DandiopsError as exc:
            outcome = StepOutcome(step.name, step.title, Status.FAILED, exc.message, [exc.hint] if exc.hint else [])
            return outcome, exc
        if not applied:
            return StepOutcome(step.name, step.title, check.status, check.summary, check.details), None
        status = Status.CONFIRMED if check.status == Status.MANUAL else Status.APPLIED
        described = [change.describe() for change in applied]
        if status == Status.CONFIRMED:
            detail = "confirmed now"
        elif len(described) == 1:
            detail = described[0]
        else:
            detail = f"{len(described)} changes: " + "; ".join(described)
        self.ctx.reporter.success(f"{step.name}: {detail}")
        return StepOutcome(step.name, step.title, status, detail, described, applied), None


def _last_detail(check: Check) -> str | None:
    """A check lists its findings, then what to do about them: the last detail is that hint."""
    return check.details[-1] if check.details else None
