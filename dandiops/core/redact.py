"""Redaction of known secret values from everything dandiops writes.

A secret of LONG_SECRET characters or more is masked wherever it appears. A shorter one is
masked only where it stands as a value, so that masking it never eats into ordinary text (the
password `short` leaves `short@dandi.test` alone): after `KEY=` or `KEY: `, as the password of
a URL's user info, as a whole string, or between whitespace, quotes and the separators that end
a value (`,`, `;`, `&`).
"""

from __future__ import annotations

import re
import threading
from typing import IO, Any, Callable, Iterable
from urllib.parse import unquote, urlsplit

MASK = "***"
MIN_SECRET_LENGTH = 4  # shorter values would mask ordinary words even where they stand alone
LONG_SECRET = 8  # from this length a value is masked even inside other text

_QUOTES = "\"'`"
_VALUE_ENDS = _QUOTES + ",;&"
# The text just before the password of a URL's user info: `scheme://user:`
_BEFORE_URL_PASSWORD = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#@:]*:\Z")
_URL_LOOKBEHIND = 256
_THROUGH_LAST_SPACE = re.compile(r".*\s", re.S)


def url_password(value: str) -> str | None:
    """The password in the user info of a URL (`scheme://user:password@host`), if it has one."""
    if "://" not in value or "@" not in value:
        return None
    try:
        return urlsplit(value.strip()).password or None
    except ValueError:
        return None


