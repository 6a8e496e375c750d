"""How an init run ends: what is done, what waits on the operator, and what to run next.

What waits on the operator is what the steps left for someone outside dandiops (the API domain's
DNS record, each manual item not yet confirmed, such as the GitHub OAuth App with its callback
URL), then what verify's checks found waiting that no step's item already says. What to run
next follows from how the run ended: a dry run's plans to apply, steps still to finish, the
commands the waiting tasks name, or, once everything is done, the day-two commands.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dandiops.core.output import Reporter
    from dandiops.wizard.engine import WizardResult


@dataclass(frozen=True)
class Waiting:
    step: str
    task: str
    then: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "task": self.task, "then": self.then}


@dataclass
class Ending:
    done: list[str] = field(default_factory=list)  # the steps that are done (not those skipped)
    unfinished: list[str] = field(default_factory=list)  # "STEP: why", for the steps that are not
    waiting: list[Waiting] = field(default_factory=list)  # what only the operator can do
    next: list[str] = field(default_factory=list)  # what to run next, as `dandiops ...`

    def to_dict(self) -> dict[str, Any]:
        return {
            "done": list(self.done),
            "unfinished": list(self.unfinished),
            "waiting_on_operator": [item.to_dict() for item in self.waiting],
            "next": list(self.next),
        }


def ending(result: "WizardResult") -> Ending:
    from dandiops.steps.base import Status
    from dandiops.wizard.engine import DONE

    env = f" -e {result.env_name}" if result.env_name else ""
    end = Ending()
    for outcome in result.outcomes:
        if outcome.status in (Status.OK, Status.APPLIED, Status.CONFIRMED):
            end.done.append(outcome.name)
        elif outcome.status == Status.SKIPPED:
            pass  # not configured, or not reached after a failure: the table says which
        elif outcome.status != Status.MANUAL and not outcome.operator_tasks:  # those are said below, as tasks
            end.unfinished.append(f"{outcome.name}: {outcome.detail}")
        end.waiting += [Waiting(outcome.name, item.task, item.then) for item in outcome.operator_tasks]
    end.waiting += _verify_waits(result, env)
    if result.dry_run:
        if any(o.status not in DONE for o in result.outcomes):
            end.next.append(f"`dandiops init{env}` makes the changes planned above")
    elif result.error is not None:
        end.next.append(f"once what failed is fixed, `dandiops init{env}` goes on from there")
    elif any(o.status not in DONE for o in result.outcomes):
        end.next.append(f"`dandiops init{env}` again once what waits on you is done: it goes on from there")
    end.next += [item.then for item in end.waiting if item.then]
    end.next = list(dict.fromkeys(end.next))  # several waits may name the same command
    if not result.dry_run and not result.incomplete and result.error is None and not result.not_selected:
        release = f"`dandiops release {result.env_name}`" if result.env_name else "`dandiops release ENV`"
        end.next.append(f"`dandiops status{env}` shows what runs; {release} deploys what is merged")
    return end


def _verify_waits(result: "WizardResult", env: str) -> list[Waiting]:
    """The checks of verify that wait on the operator, except those a step's own items already cover."""
    from dandiops.steps.verify import WAITING
    from dandiops.wizard.engine import DONE

    if result.verification is None:
        return []
    covered = {o.name for o in result.outcomes if o.operator_tasks or o.status not in DONE}
    return [
        Waiting("verify", f"{verdict.name}: {verdict.fix or verdict.detail}", f"`dandiops verify{env}` checks again")
        for verdict in result.verification.verdicts
        if verdict.state == WAITING and not covered.intersection(verdict.covered_by)
    ]


def render_end(reporter: "Reporter", end: Ending) -> None:
    """The end as plain lines after init's table (stdout, with the table)."""
    if end.done:
        reporter.line(f"Done: {', '.join(end.done)}")
    if end.waiting:
        reporter.line("Waiting on you:")
        for item in end.waiting:
            reporter.line(f"  - {item.task}")
    if end.next:
        reporter.line("Next:")
        for command in end.next:
            reporter.line(f"  - {command}")
