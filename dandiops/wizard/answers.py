"""Where the wizard's answers come from: the answers file, the state file, the environment, a prompt.

Order for a non-secret question: the answers file (this run's explicit input), then what was
answered at a prompt in an earlier run (the state file), then a prompt on a terminal; without a
terminal, a missing answer is an error naming the key to add. Secret questions are answered from
their environment variable (or .env) or a hidden prompt only: an answers file holding a secret is
refused, and secret answers are never written anywhere.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from dandiops.archive.deployment import is_secret_config_var
from dandiops.core.errors import ConfigError, UsageError
from dandiops.steps.questions import Question, ask_prompter, placeholder

if TYPE_CHECKING:
    from dandiops.steps.context import Context
    from dandiops.wizard.state import InitState

TRUE_WORDS = {"true", "yes", "y", "on", "1", "done"}
FALSE_WORDS = {"false", "no", "n", "off", "0"}


def known_answer_keys() -> frozenset[str]:
    """Every "section.name" an answers file may hold: what init's steps ask."""
    from dandiops.archive.deployment import ADDON_SERVICES, SCALED_PROCESS_TYPES
    from dandiops.steps.app_config import SOURCES
    from dandiops.steps.checklist import ITEMS

    keys = {f"config.{name}" for name, source in SOURCES.items() if source.question and not source.question.secret}
    keys |= {f"formation.{ptype}" for ptype in SCALED_PROCESS_TYPES}
    keys |= {f"addons.{service}" for service in ADDON_SERVICES}
    keys |= {f"checklist.{item.name}" for item in ITEMS}
    keys |= {"superuser.email", "backups.at", "backups.timezone", "aws.bucket", "aws.iam_user",
             "auth.github_client_id", "auth.oauth_client_id", "infrastructure.terraform_apply"}
    return frozenset(keys)


def load_answers_file(path: str | Path) -> dict[str, Any]:
    """Answers by "section.name" from a YAML or TOML file of sections (`config:`, `checklist:`...).

    A path that is not a file is a usage error (exit 2: it came from the command line); a file
    whose content is wrong is a configuration error (exit 3) naming what to fix."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"answers file {path} does not exist" + (" (it is a folder)" if path.is_dir() else ""),
                         hint="check the path given to --answers")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"answers file {path} is not UTF-8 text", hint="save it as UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"answers file {path} cannot be read ({exc.strerror or exc})",
                          hint="check the file's permissions") from None
    if path.suffix.lower() == ".toml":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"answers file {path} is not valid TOML: {exc}", hint="fix the line it names") from None
    else:
        import yaml

        try:
            # BaseLoader keeps every scalar a string: a DOI prefix such as 10.80500 must not become a float
            data = yaml.load(text, Loader=yaml.BaseLoader) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"answers file {path} is not valid YAML: {exc}", hint="fix the line it names") from None
    if not isinstance(data, dict):
        raise ConfigError(f"answers file {path} must hold sections (config:, checklist:, ...)",
                          hint="see docs/init.md for the layout")
    flat: dict[str, Any] = {}
    for section, values in data.items():
        if not isinstance(values, dict):
            raise ConfigError(f"answers file {path}: {section} must be a section of name: value pairs",
                              hint=f"write `{section}:` followed by indented `name: value` lines")
        for name, value in values.items():
            if isinstance(value, (dict, list)) or value is None:
                raise ConfigError(f"answers file {path}: {section}.{name} must be a single value",
                                  hint="give a string, number or true/false")
            flat[f"{section}.{name}"] = value if isinstance(value, bool) else str(value)
    secrets = sorted(key for key in flat if _looks_secret(key))
    if secrets:
        raise ConfigError(f"answers file {path} holds secret values ({', '.join(secrets)}); it must never hold secrets",
                          hint="remove them and set them as environment variables (or in .env.ENV, mode 600), "
                               "or answer them at the hidden prompt")
    unknown = sorted(set(flat) - known_answer_keys())
    if unknown:
        raise ConfigError(f"answers file {path} has unknown keys: {', '.join(unknown)}",
                          hint="check their spelling; docs/init.md lists every section and key init asks")
    return flat


def _looks_secret(key: str) -> bool:
    section, _, name = key.partition(".")
    return is_secret_config_var(name) or name.lower() in ("password", "secret", "token", "api_key")


def as_bool(question: Question, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigError(f"invalid answer for {question.key}: {value!r}", hint="answer true or false")


class WizardAnswers:
    def __init__(self, ctx: "Context", state: "InitState", *, file_answers: dict[str, Any] | None = None,
                 interactive: bool = False, dry_run: bool = False, source: str = "the answers file"):
        self.ctx = ctx
        self.state = state
        self.file_answers = dict(file_answers or {})
        self.interactive = interactive
        self.dry_run = dry_run
        self.source = source

    # --- the Answers protocol (dandiops.steps.questions) -------------------------------------
    def known(self, question: Question) -> Any:
        if question.secret:
            if question.key in self.file_answers:
                raise ConfigError(f"{self.source} holds the secret {question.key}; it must never hold secrets",
                                 hint=f"remove it and set {question.env_var} in the environment or .env instead")
            value = self.ctx.secrets.get(question.env_var) if question.env_var else None
            if value:
                self.ctx.secret_registry.add(value)
                self._validate(question, value, f"${question.env_var}")
            return value
        if question.key in self.file_answers:
            return self._validate(question, self.file_answers[question.key], self.source)
        if question.remember and question.key in self.state.answers:
            return self._validate(question, self.state.answers[question.key], f"the state file {self.state.path}")
        return None

    def ask(self, question: Question) -> Any:
        value = self.known(question)
        if value is not None:
            return value
        if self.dry_run:
            return True if question.kind == "confirm" else placeholder(question)
        if not self.interactive:
            raise self.missing_error([question])
        value = ask_prompter(self.ctx.prompter, question)
        if question.secret:
            self.ctx.secret_registry.add(value)
        elif question.remember:
            self.state.set_answer(question.key, value)  # saved now: Ctrl-C at the next prompt keeps it
        return value

    def remember(self, key: str, value: Any) -> None:
        if not self.dry_run:
            self.state.set_memo(key, value)

    def recall(self, key: str) -> Any:
        return self.state.memo.get(key)

    # --- helpers -------------------------------------------------------------------------------
    def _validate(self, question: Question, value: Any, where: str) -> Any:
        if question.kind == "confirm":
            return as_bool(question, value)
        problem = question.check(value)
        if problem:
            shown = "(secret)" if question.secret else repr(value)
            raise ConfigError(f"invalid answer for {question.key} in {where}: {shown}: {problem}",
                             hint="correct it and run again")
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
            hints.append("set " + ", ".join(f"{q.env_var} (for {q.key})" for q in secret)
                         + " in the environment or .env beside dandiops.toml")
        return UsageError(f"missing answer(s) and no terminal to ask on: {names}", hint="; ".join(hints))
