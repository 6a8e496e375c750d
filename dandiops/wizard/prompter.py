"""The Prompters the CLI gives a command: questionary on a terminal, an error naming the flag otherwise.

The interface itself (Prompter, Validator, Interrupted) is dandiops.core.prompting, so that the layers
below the wizard can type against it without importing questionary's side of it."""

from __future__ import annotations

from dandiops.core.errors import UsageError
from dandiops.core.prompting import Interrupted, Prompter, Validator

__all__ = ["Interrupted", "NonInteractivePrompter", "Prompter", "QuestionaryPrompter", "Validator", "prompter_for"]


class QuestionaryPrompter:
    """Prompts on the terminal. Ctrl-C propagates (unsafe_ask) so callers can save state first."""

    def __init__(self, input=None, output=None):
        self._io = {k: v for k, v in (("input", input), ("output", output)) if v is not None}

    def _ask(self, question):
        try:
            answer = question.unsafe_ask()
        except KeyboardInterrupt:
            raise Interrupted("interrupted at a prompt") from None
        except EOFError:
            raise UsageError("the prompt's input ended", hint="answer with flags or an answers file") from None
        return answer

    def text(self, message, *, default=None, flag=None, validate=None):
        import questionary

        return self._ask(questionary.text(message, default=default or "", validate=validate, **self._io))

    def password(self, message, *, flag=None, validate=None):
        import questionary

        return self._ask(questionary.password(message, validate=validate, **self._io))

    def confirm(self, message, *, default=False, flag=None):
        import questionary

        return bool(self._ask(questionary.confirm(message, default=default, **self._io)))

    def select(self, message, choices, *, default=None, flag=None):
        import questionary

        return self._ask(questionary.select(message, choices=list(choices), default=default, **self._io))


class NonInteractivePrompter:
    """No terminal to ask on: every question is an error naming the flag that answers it."""

    def _refuse(self, message: str, flag: str | None):
        raise UsageError(
            f"an answer is needed and there is no terminal to ask on: {message}",
            hint=f"pass {flag}" if flag else "run in a terminal, or pass the answer as a flag",
        )

    def text(self, message, *, default=None, flag=None, validate=None):
        self._refuse(message, flag)

    def password(self, message, *, flag=None, validate=None):
        self._refuse(message, flag)

    def confirm(self, message, *, default=False, flag=None):
        self._refuse(message, flag)

    def select(self, message, choices, *, default=None, flag=None):
        self._refuse(message, flag)


def prompter_for(terminal) -> Prompter:
    return QuestionaryPrompter() if terminal.interactive else NonInteractivePrompter()
