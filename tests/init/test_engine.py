"""The init engine and the step contract, without a sandbox."""

from __future__ import annotations

from dandiops.steps.base import Status
from dandiops.wizard.engine import StepOutcome, WizardResult


def test_an_unavailable_outcome_leaves_init_incomplete():
    result = WizardResult([StepOutcome("credentials", "Credentials", Status.OK, "fine"),
                           StepOutcome("backups", "Daily database backups", Status.UNAVAILABLE, "not here")],
                          dry_run=False)
    assert [outcome.name for outcome in result.incomplete] == ["backups"]
