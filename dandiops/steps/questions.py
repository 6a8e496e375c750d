"""Questions a step needs answered, and where answers come from.

A step names what it needs as a Question; an Answers source resolves it. The `init` wizard's
source reads an answers file, remembers answers between runs and prompts on a terminal; the
PromptingAnswers here just prompts, for steps used on their own. Secret questions are answered
from an environment variable or a hidden prompt, never from a file, and are never remembered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Protocol, Sequence

from dandiops.core.errors import UsageError

if TYPE_CHECKING:
    from dandiops.steps.context import Context

Validator = Callable[[str], "str | None"]  # returns what is wrong, or None when the value is fine


@dataclass(frozen=True)
class Question:
    key: str  # "section.name": where it goes in an answers file
    message: str
    kind: str = "text"  # text | secret | confirm | select
    default: str | None = None  # offered at the prompt; never used without asking
    choices: Sequence[str] = ()
    env_var: str | None = None  # secrets: the variable a run without a terminal reads
    validate: Validator | None = None
    remember: bool = True  # keep the answer for the next run (secrets never are)

    @property
    def secret(self) -> bool:
        return self.kind == "secret"

    @property
    def section(self) -> str:
        return self.key.partition(".")[0]

    @property
    def name(self) -> str:
        return self.key.partition(".")[2]

    def check(self, value: Any) -> str | None:
        if self.kind == "confirm":
            return None if isinstance(value, bool) else "answer true or false"
        if not isinstance(value, str) or not value.strip():
            return "the answer is empty"
        if self.choices and value not in self.choices:
            return f"choose one of: {', '.join(self.choices)}"
        return self.validate(value) if self.validate else None


class Answers(Protocol):
    """Where a step's answers come from. `dry_run` sources never prompt and never record."""

    dry_run: bool
    interactive: bool  # someone can answer a prompt

    def known(self, question: Question) -> Any: ...

    def ask(self, question: Question) -> Any: ...

    def remember(self, key: str, value: Any) -> None: ...

    def recall(self, key: str) -> Any: ...


def placeholder(question: Question) -> str:
    """What a dry-run plan shows for an answer it would ask for."""
    return f"<asked: {question.key}>"


class PromptingAnswers:
    """Answers for a step used outside the wizard: the environment for secrets, else the Prompter."""

    def __init__(self, ctx: "Context", *, dry_run: bool = False):
        self.ctx = ctx
        self.dry_run = dry_run
        self.interactive = ctx.terminal.interactive
        self._memory: dict[str, Any] = {}

    def known(self, question: Question) -> Any:
        if question.secret and question.env_var:
            return self.ctx.secrets.get(question.env_var)
        return self._memory.get(question.key)

    def ask(self, question: Question) -> Any:
        value = self.known(question)
        if value is not None:
            return value
        if self.dry_run:
            return True if question.kind == "confirm" else placeholder(question)
        value = ask_prompter(self.ctx.prompter, question)
        if question.secret:
            self.ctx.secret_registry.add(value)
        else:
            self._memory[question.key] = value
        return value

    def remember(self, key: str, value: Any) -> None:
        self._memory[key] = value

    def recall(self, key: str) -> Any:
        return self._memory.get(key)


def ask_prompter(prompter, question: Question) -> Any:
    """Put one question to a Prompter, re-asking (on a terminal) until the answer is valid."""
    flag = f"--answers FILE with {question.key}" if not question.secret else f"{question.env_var} in the environment"
    if question.kind == "confirm":
        return prompter.confirm(question.message, default=question.default == "yes", flag=flag)
    if question.kind == "select":
        return prompter.select(question.message, list(question.choices), default=question.default, flag=flag)

    def validate(value: str):
        problem = question.check(value)
        return True if problem is None else problem

    if question.secret:
        value = prompter.password(question.message, flag=flag, validate=validate)
    else:
        value = prompter.text(question.message, default=question.default, flag=flag, validate=validate)
    problem = question.check(value)
    if problem:
        raise UsageError(f"invalid answer for {question.key}: {problem}", hint="run again and give a valid value")
    return value.strip() if not question.secret else value


# --- validators ----------------------------------------------------------------------------------
def email(value: str) -> str | None:
    return None if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value.strip()) else "not an email address"


def https_url(value: str) -> str | None:
    return None if re.fullmatch(r"https?://[^\s/]+(/\S*)?", value.strip()) else "not an http(s) URL"


def pattern(regex: str, example: str) -> Validator:
    compiled = re.compile(regex)

    def check(value: str) -> str | None:
        return None if compiled.fullmatch(value.strip()) else f"must match {regex} (e.g. {example})"

    return check


def url_with_scheme(*schemes: str) -> Validator:
    def check(value: str) -> str | None:
        scheme = value.split("://", 1)[0] if "://" in value else ""
        return None if scheme in schemes else f"must be a URL starting with {' or '.join(s + '://' for s in schemes)}"

    return check
