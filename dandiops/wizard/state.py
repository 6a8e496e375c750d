"""The init state file: what was answered and confirmed, so an interrupted init resumes where it stopped.

One JSON file per environment, beside dandiops.toml in .dandiops/ (mode 600), rewritten
atomically after every answer. It never holds a secret: secret answers are not remembered, and a
value containing a known secret is not written (it is asked again next time).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

from dandiops.core.errors import ConfigError
from dandiops.core.redact import SecretRegistry

VERSION = 1


def default_state_path(root: Path, env_name: str) -> Path:
    return root / ".dandiops" / f"init-{env_name}.json"


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class InitState:
    def __init__(self, path: Path, data: dict[str, Any], secrets: SecretRegistry | None = None):
        self.path = path
        self.data = data
        self.secrets = secrets or SecretRegistry()
        self._saved = json.dumps(data, sort_keys=True)

    @classmethod
    def load(cls, path: Path, *, environment: str, app: str, secrets: SecretRegistry | None = None) -> "InitState":
        fresh = {"version": VERSION, "environment": environment, "app": app, "answers": {}, "memo": {},
                 "interrupted_at": None, "updated_at": None}
        if not path.is_file():
            state = cls(path, fresh, secrets)
            state._saved = ""  # nothing on disk yet
            return state
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"the init state file {path} cannot be read ({exc})",
                              hint="delete it to start over (answers given at prompts will be asked again)") from None
        if not isinstance(data, dict) or data.get("version") != VERSION:
            raise ConfigError(f"the init state file {path} is not one this dandiops understands",
                              hint="delete it to start over")
        if data.get("app") != app:
            # a different app is a different deployment: what was confirmed for the old one does not carry over
            data = {**fresh, "answers": data.get("answers", {})}
        for key in ("answers", "memo"):
            data.setdefault(key, {})
        return cls(path, data, secrets)

    # --- answers and memos -----------------------------------------------------------------
    @property
    def answers(self) -> dict[str, Any]:
        return self.data["answers"]

    @property
    def memo(self) -> dict[str, Any]:
        return self.data["memo"]

    @property
    def interrupted_at(self) -> str | None:
        return self.data.get("interrupted_at")

    def set_answer(self, key: str, value: Any) -> None:
        if self._holds_secret(value):
            return  # asked again next time rather than written down
        self.answers[key] = value
        self.save()

    def set_memo(self, key: str, value: Any) -> None:
        if self._holds_secret(value):
            return
        self.memo[key] = value
        self.save()

    def mark_interrupted(self, step: str | None) -> None:
        self.data["interrupted_at"] = step
        self.save()

    def _holds_secret(self, value: Any) -> bool:
        """A last line of defence: nothing containing a known secret value is ever written here."""
        text = json.dumps(value)
        return self.secrets.redact(text) != text

    # --- disk --------------------------------------------------------------------------------
    @property
    def dirty(self) -> bool:
        return json.dumps(self.data, sort_keys=True) != self._saved

    def save(self) -> None:
        if not self.dirty:
            return
        self.data["updated_at"] = _now()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(self.data, handle, indent=2, sort_keys=True)
            handle.write("\n")
        os.replace(temporary, self.path)
        self._saved = json.dumps(self.data, sort_keys=True)
