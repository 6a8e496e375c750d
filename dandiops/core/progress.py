"""Progress of a wait on a terminal: a spinner while it lasts, then one line saying how it ended.

Only on a terminal: when stderr is a file or a pipe nothing is written, because scripts read
stderr for what went wrong and a log of spinner frames helps no one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.status import Status


class Wait:
    def __init__(self, console: "Console", *, shown: bool):
        self.console = console
        self.shown = shown
        self.message: str | None = None
        self._spinner: "Status | None" = None

    def start(self, message: str) -> None:
        """Show `message…` with a spinner until finish() or close()."""
        self.message = message
        if not self.shown:
            return
        from rich.text import Text

        if self._spinner is None:
            self._spinner = self.console.status(Text(f"{message}…"))
            self._spinner.start()
        else:
            self._spinner.update(Text(f"{message}…"))

    def finish(self, outcome: str) -> None:
        """Replace the spinner by `message… outcome`, kept on screen."""
        from rich.text import Text

        self.close()
        if self.shown and self.message is not None:
            self.console.print(Text(f"{self.message}… {outcome}"))
        self.message = None

    def close(self) -> None:
        if self._spinner is not None:
            self._spinner.stop()
            self._spinner = None
