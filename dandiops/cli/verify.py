"""`dandiops verify`: the running clone checked from outside, concurrently, one row per check."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import typer

from dandiops.cli.common import ReadOptions, command, flag, option, option_groups


@dataclass(frozen=True)
class VerifyRequest(ReadOptions):
    """verify's options: -e and --json, the superuser to sign in to the admin as, and the test message."""

    superuser: Optional[str] = option("The superuser's email, for the admin sign-in check.", metavar="EMAIL")
    password_stdin: bool = flag("Read the superuser's password from stdin and sign in with it.")
    send_test_email: Optional[str] = option(
        "Send a test message through the app (a one-off dyno) instead of reading the last `email test`.",
        metavar="ADDRESS",
    )

    def password(self) -> str | None:
        """The superuser's password, read from stdin with --password-stdin; bad input fails here, before
        any request."""
        import sys

        from dandiops.core.errors import UsageError

        if not self.password_stdin:
            return None
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise UsageError("--password-stdin: stdin held no password", hint="pipe the superuser's password in")
        if not self.superuser:
            raise UsageError("--password-stdin needs --superuser EMAIL", hint="name the superuser to sign in as")
        return password


def register(root: typer.Typer) -> None:
    command(root, "verify")(verify)


# -e leads verify's options and --json ends them, as in its synopsis (docs/verify.md)
@option_groups(request=("env", "superuser", "password_stdin", "send_test_email", "json_output"))
def verify(ctx: typer.Context, request: VerifyRequest) -> None:
    """Check the running clone the way its users reach it; exit 0 when every check passed, 6 otherwise.

    A check that waits on you (DNS not pointing at the app yet, the GitHub OAuth App not registered)
    is shown as waiting, with what to do. Nothing is changed.
    """
    from dandiops.core.errors import ExitCode
    from dandiops.steps.verify import VerifyOptions
    from dandiops.steps.verify import verify as run_checks
    from dandiops.wizard.verification import init_checks

    password = request.password()
    context = request.context(ctx)
    if password:
        context.secret_registry.add(password)
    options = VerifyOptions(
        init_checks=init_checks,
        superuser_email=request.superuser,
        superuser_password=password,
        send_test_email=request.send_test_email,
    )
    verdicts = run_checks(context, options)
    reporter = context.reporter
    passed = all(verdict.ok for verdict in verdicts)
    reporter.result(
        {"checks": [v.to_dict() for v in verdicts], "passed": passed},
        lambda: render_verdicts(reporter, context.env.name, verdicts),
    )
    waiting = [v for v in verdicts if v.state == "waiting"]
    if waiting:
        reporter.info("waiting on you: " + "; ".join(f"{v.name}: {v.fix or v.detail}" for v in waiting))
    if not passed:
        reporter.error(verdicts_summary(verdicts))
        raise typer.Exit(int(ExitCode.CHECK_FAILED))


def render_verdicts(reporter, env_name: str, verdicts) -> None:
    """One row per check: what it saw and, when it did not pass, the fix (init shows the same table)."""
    reporter.table(
        ["check", "result", "what it saw"],
        [(v.name, v.state, v.detail + (f" (fix: {v.fix})" if v.fix and not v.ok else "")) for v in verdicts],
        title=f"verify {env_name}",
    )


def verdicts_summary(verdicts) -> str:
    """One line: every check passed, or which did not."""
    from dandiops.core.words import plural

    failed = [v.name for v in verdicts if not v.ok]
    if failed:
        return f"{plural(len(failed), 'check')} of {len(verdicts)} did not pass: {', '.join(failed)}"
    skipped = sum(1 for v in verdicts if v.state == "skipped")
    return f"every check passed ({len(verdicts) - skipped} passed, {skipped} skipped)"
