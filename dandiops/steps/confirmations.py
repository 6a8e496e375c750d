"""Manual runbook items the operator has confirmed, kept beside dandiops.toml in .dandiops/.

Some settings have no API (Heroku's threshold alerts, who gets its emails): dandiops prints
them as a checklist and remembers, per Heroku app, which ones an operator said are done, by
whom and when. The file holds no secrets, so a team can commit it with dandiops.toml.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dandiops.core.errors import ConfigError

if TYPE_CHECKING:
    from dandiops.steps.context import Context

STATE_DIR = ".dandiops"  # beside dandiops.toml, where init keeps its state too
FILE_NAME = "confirmations.json"
VERSION = 1


class Confirmations:
    def __init__(self, path: Path):
        self.path = path

    @classmethod
    def for_context(cls, ctx: "Context") -> "Confirmations":
        return cls(ctx.settings.root / STATE_DIR / FILE_NAME)

    def _load(self) -> dict[str, Any]:
        if not self.path.is_file():
            return {"version": VERSION, "apps": {}}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{self.path} cannot be read as JSON ({exc})",
                              hint="fix or delete the file; it only records confirmed manual checks") from None
        if not isinstance(data, dict) or not isinstance(data.get("apps"), dict):
            raise ConfigError(f"{self.path} is not a dandiops confirmations file",
                              hint="fix or delete the file; it only records confirmed manual checks")
        return data

    def get(self, app: str, key: str) -> dict | None:
        return self._load()["apps"].get(app, {}).get(key)

    def confirm(self, app: str, key: str, by: str) -> dict:
        data = self._load()
        entry = {"confirmed_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "by": by}
        data["apps"].setdefault(app, {})[key] = entry
        self._write(data)
        return entry

    def _write(self, data: dict) -> None:
        # Write a sibling file and rename it over the old one, so a crash never leaves half a file.
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".confirmations-", dir=self.path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(json.dumps(data, indent=2, sort_keys=True) + "\n")
            os.chmod(temporary, 0o644)
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
