"""Exit codes and the one error type every layer raises.

Each failure carries what failed, why, and what to do next; the CLI prints those and exits
with the code. docs/exit-codes.md documents every member and a test keeps the two in step.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FAILURE = 1  # the remote operation ran and failed (dyno status, release phase, job)
    USAGE = 2  # bad input: options, arguments, files; nothing was changed
    CONFIG = 3  # dandiops.toml, environment or credentials missing or malformed
    AUTH = 4  # a credential was rejected or lacks a permission
    NOT_FOUND = 5  # an app, repository, workflow, user or resource does not exist
    CHECK_FAILED = 6  # a read-only check found the deployment differs from what it needs
    CANCELLED = 7  # a remote run was cancelled
    TIMEOUT = 8  # waiting for a remote outcome ran out of time
    UNAVAILABLE = 9  # the remote API could not be reached or kept failing after retries
    CONFLICT = 10  # the remote state refuses the change (exists, closed, locked)
    ABORTED = 11  # the operator declined a confirmation
    INTERRUPTED = 130  # Ctrl-C


class DandiopsError(Exception):
    """An expected failure: printed as `error: <message>` plus a hint, never as a traceback."""

    exit_code: ExitCode = ExitCode.FAILURE

    def __init_subclass__(cls, *, exit_code: ExitCode | None = None, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if exit_code is not None:
            cls.exit_code = exit_code

    def __init__(self, message: str, *, hint: str | None = None, exit_code: ExitCode | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code


# One class per exit code that a failure of its kind ends with, so callers catch by kind.
class UsageError(DandiopsError, exit_code=ExitCode.USAGE): ...


class ConfigError(DandiopsError, exit_code=ExitCode.CONFIG): ...


class AuthError(DandiopsError, exit_code=ExitCode.AUTH): ...


class NotFoundError(DandiopsError, exit_code=ExitCode.NOT_FOUND): ...


class UnavailableError(DandiopsError, exit_code=ExitCode.UNAVAILABLE): ...


class ConflictError(DandiopsError, exit_code=ExitCode.CONFLICT): ...


class TimeoutExpired(DandiopsError, exit_code=ExitCode.TIMEOUT): ...


class Aborted(DandiopsError, exit_code=ExitCode.ABORTED): ...


class Cancelled(DandiopsError, exit_code=ExitCode.CANCELLED): ...


class MaybeAppliedError(UnavailableError):
    """A write whose answer was lost: it may or may not have been applied. Audited as "unknown"."""

    def __init__(self, message: str, *, hint: str | None = None, action: str):
        super().__init__(message, hint=hint)
        self.action = action
