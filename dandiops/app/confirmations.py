"""Manual runbook items the operator has confirmed, kept beside dandiops.toml in .dandiops/.

Some settings have no API (Heroku's threshold alerts, who gets its emails): dandiops prints
them as a checklist and remembers, per Heroku app, which ones an operator said are done, by
whom and when. The file holds no secrets, so a team can commit it with dandiops.toml.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dandiops.core.errors import ConfigError
from dandiops.core.files import aside_command, atomic_write_text, file_lock, read_state_text

if TYPE_CHECKING:
    from dandiops.app.context import Context

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
        path = self.path
        text = read_state_text(
            path,
            what="the confirmations file",
            folder_hint="move that folder away; dandiops keeps confirmed manual checks in that file",
        )
        if text is None:
            return {"version": VERSION, "apps": {}}
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ConfigError(
                f"{path} cannot be read as JSON ({exc}); it was left as it is", hint=self._recovery()
            ) from None
        problems = _problems(data)
        if problems:
            raise ConfigError(
                f"{path} is not a dandiops confirmations file: {'; '.join(problems)}; it was left as it is",
                hint=self._recovery(),
            )
        return data

    def _recovery(self) -> str:
        return (
            f"fix it in an editor, or move it aside ({aside_command(self.path)}) and confirm the manual "
            "items again (`dandiops alerts --confirm ITEM`, `dandiops init`)"
        )

    def get(self, app: str, key: str) -> dict | None:
        return self._load()["apps"].get(app, {}).get(key)

    def confirm(self, app: str, key: str, by: str) -> dict:
        entry = {"confirmed_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "by": by}
        try:
            # read, change and replace under the lock: a confirmation another process records meanwhile is kept
            with file_lock(self.path):
                data = self._load()
                data["apps"].setdefault(app, {})[key] = entry
                # no secrets in here: readable by the team, which may commit it beside dandiops.toml
                atomic_write_text(self.path, json.dumps(data, indent=2, sort_keys=True) + "\n", mode=0o644)
        except OSError as exc:
            raise ConfigError(
                f"{self.path} cannot be written ({exc.strerror or exc})",
                hint="check that the .dandiops folder beside dandiops.toml is writable",
            ) from None
        return entry


def _problems(data: Any) -> list[str]:
    if not isinstance(data, dict):
        return ["it is not a JSON object"]
    version = data.get("version", VERSION)
    if version != VERSION:
        return [f"its version is {json.dumps(version)}, not {VERSION} (a newer dandiops may have written it)"]
    apps = data.get("apps")
    if not isinstance(apps, dict):
        return ["`apps` is missing or not an object"]
    problems = []
    for app, items in apps.items():
        if not isinstance(items, dict):
            problems.append(f"apps.{app} is not an object")
            continue
        for key, entry in items.items():
            if not isinstance(entry, dict) or not all(isinstance(v, str) for v in entry.values()):
                problems.append(f"apps.{app}.{key} is not an object of text values (confirmed_at, by)")
    return problems
