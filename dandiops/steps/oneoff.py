"""Running the archive's management commands in one-off dynos for steps and commands.

Output lines are collected (and echoed to stderr unless told otherwise); a `DANDIOPS-RESULT`
line is parsed, never shown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping

from dandiops.archive.management import RESULT_PREFIX, parse_result
from dandiops.core.errors import ConfigError, DandiopsError, UsageError
from dandiops.core.names import check_duration

if TYPE_CHECKING:
    from dandiops.app.context import Context
    from dandiops.core.progress import Wait
    from dandiops.providers.dyno import OneOffDynos, TimeLimits

START_TIMEOUT_SETTING = "DANDIOPS_DYNO_START_TIMEOUT"
SILENCE_TIMEOUT_SETTING = "DANDIOPS_DYNO_SILENCE_TIMEOUT"
START_TIMEOUT_OPTION = "--start-timeout"
SILENCE_TIMEOUT_OPTION = "--silence-timeout"
MAX_LIMIT = 86400  # a one-off dyno lives a day at most
DEFAULT_START_TIMEOUT = 120.0
DEFAULT_SILENCE_TIMEOUT = 600.0  # management commands print at least every few minutes
SCRIPT_TIME_TO_LIVE = 3600


@dataclass
class DynoRun:
    exit_status: int
    dyno_name: str
    lines: list[str] = field(default_factory=list)

    @property
    def result(self) -> dict[str, Any] | None:
        return parse_result(self.lines)

    def output(self, last: int = 20) -> str:
        shown = [line for line in self.lines if not line.startswith(RESULT_PREFIX)]
        return "\n".join(shown[-last:])


class LineCollector:
    """Turns streamed chunks into lines; each finished line is kept and optionally echoed."""

    def __init__(self, echo: Callable[[str], None] | None):
        self.lines: list[str] = []
        self._echo = echo
        self._partial = ""

    def __call__(self, chunk: str) -> None:
        text = self._partial + chunk
        *complete, self._partial = text.split("\n")
        for line in complete:
            self._line(line.rstrip("\r"))

    def finish(self) -> None:
        if self._partial:
            self._line(self._partial.rstrip("\r"))
            self._partial = ""

    def _line(self, line: str) -> None:
        self.lines.append(line)
        if self._echo and line.strip() and not line.startswith(RESULT_PREFIX):
            self._echo(line + "\n")


def _seconds(ctx: "Context", setting: str, option: str, value: float | None, default: float | None) -> float | None:
    """A time limit from `option` (a bad one is exit 2), else the `setting` (exit 3), else `default`;
    None means no limit."""
    if value is not None:
        return _limit(value, option, UsageError, f"{option} 300")
    raw = ctx.setting(setting)
    if raw is None:
        return default
    try:
        seconds = float(raw)
    except ValueError:
        seconds = math.nan  # refused below, with the same message as inf or nan
    return _limit(seconds, setting, ConfigError, f"{setting}=300")


def _limit(seconds: float, name: str, error: type[DandiopsError], example: str) -> float | None:
    # inf, nan and huge values would reach select() and socket timeouts, which refuse them mid-run.
    try:
        check_duration(seconds, name, allow_zero=True, maximum=MAX_LIMIT)
    except ValueError as exc:
        raise error(str(exc), hint=f"give a number of seconds, e.g. {example}; 0 means no limit") from None
    return seconds if seconds > 0 else None


def time_limits(
    ctx: "Context",
    *,
    start_timeout: float | None = None,
    silence_timeout: float | None = None,
    default_silence: float | None = DEFAULT_SILENCE_TIMEOUT,
) -> "TimeLimits":
    """The dyno time limits from the options given, else the settings; a limit of 0 means none."""
    from dandiops.providers.dyno import TimeLimits

    start = _seconds(ctx, START_TIMEOUT_SETTING, START_TIMEOUT_OPTION, start_timeout, DEFAULT_START_TIMEOUT)
    silence = _seconds(ctx, SILENCE_TIMEOUT_SETTING, SILENCE_TIMEOUT_OPTION, silence_timeout, default_silence)
    return TimeLimits(start=start or MAX_LIMIT, silence=silence)


def dyno_client(ctx: "Context", limits: "TimeLimits | None" = None) -> "OneOffDynos":
    """A one-off dyno client for the environment's app."""
    from dandiops.providers.dyno import CA_FILE_VAR, OneOffDynos

    return OneOffDynos(
        ctx.heroku(), ctx.env.heroku_app, ca_file=ctx.setting(CA_FILE_VAR), limits=limits or time_limits(ctx)
    )


def stderr_echo(ctx: "Context") -> Callable[[str], None]:
    stream = ctx.reporter.err.file

    def echo(text: str) -> None:
        stream.write(text)
        stream.flush()

    return echo


def dyno_starting(wait: "Wait") -> Callable[[dict[str, Any]], None]:
    """Shows `starting run.N (Basic)…` from the dyno's creation until it is attached."""

    def show(dyno: dict[str, Any]) -> None:
        wait.start(f"starting {dyno.get('name') or 'a one-off dyno'} ({dyno.get('size') or 'default size'})")

    return show


def run_in_dyno(
    ctx: "Context", command: str, *, env: Mapping[str, str] | None = None, echo: bool = True, what: str
) -> DynoRun:
    """Run `command` in a one-off dyno, collecting its output lines."""
    collector = LineCollector(stderr_echo(ctx) if echo else None)
    ctx.reporter.step(f"{what}: one-off dyno on {ctx.env.heroku_app}")
    with ctx.reporter.waiting() as wait:
        result = dyno_client(ctx).run(
            command,
            output=collector,
            env=env,
            time_to_live=SCRIPT_TIME_TO_LIVE,
            on_created=dyno_starting(wait),
            on_attached=lambda dyno: wait.finish("up"),
        )
    collector.finish()
    return DynoRun(exit_status=result.exit_status, dyno_name=result.dyno_name, lines=collector.lines)


def require_result(run: DynoRun, what: str) -> dict[str, Any]:
    result = run.result
    if result is None or run.exit_status != 0:
        tail = run.output(10)
        raise DandiopsError(
            f"{what} failed in dyno {run.dyno_name}: the command exited with status {run.exit_status}"
            + (" without a result" if result is None else "")
            + (f"; its last output:\n{tail}" if tail else ""),
            hint="read the error above; if the app's code or database is not ready, deploy and release first",
        )
    return result
