"""The operator's vocabulary: a step checks (read-only), plans (a list of changes) and applies.

Commands and the `init` wizard call the same steps. `apply` must be idempotent: applying a plan
whose changes are already in place writes nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Callable, Generic, Protocol, TypeVar, runtime_checkable

from dandiops.core.words import plural

if TYPE_CHECKING:
    from dandiops.app.context import Context
    from dandiops.app.questions import Answers, Question

Found = TypeVar("Found")


class Status(str, Enum):
    OK = "ok"  # nothing to do
    PENDING = "pending"  # changes are planned
    APPLIED = "applied"  # changes were made
    FAILED = "failed"
    SKIPPED = "skipped"
    UNAVAILABLE = "unavailable"  # a manual item the app cannot have (e.g. alerts on basic dynos)
    CONFIRMED = "confirmed"  # a manual item the operator confirmed
    MANUAL = "manual"  # a manual item not yet confirmed


@dataclass
class Change:
    """One write a step would make. Secret values are never stored in `after`/`before`."""

    target: str
    action: str
    before: str | None = None
    after: str | None = None
    secret: bool = False

    def describe(self) -> str:
        if self.secret:
            return f"{self.action} {self.target} (secret value hidden)"
        if self.before is not None and self.after is not None:
            return f"{self.action} {self.target}: {self.before!r} -> {self.after!r}"
        if self.after is not None:
            return f"{self.action} {self.target}: {self.after!r}"
        return f"{self.action} {self.target}"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if self.secret:
            data["before"] = data["after"] = None
        return data


@dataclass
class Check:
    status: Status
    summary: str
    details: list[str] = field(default_factory=list)  # the findings
    hint: str | None = None  # what to do about them, when the check failed

    @property
    def ok(self) -> bool:
        return self.status in (Status.OK, Status.CONFIRMED)


@dataclass(frozen=True)
class OperatorTask:
    """Something a step leaves for the operator to do outside dandiops (a DNS record to create, an
    app to register in a dashboard): init lists these at its end."""

    task: str  # what to do, whole: the exact record, URL or value
    then: str | None = None  # what to run once it is done, as `dandiops ...`


def check_of_plan(changes: list[Change], *, done: str, counted: str, purpose: str = "") -> Check:
    """The check of a step that is done when it plans no change: OK saying `done`, else PENDING
    saying how many changes there are (`N counted purpose`, `counted` in the singular), each one a finding."""
    if not changes:
        return Check(Status.OK, done)
    summary = " ".join(filter(None, (plural(len(changes), counted), purpose)))
    return Check(Status.PENDING, summary, [c.describe() for c in changes])


class Step(Protocol):
    """What commands and init call: check (read-only), plan (the changes), apply (idempotent)."""

    name: str
    title: str

    def check(self, ctx: "Context") -> Check: ...

    def plan(self, ctx: "Context") -> list[Change]: ...

    def apply(self, ctx: "Context", changes: list[Change]) -> list[Change]: ...


@runtime_checkable
class InitStep(Step, Protocol):
    """A step of `dandiops init`: what it asks, when it can be checked, whether its check is remembered.

    Init steps subclass this explicitly and take its defaults: nothing asked, checked in order,
    checked again on every run.
    """

    # Checked only once every step before it is done: its check runs the app's code in a one-off
    # dyno, which would crash on config the earlier steps have yet to set.
    needs_ready_app: bool = False
    # Checked only once the app runs a release with a slug (the first-deploy step): Heroku refuses a
    # one-off dyno or a scale on an app with no code, and process types exist only from the first deploy.
    needs_deploy: bool = False
    # Its apply makes the app's first release with a build, which the needs_deploy steps wait for.
    deploys: bool = False
    # Planned and applied only once every step before it is done: it acts on what they made (a
    # deploy runs the fork, the secrets and the config vars the earlier steps prepared).
    after_earlier_steps: bool = False
    # Its check starts a one-off dyno (a write): once it passes, init's state file remembers it for
    # this database add-on and later runs report it without a dyno (`--recheck STEP` checks again).
    remembered: bool = False

    def questions(self, ctx: "Context") -> list["Question"]:
        """Every question a run of this step may ask, so a run without a terminal fails before any change."""
        return []

    def remembered_inputs(self) -> str:
        """The answers a remembered check depends on besides the database: a changed one checks again."""
        return ""

    def remaining(self, ctx: "Context") -> Check | None:
        """After apply: what its changes left for someone else to do (a pull request waiting for a
        merge), reported instead of "applied"; None when the step is done."""
        return None

    def operator_tasks(self, ctx: "Context") -> list[OperatorTask]:
        """What is left for the operator, as this step's last check or apply found it (no new request)."""
        return []


class AskingStep(InitStep):
    """An init step that takes what it needs from the operator's answers (the answers file, the
    state file, a prompt)."""

    def __init__(self, answers: "Answers"):
        self.answers = answers


class Surveyed(Protocol):
    """What a step found out about its resources: among the rest, the changes that would make them right."""

    changes: list[Change]


