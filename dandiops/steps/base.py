"""The operator's vocabulary: a step checks (read-only), plans (a list of changes) and applies.

Commands and the `init` wizard call the same steps. `apply` must be idempotent: applying a plan
whose changes are already in place writes nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any, ClassVar, Protocol, TYPE_CHECKING

if TYPE_CHECKING:
    from dandiops.steps.context import Context


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
    details: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status in (Status.OK, Status.CONFIRMED)


class Step(Protocol):
    name: ClassVar[str]
    title: ClassVar[str]

    def check(self, ctx: "Context") -> Check: ...

    def plan(self, ctx: "Context") -> list[Change]: ...

    def apply(self, ctx: "Context", changes: list[Change]) -> list[Change]: ...
