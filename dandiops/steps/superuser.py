"""The admin superuser the runbook creates after the first release (email as the username)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from dandiops.app.questions import Question, placeholder
from dandiops.archive.management import (
    REQUEST_VAR,
    SUPERUSER_EMAIL_VAR,
    SUPERUSER_PASSWORD_VAR,
    encode_request,
    superuser_command,
)
from dandiops.archive.users import superuser_email_problem, validate_superuser_email
from dandiops.core.errors import UsageError
from dandiops.steps.base import AnsweredStep, Change, Check, CreateWhenMissing, Status
from dandiops.steps.oneoff import require_result, run_in_dyno

if TYPE_CHECKING:
    from dandiops.app.context import Context


class SuperuserStep(CreateWhenMissing[dict[str, Any]]):
    name = "superuser"
    title = "Admin superuser"

    def __init__(self, email: str, password: Callable[[], str] | None = None):
        super().__init__()
        self.email = validate_superuser_email(email)  # as the archive stores it: looked up and reported so
        self.target = f"superuser {self.email}"
        self._password = password  # asked only when a user is about to be created

    def lookup(self, ctx: "Context") -> dict[str, Any]:
        """What the archive has under this email (read-only dyno, once until a change is applied)."""
        return self.found(ctx)

    def find(self, ctx: "Context") -> dict[str, Any]:
        return self._run(ctx, {"mode": "check"}, what=f"looking up {self.email}")

    def missing(self, found: dict[str, Any]) -> bool:
        return not found["exists"]

    def create_missing(self, ctx: "Context") -> bool:
        return bool(self.create(ctx)["created"])

    def check(self, ctx: "Context") -> Check:
        found = self.lookup(ctx)
        if not found["exists"]:
            return Check(Status.PENDING, f"no user {self.email} yet")
        if not found.get("is_superuser"):
            return Check(
                Status.OK,
                f"{self.email} exists but is not a superuser",
                ["dandiops leaves existing users alone; grant it in the Django admin if intended"],
            )
        return Check(Status.OK, f"superuser {self.email} exists")

    def create(self, ctx: "Context") -> dict[str, Any]:
        """Create the superuser unless a user with this email exists (then nothing changes)."""
        if self._password is None:
            raise UsageError("creating a superuser needs a password", hint="pass a password source")
        password = self._password()
        if not password:
            raise UsageError("the superuser password is empty", hint="give a non-empty password; nothing was changed")
        ctx.secret_registry.add(password)
        result = self._run(ctx, {"mode": "create"}, password=password, what=f"creating superuser {self.email}")
        if result["created"]:
            ctx.record("superuser.create", email=self.email, dyno=result.get("dyno"))
        return result

    def _run(
        self, ctx: "Context", request: dict[str, str], *, what: str, password: str | None = None
    ) -> dict[str, Any]:
        env = {REQUEST_VAR: encode_request(request), SUPERUSER_EMAIL_VAR: self.email}
        if password is not None:
            env[SUPERUSER_PASSWORD_VAR] = password
        run = run_in_dyno(ctx, superuser_command(), env=env, what=what)
        result = require_result(run, what)
        result["dyno"] = run.dyno_name
        return result


# --- for `dandiops init`: the same step with its email and password as questions ---------------------
SUPERUSER_EMAIL = Question(
    "superuser.email",
    "Email of the Django superuser (use one not tied to your GitHub account)",
    validate=superuser_email_problem,
)
SUPERUSER_PASSWORD = Question(
    "superuser.password", "Password for the Django superuser", kind="secret", env_var="DJANGO_SUPERUSER_PASSWORD"
)


class SuperuserInitStep(AnsweredStep):
    """SuperuserStep with its email as a question; the password is asked only when a user is created."""

    name = "superuser"
    title = "Django superuser"
    needs_ready_app = True
    needs_deploy = True
    remembered = True
    inputs = (SUPERUSER_EMAIL,)
    later = (SUPERUSER_PASSWORD,)

    def build(self, ctx: "Context", values: list[Any]) -> SuperuserStep:
        [email] = values
        return SuperuserStep(email, password=lambda: self.answers.ask(SUPERUSER_PASSWORD))

    def unanswered(self) -> Check:
        return Check(Status.PENDING, f"the superuser's email is not answered yet ({SUPERUSER_EMAIL.key})")

    def placeholder_plan(self) -> list[Change]:
        return [Change(f"superuser {placeholder(SUPERUSER_EMAIL)}", "create")]
