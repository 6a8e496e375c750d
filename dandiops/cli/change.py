"""The one path every change takes, whatever the command.

plan (read-only) -> with --dry-run, report the plan and stop -> confirm (once per run; on production
the app name typed back unless --yes, and without a terminal an error that names --yes) -> apply
(the steps write, audit what they wrote and read it back) -> report: text, or with --json one
document whose fields are the same on a dry run, with "dry_run": true.

A command describes its change as a `Mutation` and hands it to `carry_out`, which runs the stages
in that order; no command confirms, announces its target or prints its result document by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Generic, Protocol, TypeVar

if TYPE_CHECKING:
    from dandiops.app.context import Context
    from dandiops.steps.base import Change

PlanT = TypeVar("PlanT")
ResultT = TypeVar("ResultT")


@dataclass
class Report:
    """The result document (`dry_run` is added to it) and its text rendering on stdout."""

    data: dict[str, Any]
    human: Callable[[], None] | None = None


class Mutation(Generic[PlanT, ResultT]):
    """A command's change, stage by stage. `carry_out` calls the stages; only `plan`, `apply` and
    `report` must be written."""

    #: What the change is, as the target is named and as production asks: "changing allowed hosts".
    #: `plan` runs first and may set it from what it read.
    action: str = "changing"
    #: True when the change confirms part-way through, through `Context.confirm_change`, because what
    #: it confirms depends on what it reads first (a release that follows a live run, init's steps).
    #: On a real run `carry_out` then neither names the target nor asks: the change does both.
    confirms_midway: bool = False

    def plan(self, context: "Context", *, dry_run: bool) -> PlanT:
        """Read only. A change that plans and applies in one flow (one one-off dyno, one release)
        previews on a dry run only: a real run would pay twice for a plan the flow makes again."""
        raise NotImplementedError

    def pending(self, plan: PlanT) -> bool:
        """False when the plan changes nothing: it is reported without confirming or applying."""
        return True

    def asks_on_production(self, plan: PlanT) -> bool:
        """Whether production has the app name typed back. Either way the target is named and the audit
        log checked writable before the change."""
        return True

    def before_confirming(self, context: "Context", plan: PlanT) -> None:
        """Ask what the change needs (a password, a secret) before confirming, so that no prompt
        interrupts a change already confirmed."""

    def apply(self, context: "Context", plan: PlanT) -> ResultT:
        """Make the change, audit it, and return what is now true (read back). Never None."""
        raise NotImplementedError

    def report(self, context: "Context", plan: PlanT, result: ResultT | None, *, dry_run: bool) -> Report:
        """Messages on stderr, and the result document. `result` is None when nothing was applied:
        on a dry run, or when the plan changed nothing."""
        raise NotImplementedError

    def conclude(self, context: "Context", plan: PlanT, result: ResultT | None, *, dry_run: bool) -> None:
        """After the document: what follows it on stderr, and the exit status (raise to fail)."""


def carry_out(context: "Context", mutation: Mutation[PlanT, ResultT], *, dry_run: bool) -> ResultT | None:
    """Run `mutation` on the one path every change takes; returns what `apply` returned, if it ran."""
    plan = mutation.plan(context, dry_run=dry_run)
    result: ResultT | None = None
    if mutation.pending(plan):
        if dry_run:
            context.announce(f"dry run of {mutation.action}")  # said once: a midway confirmer may have said it
        else:
            if not mutation.confirms_midway:
                mutation.before_confirming(context, plan)
                if mutation.asks_on_production(plan):
                    context.confirm_change(mutation.action)
                else:
                    context.prepare_change(mutation.action)
            result = mutation.apply(context, plan)
    report = mutation.report(context, plan, result, dry_run=dry_run)
    context.reporter.result({**report.data, "dry_run": dry_run}, report.human)
    mutation.conclude(context, plan, result, dry_run=dry_run)
    return result


class ChangeList(Mutation[list["Change"], list["Change"]]):
    """A change planned as a list of `Change`s, each reported by its description: "would ..." on a
    dry run, "✓ ..." once applied, and `nothing` when there is none."""

    nothing: str = "nothing to change"

    def pending(self, plan: list["Change"]) -> bool:
        return bool(plan)

    def report_changes(self, context: "Context", plan: list["Change"], result: list["Change"] | None) -> None:
        reporter = context.reporter
        if not plan:
            reporter.success(self.nothing)
        elif result is None:
            for change in plan:
                reporter.info(f"would {change.describe()}")
        else:
            for change in result:
                reporter.success(change.describe())


class PlannedStep(Protocol):
    def plan(self, ctx: "Context") -> list["Change"]: ...

    def apply(self, ctx: "Context", changes: list["Change"]) -> list["Change"]: ...


class StepMutation(ChangeList):
    """The change of a step (check/plan/apply): its plan, applied as it stands."""

    def __init__(self, step: PlannedStep, *, action: str, nothing: str):
        self.step = step
        self.action = action
        self.nothing = nothing

    def plan(self, context: "Context", *, dry_run: bool) -> list["Change"]:
        return self.step.plan(context)

    def apply(self, context: "Context", plan: list["Change"]) -> list["Change"]:
        return self.step.apply(context, plan)
