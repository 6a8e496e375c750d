"""The answers file of `dandiops init`: YAML or TOML sections of the keys init's steps ask.

The file is read and checked here (never a secret, never an unknown key); dandiops.app.questions.Answers
then answers each question from it first, before the state file and a prompt.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from dandiops.archive.deployment import is_secret_config_var
from dandiops.core.errors import ConfigError, UsageError
from dandiops.core.files import read_config_text


def known_answer_keys() -> frozenset[str]:
    """Every "section.name" an answers file may hold: what init's steps ask."""
    from dandiops.archive.deployment import ADDON_SERVICES, SCALED_PROCESS_TYPES
    from dandiops.steps.app_config import SOURCES
    from dandiops.steps.checklist import ITEMS
    from dandiops.steps.email import PRODUCTION_ACCESS, SMTP_USER_QUESTION_KEY

    keys = {f"config.{name}" for name, source in SOURCES.items() if source.question and not source.question.secret}
    keys |= {f"formation.{ptype}" for ptype in SCALED_PROCESS_TYPES}
    keys |= {f"addons.{service}" for service in ADDON_SERVICES}
    keys |= {f"checklist.{item.name}" for item in (*ITEMS, PRODUCTION_ACCESS)}
    keys |= {
        "superuser.email",
        "backups.at",
        "backups.timezone",
        "aws.bucket",
        "aws.iam_user",
        "aws.log_bucket",
        "aws.inventory_bucket",
        SMTP_USER_QUESTION_KEY,
        "auth.github_client_id",
        "auth.oauth_client_id",
        "fork.merge",
        "infrastructure.terraform_apply",
    }
    return frozenset(keys)


def load_answers_file(path: str | Path) -> dict[str, Any]:
    """Answers by "section.name" from a YAML or TOML file of sections (`config:`, `checklist:`...).

    A path that is not a file is a usage error (exit 2: it came from the command line); a file
    whose content is wrong is a configuration error (exit 3) naming what to fix."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(
            f"answers file {path} does not exist" + (" (it is a folder)" if path.is_dir() else ""),
            hint="check the path given to --answers",
        )
    text = read_config_text(path, name=f"answers file {path}")
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
        raise ConfigError(
            f"answers file {path} must hold sections (config:, checklist:, ...)", hint="see docs/init.md for the layout"
        )
    flat: dict[str, Any] = {}
    for section, values in data.items():
        if not isinstance(values, dict):
            raise ConfigError(
                f"answers file {path}: {section} must be a section of name: value pairs",
                hint=f"write `{section}:` followed by indented `name: value` lines",
            )
        for name, value in values.items():
            if isinstance(value, (dict, list)) or value is None:
                raise ConfigError(
                    f"answers file {path}: {section}.{name} must be a single value",
                    hint="give a string, number or true/false",
                )
            flat[f"{section}.{name}"] = value if isinstance(value, bool) else str(value)
    secrets = sorted(key for key in flat if _looks_secret(key))
    if secrets:
        raise ConfigError(
            f"answers file {path} holds secret values ({', '.join(secrets)}); it must never hold secrets",
            hint="remove them and set them as environment variables (or in .env.ENV, mode 600), "
            "or answer them at the hidden prompt",
        )
    unknown = sorted(set(flat) - known_answer_keys())
    if unknown:
        raise ConfigError(
            f"answers file {path} has unknown keys: {', '.join(unknown)}",
            hint="check their spelling; docs/init.md lists every section and key init asks",
        )
    return flat


def _looks_secret(key: str) -> bool:
    section, _, name = key.partition(".")
    return is_secret_config_var(name) or name.lower() in ("password", "secret", "token", "api_key")
