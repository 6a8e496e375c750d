"""Questions a step needs answered, and where answers come from.

A step names what it needs as a Question; Answers resolves it: from an answers file, from what
an earlier run remembered (init's state file), or at a prompt. Secret questions are answered from
an environment variable or a hidden prompt, never from a file, and are never remembered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Protocol, Sequence

from dandiops.core.errors import ConfigError, UsageError
from dandiops.core.words import noun

if TYPE_CHECKING:
    from dandiops.app.context import Context
    from dandiops.core.prompting import Prompter

Validator = Callable[[str], "str | None"]  # returns what is wrong, or None when the value is fine
TRUE_WORDS = {"true", "yes", "y", "on", "1", "done"}
FALSE_WORDS = {"false", "no", "n", "off", "0"}


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
    details: str | None = None  # whole instructions, printed wrapped before a short prompt

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


def placeholder(question: Question) -> str:
    """What a dry-run plan shows for an answer it would ask for."""
    return f"<asked: {question.key}>"


def as_bool(question: Question, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigError(f"invalid answer for {question.key}: {value!r}", hint="answer true or false")


class AnswerStore(Protocol):
    """Where answers given at a prompt, and checks worth remembering, are kept between runs."""

    @property
    def answers(self) -> dict[str, Any]: ...

    @property
    def memo(self) -> dict[str, Any]: ...

    @property
    def description(self) -> str: ...  # names the store in an error about a value it holds

    def set_answer(self, key: str, value: Any) -> None: ...

    def set_memo(self, key: str, value: Any) -> None: ...


class RunMemory:
    """An AnswerStore for one run: what was answered is kept until the process ends."""

    description = "an answer given earlier in this run"

    def __init__(self) -> None:
        self.answers: dict[str, Any] = {}
        self.memo: dict[str, Any] = {}

    def set_answer(self, key: str, value: Any) -> None:
        self.answers[key] = value

    def set_memo(self, key: str, value: Any) -> None:
        self.memo[key] = value


class Answers:
    """Where a step's answers come from.

    Order for a non-secret question: the answers file (this run's explicit input), then what was
    answered at a prompt in an earlier run (the store: init's state file), then a prompt on a
    terminal; without a terminal, a missing answer is an error naming the key to add. Secret
    questions are answered from their environment variable (or .env) or a hidden prompt only: an
    answers file holding a secret is refused, and secret answers are never stored. A dry run never
    prompts and never stores.
    """

    def __init__(
        self,
        ctx: "Context",
        *,
        store: AnswerStore | None = None,
        file_answers: Mapping[str, Any] | None = None,
        source: str = "the answers file",
        interactive: bool | None = None,
        dry_run: bool = False,
    ):
        self.ctx = ctx
        self.store: AnswerStore = store if store is not None else RunMemory()
        self.file_answers = dict(file_answers or {})
        self.source = source
        self.interactive = ctx.terminal.interactive if interactive is None else interactive  # someone can answer
        self.dry_run = dry_run
        # secrets typed at a prompt, kept for this run only: each is asked once however often a step needs it
        self._typed_secrets: dict[str, str] = {}

    def known(self, question: Question) -> Any:
        """The answer without asking, or None."""
        if question.secret:
            if question.key in self.file_answers:
                raise ConfigError(
                    f"{self.source} holds the secret {question.key}; it must never hold secrets",
                    hint=f"remove it and set {question.env_var} in the environment or .env instead",
                )
            value = self.ctx.secrets.get(question.env_var) if question.env_var else None
            if not value and question.key in self._typed_secrets:
                return self._typed_secrets[question.key]
            if value:
                self.ctx.secret_registry.add(value)
                self._validate(question, value, f"${question.env_var}")
            return value
        if question.key in self.file_answers:
            return self._validate(question, self.file_answers[question.key], self.source)
        if question.remember and question.key in self.store.answers:
            return self._validate(question, self.store.answers[question.key], self.store.description)
        return None

    def ask(self, question: Question) -> Any:
        """The answer, prompting for it when it is not known (a dry run shows a placeholder instead)."""
        value = self.known(question)
        if value is not None:
            return value
        if self.dry_run:
            return True if question.kind == "confirm" else placeholder(question)
        if not self.interactive:
            raise self.missing_error([question])
        if question.details:
            self.ctx.reporter.instructions(question.details)
        value = ask_prompter(self.ctx.prompter, question)
        if question.secret:
            self.ctx.secret_registry.add(value)
            self._typed_secrets[question.key] = value
        elif question.remember:
            self.store.set_answer(question.key, value)  # kept now: Ctrl-C at the next prompt keeps it
        return value

    def remember(self, key: str, value: Any) -> None:
        if not self.dry_run:
            self.store.set_memo(key, value)

    def recall(self, key: str) -> Any:
        return self.store.memo.get(key)

    def _validate(self, question: Question, value: Any, where: str) -> Any:
        if question.kind == "confirm":
            return as_bool(question, value)
        problem = question.check(value)
        if problem:
            shown = "(secret)" if question.secret else repr(value)
            raise ConfigError(
                f"invalid answer for {question.key} in {where}: {shown}: {problem}", hint="correct it and run again"
            )
        return value.strip() if isinstance(value, str) and not question.secret else value

    def unanswered(self, questions: Iterable[Question]) -> list[Question]:
        found, seen = [], set()
        for question in questions:
            if question.key not in seen and self.known(question) is None:
                seen.add(question.key)
                found.append(question)
        return found

    def missing_error(self, questions: list[Question]) -> UsageError:
        plain = [q for q in questions if not q.secret]
        secret = [q for q in questions if q.secret]
        names = ", ".join(q.key for q in questions)
        hints = []
        if plain:
            example = "; ".join(f"{q.section}: {q.name}: ..." for q in plain[:3])
            hints.append(f"add {', '.join(q.key for q in plain)} to the answers file (--answers FILE), e.g. {example}")
        if secret:
            hints.append(
                "set "
                + ", ".join(f"{q.env_var} (for {q.key})" for q in secret)
                + " in the environment or .env beside dandiops.toml"
            )
        return UsageError(
            f"missing {noun(len(questions), 'answer')} and no terminal to ask on: {names}", hint="; ".join(hints)
        )


def ask_prompter(prompter: Prompter, question: Question) -> Any:
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
