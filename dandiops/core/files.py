"""Files that several dandiops processes may write at once: a lock, and atomic replacement.

A lock is an advisory `flock` on a sibling `NAME.lock` file; it serialises dandiops processes on
this machine (not other machines). An atomic write goes to a uniquely named temporary file in
the same folder, then `os.replace`s it over the target, so a reader never sees half a file and
two writers never interleave into one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shlex
import tempfile
from pathlib import Path
from typing import Iterator

try:  # POSIX; on Windows locking degrades to nothing (atomic replacement still holds)
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]


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
