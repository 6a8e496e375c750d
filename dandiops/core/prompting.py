"""The interface every prompt goes through, so that steps and dandiops.app can ask without knowing
what answers them (questionary on a terminal, an error naming the flag without one, a script in tests)."""

from __future__ import annotations

from typing import Callable, Protocol, Sequence, Union

from dandiops.core.errors import DandiopsError, ExitCode

# True when the answer is fine, else the message to show before asking again (questionary's convention)
Validator = Callable[[str], Union[bool, str]]


class Prompter(Protocol):
    def text(
        self, message: str, *, default: str | None = None, flag: str | None = None, validate: Validator | None = None
    ) -> str: ...

    def password(self, message: str, *, flag: str | None = None, validate: Validator | None = None) -> str: ...

    def confirm(self, message: str, *, default: bool = False, flag: str | None = None) -> bool: ...

    def select(
        self, message: str, choices: Sequence[str], *, default: str | None = None, flag: str | None = None
    ) -> str: ...


class Interrupted(DandiopsError):
    exit_code = ExitCode.INTERRUPTED
