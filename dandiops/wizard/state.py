"""The init state file: what was answered and confirmed, so an interrupted init resumes where it stopped.

One JSON file per environment, beside dandiops.toml in .dandiops/ (mode 600), saved after every
answer. It never holds a secret: secret answers are not remembered, and a value containing a
known secret is not written (it is asked again next time).

Two inits of one environment may run at once (two terminals, a script): each save takes the
file's lock, reads what is on disk, applies only what this run changed and replaces the file
atomically, so neither run loses the other's answers. A file that cannot be read is never
overwritten or deleted: the error names it, lists the answers it holds and says how to recover.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from dandiops.core.files import STATE_DIR, JsonStateFile, aside_command, utc_stamp
from dandiops.core.redact import SecretRegistry

VERSION = 1
TOP_LEVEL = "answers", "memo"  # the sections this run's changes are merged into


def default_state_path(root: Path, env_name: str) -> Path:
    return root / STATE_DIR / f"init-{env_name}.json"


def _fresh(environment: str, app: str) -> dict[str, Any]:
    return {
        "version": VERSION,
        "environment": environment,
        "app": app,
        "answers": {},
        "memo": {},
        "interrupted_at": None,
        "updated_at": None,
    }


class InitState(JsonStateFile):
    what = "the init state file"
    folder_hint = "move that folder away, or pass --state-file with the path of a file"
    write_hint = "check that its folder exists and is writable, or pass --state-file PATH"

    def __init__(self, path: Path, data: dict[str, Any], secrets: SecretRegistry | None = None):
        super().__init__(path)
        self.data = data
        self.secrets = secrets or SecretRegistry()
        # what this run changed, (section or None, key) -> value: merged into the file as it is on disk
        self._changes: dict[tuple[str | None, str], Any] = {}

    @classmethod
    def load(cls, path: Path, *, environment: str, app: str, secrets: SecretRegistry | None = None) -> "InitState":
        state = cls(path, _fresh(environment, app), secrets)
        state.data = state._current(state.read())
        return state

    # --- answers and memos -----------------------------------------------------------------
    @property
    def answers(self) -> dict[str, Any]:
        return self.data["answers"]

    @property
    def memo(self) -> dict[str, Any]:
        return self.data["memo"]

    @property
    def description(self) -> str:
        return f"the state file {self.path}"

    @property
    def interrupted_at(self) -> str | None:
        return self.data.get("interrupted_at")

    def set_answer(self, key: str, value: Any) -> None:
        if self._holds_secret(value):
            return  # asked again next time rather than written down
        self._change("answers", key, value)

    def set_memo(self, key: str, value: Any) -> None:
        if self._holds_secret(value):
            return
        self._change("memo", key, value)

    def mark_interrupted(self, step: str | None) -> None:
        self._change(None, "interrupted_at", step)

    def _change(self, section: str | None, key: str, value: Any) -> None:
        (self.data if section is None else self.data[section])[key] = value
        self._changes[(section, key)] = value
        self.save()

    def _holds_secret(self, value: Any) -> bool:
        """A last line of defence: nothing containing a known secret value is ever written here."""
        text = json.dumps(value)
        return self.secrets.redact(text) != text

    # --- disk --------------------------------------------------------------------------------
    def save(self) -> None:
        """Merge this run's changes into the file as it is now, under its lock; write only if that changes it."""
        merged: dict[str, Any] = {}

        def merge(on_disk: dict[str, Any] | None) -> dict[str, Any] | None:
            merged.update(self._current(on_disk))
            for (section, key), value in self._changes.items():
                (merged if section is None else merged[section])[key] = value
            if on_disk is not None and _comparable(merged) == _comparable(on_disk):
                return None
            merged["updated_at"] = utc_stamp()
            return merged

        self.update(merge)
        self.data = merged
        self._changes.clear()

    def _current(self, data: dict[str, Any] | None) -> dict[str, Any]:
        """The state for this environment and app, given the file's content (None: no file yet)."""
        environment, app = self.data["environment"], self.data["app"]
        if data is None:
            return _fresh(environment, app)
        if data.get("app") != app:
            # a different app is a different deployment: what was confirmed for the old one does not carry over
            return {**_fresh(environment, app), "answers": dict(data.get("answers", {}))}
        return {**_fresh(environment, app), **json.loads(json.dumps(data))}

    def problems(self, data: Any) -> list[str]:
        return _problems(data)

    def recovery(self, text: str, data: Any) -> str:
        """Names the answers the file holds: they are asked again once it is moved aside."""
        held = (
            sorted(data["answers"])
            if isinstance(data, dict) and isinstance(data.get("answers"), dict)
            else _answer_keys_in(text)
        )
        return _recovery(self.path, held)


def _comparable(data: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in data.items() if k != "updated_at"}, sort_keys=True)


def _problems(data: Any) -> list[str]:
    """What makes `data` not a state file this dandiops can use, named by where it is."""
    if not isinstance(data, dict):
        return [f"it holds a JSON {_kind(data)}, not an object"]
    version = data.get("version")
    if version != VERSION:
        if isinstance(version, int) and not isinstance(version, bool) and version > VERSION:
            return [f"it was written by a newer dandiops (state file version {version}); upgrade dandiops"]
        return [f"its version is {json.dumps(version)}, not {VERSION}: it is not a dandiops init state file"]
    problems = []
    for key in ("environment", "app", "interrupted_at", "updated_at"):
        if data.get(key) is not None and not isinstance(data[key], str):
            problems.append(f"{key} is a {_kind(data[key])} (expected text)")
    for section in TOP_LEVEL:
        values = data.get(section, {})
        if not isinstance(values, dict):
            problems.append(f"{section} is a {_kind(values)} (expected an object)")
            continue
        for key, value in values.items():
            if section == "answers" and not isinstance(value, (str, bool)):
                problems.append(
                    f"answers.{key} is a {_kind(value)} (answers are text or true/false; write it in double quotes)"
                )
            elif section == "memo" and not isinstance(value, dict):
                problems.append(f"memo.{key} is a {_kind(value)} (expected an object)")
    return problems


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    return {dict: "object", list: "list", str: "text", int: "number", float: "number"}.get(type(value), "value")


def _answer_keys_in(text: str) -> list[str]:
    """The answer keys an unreadable file appears to hold: the names inside each `"answers": {...}`."""
    keys: set[str] = set()
    for start in re.finditer(r'"answers"\s*:\s*\{', text):
        end = text.find("}", start.end())
        body = text[start.end() : end if end != -1 else len(text)]
        keys.update(re.findall(r'"((?:[^"\\\n]|\\.)+)"\s*:', body))
    return sorted(keys)


def _recovery(path: Path, answer_keys: list[str]) -> str:
    held = (
        f"the answers it holds are then asked again: {', '.join(answer_keys)}"
        if answer_keys
        else "no answers could be read from it"
    )
    return f"fix it in an editor, or move it aside and run init again: {aside_command(path)}; {held}"