def _stands_as_value(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is delimited as a value rather than being part of a longer word."""
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    if before == ":" and after == "@":
        return bool(_BEFORE_URL_PASSWORD.search(text, max(0, start - _URL_LOOKBEHIND), start))
    left = not before or before.isspace() or before in _QUOTES or before == "="
    right = not after or after.isspace() or after in _VALUE_ENDS
    return left and right


class SecretRegistry:
    def __init__(self, values: Iterable[str | None] = ()):
        self._values: set[str] = set()
        self._ordered: tuple[str, ...] = ()
        self._lock = threading.Lock()
        for value in values:
            self.add(value)

    def add(self, value: str | None) -> None:
        """Register a secret; a URL's password is registered with it, raw and percent-decoded."""
        if not value:
            return
        candidates = [value]
        if password := url_password(value):
            candidates += [password, unquote(password)]
        with self._lock:
            for candidate in candidates:
                if len(candidate) >= MIN_SECRET_LENGTH:
                    self._values.add(candidate)
            # longest first, so that a secret containing another is masked whole
            self._ordered = tuple(sorted(self._values, key=lambda v: (-len(v), v)))

    def redact(self, text: str) -> str:
        values = self._ordered
        if not values or not text:
            return text
        while True:
            spans = _spans(text, values)
            if not spans:
                return text
            text = _masked(text, spans)
            if not any("*" in value for value in values):
                return text
            # A secret made partly of asterisks could now run across a mask: look again.

    def redact_data(self, data: Any) -> Any:
        if isinstance(data, str):
            return self.redact(data)
        if isinstance(data, dict):
            return {key: self.redact_data(value) for key, value in data.items()}
        if isinstance(data, (list, tuple)):
            return [self.redact_data(value) for value in data]
        return data

    def settled(self, text: str) -> tuple[int, str]:
        """(n, masked text[:n]) for the longest start of `text` that nothing appended can unmask
        or mask differently: it stops before any tail that could still become (part of) a secret."""
        values = self._ordered
        if not values:
            return len(text), text
        whole = self.redact(text)
        cut = len(text) - _undecided_tail(text, values)
        starred = tuple(value for value in values if "*" in value)
        while cut > 0:
            masked = self.redact(text[:cut])
            # A mask followed by more asterisks could still complete a starred secret.
            if whole.startswith(masked) and not (starred and _undecided_tail(masked, starred)):
                return cut, masked
            cut -= 1
        return 0, ""


def _undecided_tail(text: str, values: tuple[str, ...]) -> int:
    """How many characters at the end of `text` could still turn out to be (part of) a secret:
    the start of a longer one, or a short one whose next character decides whether it stands
    as a value."""
    held = 0
    for value in values:
        if len(value) < LONG_SECRET and len(value) > held and text.endswith(value):
            held = len(value)
        for length in range(min(len(value) - 1, len(text)), held, -1):
            if text.endswith(value[:length]):
                held = length
                break
    return held


def _spans(text: str, values: tuple[str, ...]) -> list[tuple[int, int]]:
    found = []
    for value in values:
        start = text.find(value)
        while start >= 0:
            end = start + len(value)
            if len(value) >= LONG_SECRET or _stands_as_value(text, start, end):
                found.append((start, end))
            start = text.find(value, start + 1)
    found.sort()
    merged: list[tuple[int, int]] = []
    for start, end in found:
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _masked(text: str, spans: list[tuple[int, int]]) -> str:
    parts, position = [], 0
    for start, end in spans:
        parts += [text[position:start], MASK]
        position = end
    parts.append(text[position:])
    return "".join(parts)


_NAMED_VALUE = re.compile(r"(?<!\w)([A-Za-z_]\w*)(=|:[ \t]+)(\"[^\"\n]+\"|'[^'\n]+'|[^\s\"'`,;&]+)")


def mask_named_values(text: str, is_secret_name: Callable[[str], bool]) -> str:
    """Mask the value in `NAME=value` and `NAME: value` wherever is_secret_name(NAME): for values
    nobody registered, such as what another process put in a dyno's environment."""

    def replace(match: re.Match[str]) -> str:
        name, separator, value = match.groups()
        if not is_secret_name(name):
            return str(match.group(0))
        quote = value[0] if value[0] in "\"'" else ""
        return f"{name}{separator}{quote}{MASK}{quote}"

    return _NAMED_VALUE.sub(replace, text)


class StreamRedactor:
    """Masks known secrets in text that arrives in pieces (a dyno's output) as if it came whole.

    A piece may end inside a secret, or just after a short one whose next character decides
    whether it stands as a value; that tail (about a secret's length at most) is held back until
    later text decides it, which a line end usually does at once. close() writes the rest.
    With no registry, text passes through unchanged.
    """

    def __init__(self, registry: SecretRegistry | None, write: Callable[[str], None]):
        self._registry = registry
        self._write = write
        self._window = ""  # text since the last point after which masking starts afresh
        self._written = 0  # characters of the window's masked form already written

    def feed(self, text: str) -> None:
        if not text:
            return
        if self._registry is None:
            self._write(text)
            return
        self._window += text
        cut, masked = self._registry.settled(self._window)
        self._emit(cut, masked)

    def close(self) -> None:
        if self._registry is None or not self._window:
            return
        self._emit(len(self._window), self._registry.redact(self._window))
        self._window, self._written = "", 0

    def _emit(self, cut: int, masked: str) -> None:
        registry = self._registry
        assert registry is not None  # feed() and close() pass text through when there is none
        if len(masked) > self._written:
            self._write(masked[self._written :])
            self._written = len(masked)
        # Masking after whitespace does not depend on what came before it, so the window can start
        # afresh at the last whitespace of the settled text: that keeps it about a line long.
        last_space = _THROUGH_LAST_SPACE.match(self._window, 0, cut)
        if not last_space:
            return
        restart = last_space.end()
        if restart == cut:
            head = masked
        else:
            head = registry.redact(self._window[:restart])
            if masked != head + registry.redact(self._window[restart:cut]):
                return  # a secret runs across that whitespace
        self._window = self._window[restart:]
        self._written -= len(head)


class RedactingStream:
    """A text stream wrapper that masks secrets on the way out."""

    def __init__(self, stream: IO[str], registry: SecretRegistry):
        self._stream = stream
        self._registry = registry

    def write(self, text: str) -> int:
        self._stream.write(self._registry.redact(text))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return bool(getattr(self._stream, "isatty", lambda: False)())

    def fileno(self) -> int:
        return int(self._stream.fileno())

    @property
    def encoding(self) -> str:
        return getattr(self._stream, "encoding", "utf-8") or "utf-8"
