"""The terminal and the Reporter: results to stdout, everything else to stderr.

Whether streams are terminals, whether colour is wanted and how wide lines are is decided once,
in Terminal, so a command can be tested both ways. Everything goes through consoles whose
streams mask known secret values.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping, Sequence, cast

from dandiops.core.redact import RedactingStream, SecretRegistry, StreamRedactor

if TYPE_CHECKING:
    from dandiops.core.progress import Wait


@dataclass
class Terminal:
    stdin_tty: bool
    stdout_tty: bool
    stderr_tty: bool
    color: bool
    ci: bool

    @classmethod
    def detect(cls, environ: Mapping[str, str] = os.environ) -> "Terminal":
        def tty(stream: Any) -> bool:
            try:
                return bool(stream.isatty())
            except (AttributeError, ValueError):
                return False

        stderr_tty = tty(sys.stderr)
        no_color = "NO_COLOR" in environ or environ.get("TERM") == "dumb"
        return cls(
            stdin_tty=tty(sys.stdin),
            stdout_tty=tty(sys.stdout),
            stderr_tty=stderr_tty,
            color=stderr_tty and not no_color,
            ci=bool(environ.get("CI")),
        )

    @property
    def interactive(self) -> bool:
        """Prompts only when a person is there to answer (stdin and stderr on a terminal, not CI)."""
        return self.stdin_tty and self.stderr_tty and not self.ci


class Reporter:
    def __init__(
        self,
        terminal: Terminal,
        *,
        json_mode: bool = False,
        secrets: SecretRegistry | None = None,
        stdout: IO[str] | None = None,
        stderr: IO[str] | None = None,
    ):
        from rich.console import Console

        self.terminal = terminal
        self.json_mode = json_mode
        self.secrets = secrets or SecretRegistry()
        self._stdout = stdout or sys.stdout

        def console(stream: IO[str], tty: bool) -> Console:
            """A console writing to `stream` through the secret mask, coloured only on a terminal that wants it."""
            # RedactingStream is a text stream in all but name: it has what Console uses (write, flush, isatty)
            masked = cast(IO[str], RedactingStream(stream, self.secrets))
            return Console(
                file=masked,
                no_color=not terminal.color,
                highlight=False,
                soft_wrap=True,
                force_terminal=tty and terminal.color,
            )

        self.out = console(self._stdout, terminal.stdout_tty)
        self.err = console(stderr or sys.stderr, terminal.stderr_tty)
        self._json_emitted = False
        # {"env": ..., "app": ...} once the command has chosen its environment; every JSON result carries it
        self.subject: dict[str, Any] = {}

    # --- messages (stderr) ---------------------------------------------------------------
    def info(self, message: str) -> None:
        self.err.print(self._runnable(message), markup=False)

    def step(self, message: str) -> None:
        self.err.print(f"[bold]›[/bold] {_escape(self._runnable(message))}")

    def success(self, message: str) -> None:
        self.err.print(f"[green]✓[/green] {_escape(self._runnable(message))}")

    def warn(self, message: str) -> None:
        self.err.print(f"[yellow]warning:[/yellow] {_escape(self._runnable(message))}")

    def error(self, message: str, hint: str | None = None) -> None:
        self.err.print(f"[red]error:[/red] {_escape(self._runnable(message))}")
        if hint:
            self.err.print(f"[dim]hint:[/dim] {_escape(self._runnable(hint))}")

    def instructions(self, text: str) -> None:
        """Whole instructions before a prompt, wrapped at spaces to the terminal's width (a prompt
        line shows only what fits one screen line); a URL longer than a line stays whole."""
        import textwrap

        from rich.text import Text

        # textwrap, not rich: rich folds a word longer than the line, and a URL cut in two cannot be copied
        wrapped = textwrap.fill(
            self._runnable(text), width=self.err.width, break_long_words=False, break_on_hyphens=False
        )
        self.err.print(Text(wrapped))

    def _runnable(self, message: str) -> str:
        """A message whose `dandiops ...` commands name the environment this run chose, so each runs as
        it reads whatever selected the environment this time (-e, DANDIOPS_ENV, default_env)."""
        env = self.subject.get("env")
        return with_environment(message, env) if env else message

    @contextlib.contextmanager
    def progress(self, message: str) -> Iterator[None]:
        """A spinner on a terminal; a single line otherwise."""
        if self.terminal.stderr_tty and not self.terminal.ci:
            with self.err.status(_escape(message)):
                yield
        else:
            self.info(message)
            yield

    @contextlib.contextmanager
    def waiting(self) -> Iterator["Wait"]:
        """A wait whose progress shows on a terminal only (see dandiops.core.progress); the spinner
        goes away however the block ends."""
        from dandiops.core.progress import Wait

        wait = Wait(self.err, shown=self.terminal.stderr_tty and not self.terminal.ci)
        try:
            yield wait
        finally:
            wait.close()

    # --- results (stdout) ----------------------------------------------------------------
    def result(self, data: Any, human: Callable[[], None] | None = None, *, masked: bool = True) -> None:
        """Emit the command's result: one JSON document with --json, else the human rendering.

        masked=False (a command's --show-secrets) writes the JSON document as it is."""
        if self.json_mode:
            if self._json_emitted:
                raise RuntimeError("a command may emit only one JSON document")
            self._json_emitted = True
            if isinstance(data, dict) and self.subject:
                data = {**self.subject, **data}
            stream = self.out.file if masked else self._stdout
            stream.write(json.dumps(self.secrets.redact_data(data) if masked else data, indent=2, default=str) + "\n")
            stream.flush()
        elif human is not None:
            human()

    def command_output(self, *, masked: bool = True) -> StreamRedactor:
        """Where a remote command's output (a dyno's, the app's log lines) goes on stdout, written as
        it arrives. Known secrets are masked even when one arrives split across writes, unless
        masked is False (a command's --show-secrets); close() writes what was held back."""
        stream = self._stdout

        def write(text: str) -> None:
            stream.write(text)
            stream.flush()

        return StreamRedactor(self.secrets if masked else None, write)

    def line(self, text: str = "") -> None:
        self.out.print(text, markup=False)

    def table(
        self,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        title: str | None = None,
        *,
        empty: str | None = None,
    ) -> None:
        """`empty`, when given, is the line printed instead of a table with no rows ("Dynos: none running")."""
        from dandiops.core.tables import render_table

        if not rows and empty is not None:
            self.line(empty)
            return
        render_table(self.out, columns, rows, title=title, on_terminal=self.terminal.stdout_tty)

    def records(
        self,
        records: Iterable[Mapping[str, Any]],
        columns: Mapping[str, str],
        title: str | None = None,
        *,
        empty: str | None = None,
    ) -> None:
        """A table of `records` (JSON objects) that shows a field of each as it is in each column:
        `columns` maps each column's header to its field."""
        self.table(
            list(columns), [[record[field] for field in columns.values()] for record in records], title, empty=empty
        )


_SUGGESTED_COMMAND = re.compile(r"`dandiops ([^`]*)`")
# Commands that take no environment, and arguments that already say which one (or stand for it).
_NO_ENVIRONMENT = re.compile(r"^(sandbox|--install-completion|--help|--version)\b")
_NAMES_ENVIRONMENT = re.compile(r"(^|\s)(-e|--env)(\s|=|$)|(^|\s)ENV(\s|$)")


def with_environment(message: str, env: str) -> str:
    """Every `dandiops COMMAND ...` in message with `-e ENV` added where it does not say already."""

    def add(found: re.Match[str]) -> str:
        arguments = found.group(1)
        if _NO_ENVIRONMENT.match(arguments) or _NAMES_ENVIRONMENT.search(arguments) or env in arguments.split():
            return found.group(0)
        before, separator, after = arguments.partition(" -- ")  # `dandiops run -- CMD`: options go before --
        return f"`dandiops {before} -e {env}{separator}{after}`"

    return _SUGGESTED_COMMAND.sub(add, message)


_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(value: object) -> str:
    """Text that came from outside (a user's name, email, reason) as a terminal should show it.

    C0 and C1 control characters become visible escapes (ESC as \\x1b, a newline as \\n), so
    the text cannot move the cursor, retitle the window or forge a line of output. Rich markup
    needs no escaping here: the Reporter prints messages and table cells as plain text.
    """
    return _CONTROL_CHARACTERS.sub(
        lambda found: _NAMED_ESCAPES.get(found.group()) or f"\\x{ord(found.group()):02x}", str(value)
    )


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
