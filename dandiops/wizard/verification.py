"""How init ends once its steps are through: `dandiops verify`'s checks of the clone, from outside.

init runs the very checks of `dandiops verify` (dandiops.steps.verify) and tells them what it
already knows, so that a run on a finished deployment still writes nothing:
- the client id of the OAuth application in the archive's database: once the `auth` step is done
  (checked with a one-off dyno in this run, or remembered for this database), it is the one that
  step set up; before, it is not read, and the web app's id is compared once sign-in is set up;
- the answers init ran with (its answers file), for the checks that reuse its steps;
- email: when init changed the app's mail settings after the last test recorded (in this run, or in
  one interrupted before its verify: the engine remembers when each step last changed something),
  init sends a test message through the app, to its own sending address (DJANGO_DEFAULT_FROM_EMAIL):
  SES takes it even while the account is in its sandbox, the sending domain being a verified
  identity. Otherwise it sends none (the check then reads the last test recorded, as verify does).

Not run on a dry run (nothing was built), on a partial run (--only, --from: `dandiops verify`
checks the whole clone), or after a step failed (the clone is not whole). init's exit status stays
that of its steps whatever verify finds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dandiops.app.context import Context
    from dandiops.app.questions import Answers
    from dandiops.steps.base import Status
    from dandiops.steps.verify import ArchiveDatabase, Verdict, VerifyOptions
    from dandiops.wizard.engine import WizardResult
    from dandiops.wizard.state import InitState


@dataclass
class Verification:
    verdicts: list["Verdict"] = field(default_factory=list)
    not_run: str | None = None  # why verify did not run

    @property
    def passed(self) -> bool | None:
        return None if self.not_run else all(verdict.ok for verdict in self.verdicts)

    def to_dict(self) -> dict[str, Any]:
        """`dandiops verify --json`'s document, and why it did not run."""
        return {
            "checks": [verdict.to_dict() for verdict in self.verdicts],
            "passed": self.passed,
            "not_run": self.not_run,
        }


def not_run_reason(result: "WizardResult") -> str | None:
    from dandiops.steps.base import Status

    if result.dry_run:
        return "a dry run builds nothing to check"
    if result.error is not None:
        stopped = next((o.name for o in result.outcomes if o.status == Status.FAILED), None)
        return f"init stopped{f' at {stopped}' if stopped else ''} before the clone was whole"
    if result.not_selected:
        return f"init ran only some of its steps; `dandiops verify -e {result.env_name}` checks the whole clone"
    return None


def verify_after_init(ctx: "Context", result: "WizardResult", answers: "Answers") -> Verification:
    from dandiops.steps.verify import VerifyOptions, verify

    reason = not_run_reason(result)
    if reason is not None:
        return Verification(not_run=reason)
    options = VerifyOptions(
        init_checks=init_checks,
        answers=answers.file_answers,
        database=_database_as_init_knows_it(result, answers),
        send_test_email=_test_address(ctx, result, answers),
    )
    return Verification(verify(ctx, options))


def _status(result: "WizardResult", step: str) -> "Status | None":
    return next((o.status for o in result.outcomes if o.name == step), None)


def _done(result: "WizardResult", step: str) -> bool:
    from dandiops.steps.base import Status

    return _status(result, step) in (Status.OK, Status.APPLIED)


def _database_as_init_knows_it(result: "WizardResult", answers: "Answers") -> "ArchiveDatabase":
    from dandiops.steps.auth import OAUTH_CLIENT_ID
    from dandiops.steps.verify import ArchiveDatabase

    client_id = answers.known(OAUTH_CLIENT_ID) if _done(result, "auth") else None
    if client_id:
        return ArchiveDatabase([client_id])
    return ArchiveDatabase(unread="init's auth step is not done")


def _test_address(ctx: "Context", result: "WizardResult", answers: "Answers") -> str | None:
    """Where init sends a test message, or None: when init changed the mail settings after the last test
    recorded for this environment (in this run, or in one that was interrupted before its verify)."""
    from dandiops.archive.email import FROM_EMAIL_VAR
    from dandiops.core.errors import DandiopsError
    from dandiops.steps.base import Status

    if _status(result, "email") != Status.APPLIED and not _mail_changed_since_last_test(ctx, answers):
        return None
    try:
        return ctx.heroku().config_vars(ctx.env.heroku_app).get(FROM_EMAIL_VAR) or None
    except DandiopsError:
        return None  # the email check then reads the last test recorded


def _mail_changed_since_last_test(ctx: "Context", answers: "Answers") -> bool:
    """Whether an earlier init changed the mail settings after the last test recorded (or with none)."""
    from dandiops.steps.email import EmailTests
    from dandiops.wizard.engine import changed_key

    changed = answers.recall(changed_key("email"))
    changed_at = changed.get("at") if isinstance(changed, dict) else None
    if not isinstance(changed_at, str):
        return False
    last_test = EmailTests.for_context(ctx).last(ctx.env.name)
    return last_test is None or last_test.get("at", "") < changed_at


def init_checks(ctx: "Context", names: tuple[str, ...], options: "VerifyOptions") -> dict[str, tuple[bool, str]]:
    """(done, summary) of init's read-only check for each named step (verify's `github` and `backups` rows),
    with the answers init ran with (options.answers), else those its state file remembers. The web app's
    OAuth client id, when neither holds it (init was given it in an answers file), is the one the
    database holds."""
    from dandiops.app.questions import Answers
    from dandiops.steps.auth import OAUTH_CLIENT_ID
    from dandiops.steps.base import Status
    from dandiops.steps.verify import archive_database
    from dandiops.wizard.steps import build_steps

    answers = Answers(
        ctx,
        store=_init_state(ctx),
        file_answers=options.answers,
        source="init's answers file" if options.answers else "the archive's database",
        interactive=False,
        dry_run=True,
    )
    steps = [step for step in build_steps(ctx, answers) if step.name in names]
    if any(OAUTH_CLIENT_ID in getattr(step, "inputs", ()) for step in steps) and answers.known(OAUTH_CLIENT_ID) is None:
        in_database = archive_database(options).web_oauth_client_ids(ctx)
        if in_database is not None and len(in_database) == 1:
            answers.file_answers[OAUTH_CLIENT_ID.key] = in_database[0]
    found = {}
    for step in steps:
        check = step.check(ctx)
        found[step.name] = (check.status in (Status.OK, Status.CONFIRMED, Status.SKIPPED), check.summary)
    return found


def _init_state(ctx: "Context") -> "InitState":
    """init's state file for this environment (its remembered answers), read-only here."""
    from dandiops.wizard.init import state_path_for
    from dandiops.wizard.state import InitState

    env = ctx.env
    return InitState.load(state_path_for(ctx), environment=env.name, app=env.heroku_app, secrets=ctx.secret_registry)