class TerraformManagedStep(AskingStep):
    """An init step whose resources Terraform makes where the environment has a terraform_dir
    (`manage=False`): there it plans nothing and refuses to apply, and its check reports the drift."""

    # What apply says where Terraform manages the resources: the message and the hint.
    terraform_refusal: tuple[str, str]

    def __init__(self, answers: "Answers", *, manage: bool = True):
        super().__init__(answers)
        self.manage = manage

    def survey(self, ctx: "Context") -> Surveyed:
        raise NotImplementedError

    def plan(self, ctx: "Context") -> list[Change]:
        return self.survey(ctx).changes if self.manage else []

    def apply(self, ctx: "Context", changes: list[Change]) -> list[Change]:
        if not changes:
            return []
        if not self.manage:
            from dandiops.core.errors import DandiopsError

            message, hint = self.terraform_refusal
            raise DandiopsError(message, hint=hint)
        return self.make(ctx, changes)

    def make(self, ctx: "Context", changes: list[Change]) -> list[Change]:
        """Apply the planned `changes` (at least one), in dependency order."""
        raise NotImplementedError


class AnsweredStep(AskingStep):
    """A command's step whose inputs init takes as questions: the step is built once they are answered.

    The inputs are asked only when the step is about to act, after the steps before it (whose
    instructions may say what to answer); a check and a dry run report them as unanswered instead.
    A step whose answers only exist once the operator has done something by hand says so in
    ready_to_ask: until then it asks nothing and stays pending.
    """

    inputs: tuple["Question", ...] = ()  # what the step is built from
    later: tuple["Question", ...] = ()  # asked by the built step itself, only when it writes

    def __init__(self, answers: "Answers"):
        super().__init__(answers)
        self._built: Step | None = None

    def build(self, ctx: "Context", values: list[Any]) -> Step:
        raise NotImplementedError

    def unanswered(self) -> Check:
        """The check while the inputs are not answered."""
        raise NotImplementedError

    def placeholder_plan(self) -> list[Change]:
        """A dry run's plan while the inputs are not answered."""
        raise NotImplementedError

    def questions(self, ctx: "Context") -> list["Question"]:
        return [*self.inputs, *self.later]

    def remembered_inputs(self) -> str:
        return ":".join(self.answers.known(question) or "" for question in self.inputs)

    def built(self, ctx: "Context", *, ask: bool) -> Step | None:
        if self._built is None:
            values = [self.answers.known(question) for question in self.inputs]
            if None in values:
                if not ask or self.answers.dry_run:
                    return None
                values = [self.answers.ask(question) for question in self.inputs]
            self._built = self.build(ctx, values)
        return self._built

    def ready_to_ask(self, ctx: "Context") -> bool:
        return True

    def check(self, ctx: "Context") -> Check:
        step = self.built(ctx, ask=False)
        return self.unanswered() if step is None else step.check(ctx)

    def plan(self, ctx: "Context") -> list[Change]:
        step = self.built(ctx, ask=self.answers.dry_run or self.ready_to_ask(ctx))
        if step is None:
            return self.placeholder_plan() if self.answers.dry_run else []
        return step.plan(ctx)

    def apply(self, ctx: "Context", changes: list[Change]) -> list[Change]:
        step = self.built(ctx, ask=True)
        assert step is not None  # plan asked for the inputs: apply never runs in a dry run
        return step.apply(ctx, changes)

    def remaining(self, ctx: "Context") -> Check | None:
        return self._built.remaining(ctx) if isinstance(self._built, InitStep) else None

    def operator_tasks(self, ctx: "Context") -> list[OperatorTask]:
        return self._built.operator_tasks(ctx) if isinstance(self._built, InitStep) else []


class ReadUntilWrite(Generic[Found]):
    """What a step read, kept for its check, plan and apply only while the run sends no write request.

    In `init`, a step is checked before the steps ahead of it apply; their writes (a branch created, a
    pull request merged, which starts the workflows that move branches) may change what it read, so
    after any write of the run the next use reads again. Without one in between, a check and a plan
    share one read."""

    def __init__(self, read: "Callable[[Context], Found]"):
        self._read = read
        self._value: Found | None = None
        self._writes = -1  # the run's write count when it was read

    def get(self, ctx: "Context") -> Found:
        writes = ctx.writes.total
        if self._value is None or self._writes != writes:
            self._value = None  # a read that fails leaves nothing behind to be taken for current
            self._value = self._read(ctx)
            self._writes = writes
        return self._value

    def forget(self) -> None:
        self._value = None


class CreateWhenMissing(Generic[Found]):
    """A step whose one change creates something the deployment lacks (the cache table, the superuser).

    Finding out what is there costs a one-off dyno, so what was found is kept: plan reuses the
    check's, and only applying a change reads again."""

    target = "it"  # what the change creates, as the plan names it

    def __init__(self) -> None:
        self._found: Found | None = None

    def find(self, ctx: "Context") -> Found:
        """Read what is there now."""
        raise NotImplementedError

    def missing(self, found: Found) -> bool:
        raise NotImplementedError

    def create_missing(self, ctx: "Context") -> bool:
        """Create it (safe to repeat); whether this run created it."""
        raise NotImplementedError

    def found(self, ctx: "Context") -> Found:
        if self._found is None:
            self._found = self.find(ctx)
        return self._found

    def plan(self, ctx: "Context") -> list[Change]:
        if not self.missing(self.found(ctx)):
            return []
        return [Change(target=self.target, action="create")]

    def apply(self, ctx: "Context", changes: list[Change]) -> list[Change]:
        if not changes:
            return []
        self._found = None
        return changes if self.create_missing(ctx) else []
