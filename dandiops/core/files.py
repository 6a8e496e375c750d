"""Files that several dandiops processes may write at once: a lock, atomic replacement, and the
JSON files dandiops keeps state in, built on both.

A lock is an advisory `flock` on a sibling `NAME.lock` file; it serialises dandiops processes on
this machine (not other machines). An atomic write goes to a uniquely named temporary file in
the same folder, then `os.replace`s it over the target, so a reader never sees half a file and
two writers never interleave into one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shlex
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Protocol, Self

if TYPE_CHECKING:
    from dandiops.core.settings import Settings

STATE_DIR = ".dandiops"  # beside dandiops.toml: the folder of the files dandiops keeps state in

try:  # POSIX; on Windows locking degrades to nothing (atomic replacement still holds)
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]


def utc_stamp() -> str:
    """Now, as every file dandiops keeps says when something happened: UTC, ISO 8601 to the second."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock named after `path` (the lock file is `path` + `.lock`)."""
    lock_path = Path(f"{path}.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def aside_command(path: Path) -> str:
    """The shell command that moves an unreadable file aside (`NAME.corrupt-<UTC time>`) instead of deleting it."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"mv {shlex.quote(str(path))} {shlex.quote(f'{path}.corrupt-{stamp}')}"


def read_config_text(path: Path, *, name: str) -> str:
    """The text of a file the operator wrote (dandiops.toml, an answers file), named `name` in errors:
    one that is not UTF-8 or cannot be read is a ConfigError."""
    from dandiops.core.errors import ConfigError

    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{name} is not UTF-8 text", hint="save it as UTF-8") from None
    except OSError as exc:
        raise ConfigError(
            f"{name} cannot be read ({exc.strerror or exc})", hint="check the file's permissions"
        ) from None


def read_state_text(path: Path, *, what: str, folder_hint: str) -> str | None:
    """The text of a file dandiops keeps state in, or None when there is none yet. A folder in its
    place, or a file that cannot be read as UTF-8, is a ConfigError; the file is never touched."""
    from dandiops.core.errors import ConfigError

    if path.is_dir():
        raise ConfigError(f"{what} {path} is a folder", hint=folder_hint)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"{what} {path} cannot be read ({exc})", hint="check its permissions; it was left as it is"
        ) from None


def atomic_write_text(path: Path, text: str, *, mode: int = 0o600) -> None:
    """Replace `path` with `text` in one step; the file gets `mode`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


class _Configured(Protocol):
    @property
    def settings(self) -> "Settings": ...


class JsonStateFile:
    """A JSON document dandiops keeps state in: read whole and checked, changed under its lock (read,
    change, replace, so a change another process wrote meanwhile is kept) and replaced atomically.

    A file that cannot be read or used is never written over: the error names the file and what is
    wrong with it, and the hint (`recovery`) says how to get going again. Subclasses say what a
    usable document is (`problems`)."""

    file_name = "state.json"  # its name in STATE_DIR
    what = "the state file"  # how errors name the file, before its path
    folder_hint = "move that folder away"  # when a folder stands where the file goes
    write_hint = "check that the .dandiops folder beside dandiops.toml is writable"
    recovery_note = ""  # what moving the file aside costs, said after the command that does it
    mode = 0o600

    def __init__(self, path: Path):
        self.path = path

    @classmethod
    def for_context(cls, ctx: "_Configured") -> Self:
        """The file in the STATE_DIR beside the dandiops.toml of `ctx` (a Context)."""
        return cls(ctx.settings.root / STATE_DIR / cls.file_name)

    def problems(self, data: Any) -> list[str]:
        """What makes `data` not a document this dandiops can use, each named by where it is."""
        return []

    def recovery(self, text: str, data: Any) -> str:
        """The hint for a file that cannot be used (`data` is None when `text` is not JSON)."""
        return f"fix it in an editor, or move it aside ({aside_command(self.path)}){self.recovery_note}"

    def read(self) -> Any:
        """The checked document, or None when there is no file yet."""
        from dandiops.core.errors import ConfigError

        text = read_state_text(self.path, what=self.what, folder_hint=self.folder_hint)
        if text is None:
            return None
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ConfigError(
                f"{self.what} {self.path} cannot be read as JSON ({exc}); it was left as it is",
                hint=self.recovery(text, None),
            ) from None
        problems = self.problems(data)
        if problems:
            raise ConfigError(
                f"{self.what} {self.path} cannot be used: {'; '.join(problems)}; it was left as it is",
                hint=self.recovery(text, data),
            )
        return data

    def update(self, change: Callable[[Any], Any]) -> None:
        """Under the lock, give `change` the document as it is on disk (None: no file yet) and write
        the document it returns; when it returns None the file is left as it is."""
        from dandiops.core.errors import ConfigError

        try:
            with file_lock(self.path):
                data = change(self.read())
                if data is not None:
                    atomic_write_text(self.path, json.dumps(data, indent=2, sort_keys=True) + "\n", mode=self.mode)
        except OSError as exc:
            raise ConfigError(
                f"{self.what} {self.path} cannot be written ({exc.strerror or exc})", hint=self.write_hint
            ) from None


# OWNER -> KEY -> the record's fields (text)
Records = dict[str, dict[str, dict[str, str]]]


class RecordFile(JsonStateFile):
    """{"version": 1, SECTION: {OWNER: {KEY: {FIELD: text}}}}: records of what dandiops or an
    operator did, kept per owner (a Heroku app, an IAM user)."""

    version = 1
    section = "records"
    fields = "text"  # the fields a record holds, named when one is of the wrong type

    def records(self, owner: str) -> dict[str, dict[str, str]]:
        """The records kept for `owner`, by key."""
        data = self.read()
        return dict(data[self.section].get(owner, {})) if data is not None else {}

    def put(self, owner: str, key: str, record: dict[str, str]) -> None:
        """Keep `record` for `owner` under `key`, in place of one kept there before."""
        self.change(lambda owners: owners.setdefault(owner, {}).__setitem__(key, record))

    def change(self, edit: Callable[[Records], None]) -> None:
        """Apply `edit` to the records as they are on disk, under the lock, and write the result."""

        def edited(data: Any) -> Any:
            data = data if data is not None else {"version": self.version, self.section: {}}
            edit(data[self.section])
            return data

        self.update(edited)

    def problems(self, data: Any) -> list[str]:
        if not isinstance(data, dict):
            return ["it is not a JSON object"]
        version = data.get("version", self.version)
        if version != self.version:
            return [f"its version is {json.dumps(version)}, not {self.version} (a newer dandiops may have written it)"]
        owners = data.get(self.section)
        if not isinstance(owners, dict):
            return [f"`{self.section}` is missing or not an object"]
        problems = []
        for owner, records in owners.items():
            if not isinstance(records, dict):
                problems.append(f"{self.section}.{owner} is not an object")
                continue
            for key, record in records.items():
                if not isinstance(record, dict) or not all(isinstance(v, str) for v in record.values()):
                    problems.append(f"{self.section}.{owner}.{key} is not an object of text values ({self.fields})")
        return problems
