"""Formation: the archive's process types at the sizes and counts Terraform gives them.

Defaults follow dandi-infrastructure (production: standard-2x, web x3; otherwise basic x1); the
answers file may name others as `formation: {web: "2:standard-1x"}` (quantity:size, as
`heroku ps:scale web=2:standard-1x` does). The worker runs celery beat, so it never scales past 1.
Process types appear only when a release's Procfile declares them: a missing one is reported,
not created.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from dandiops.app.questions import Question
from dandiops.archive.deployment import BEAT_PROCESS_TYPE, SCALED_PROCESS_TYPES
from dandiops.archive.infrastructure import ProcessSpec, default_formation
from dandiops.core.errors import UsageError
from dandiops.core.words import plural
from dandiops.steps.base import AskingStep, Change, Check, Status

if TYPE_CHECKING:
    from dandiops.app.context import Context
    from dandiops.providers.heroku import FormationUpdate

SIZES = (
    "eco",
    "basic",
    "standard-1x",
    "standard-2x",
    "performance-m",
    "performance-l",
    "performance-l-ram",
    "performance-xl",
    "performance-2xl",
)


def parse_process(ptype: str, value: str) -> ProcessSpec:
    quantity, sep, size = value.strip().partition(":")
    if not sep or not quantity.isdigit() or size.lower() not in SIZES:
        raise UsageError(
            f"invalid formation answer for {ptype}: {value!r}",
            hint=f"use QUANTITY:SIZE, e.g. 1:basic; sizes: {', '.join(SIZES)}",
        )
    spec = ProcessSpec(ptype, int(quantity), size.lower())
    if ptype == BEAT_PROCESS_TYPE and spec.quantity > 1:
        raise UsageError(
            f"{ptype} cannot run {spec.quantity} dynos: celery beat runs inside it, so every extra "
            "dyno would run each scheduled task again",
            hint=f"use 1:{spec.size}",
        )
    return spec


def _validate(ptype: str) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        try:
            parse_process(ptype, value)
        except UsageError as exc:
            return exc.message
        return None

    return check


class FormationStep(AskingStep):
    name = "formation"
    title = "Formation (process types, sizes, counts)"
    needs_deploy = True  # process types come with the first deploy's Procfile

    def desired(self, ctx: "Context") -> list[ProcessSpec]:
        answers = self.answers
        specs = []
        for default in default_formation(ctx.env.production):
            question = Question(
                f"formation.{default.type}",
                f"Dynos for {default.type} (QUANTITY:SIZE)",
                default=default.describe(),
                validate=_validate(default.type),
            )
            chosen = answers.known(question)
            specs.append(parse_process(default.type, chosen) if chosen else default)
        return specs

    def _survey(self, ctx: "Context") -> tuple[list[Change], list[str], list[str]]:
        """(the changes, notes on what is there, the process types no release has declared yet)"""
        current = {f["type"]: f for f in ctx.heroku().formation(ctx.env.heroku_app)}
        changes, notes, undeclared = [], [], []
        for spec in self.desired(ctx):
            item = current.get(spec.type)
            if item is None:
                undeclared.append(spec.type)
                notes.append(
                    f"process type {spec.type} is not in the formation yet: it appears with the first "
                    "release whose Procfile declares it (deploy, then run `dandiops init --only formation`)"
                )
                continue
            before = ProcessSpec.of(item).describe()
            if before != spec.describe():
                changes.append(Change(f"formation {spec.type}", "scale", before=before, after=spec.describe()))
        for ptype in sorted(set(current) - set(SCALED_PROCESS_TYPES)):
            notes.append(f"process type {ptype} is not one the archive defines (a stale Procfile entry?)")
        return changes, notes, undeclared

    def check(self, ctx: "Context") -> Check:
        changes, notes, undeclared = self._survey(ctx)
        if not changes and not undeclared:
            return Check(Status.OK, "web, worker and checksum-worker run at the expected sizes", notes)
        summary = f"{plural(len(changes), 'process type')} to scale" if changes else "waiting for the first release"
        return Check(Status.PENDING, summary, [c.describe() for c in changes] + notes)

    def plan(self, ctx: "Context") -> list[Change]:
        return self._survey(ctx)[0]

    def apply(self, ctx: "Context", changes: list[Change]) -> list[Change]:
        if not changes:
            return []
        specs = []
        for change in changes:
            assert change.after is not None  # plan() gives every scaling its QUANTITY:SIZE
            specs.append(parse_process(change.target.removeprefix("formation "), change.after))
        updates: list[FormationUpdate] = [
            {"type": spec.type, "quantity": spec.quantity, "dyno_size": {"name": spec.size}} for spec in specs
        ]
        ctx.heroku().update_formation(ctx.env.heroku_app, updates)
        ctx.record("formation.scale", updates={spec.type: spec.describe() for spec in specs})
        return changes
