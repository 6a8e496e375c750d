"""Redaction of known secret values from everything dandiops writes."""

from __future__ import annotations

import threading
from typing import Any, Iterable

MASK = "***"
_MIN_SECRET_LENGTH = 4  # shorter values would mask ordinary words


class SecretRegistry:
    def __init__(self, values: Iterable[str] = ()):
        self._values: set[str] = set()
        self._lock = threading.Lock()
        for value in values:
            self.add(value)

    def add(self, value: str | None) -> None:
        if value and len(value) >= _MIN_SECRET_LENGTH:
            with self._lock:
                self._values.add(value)

    def redact(self, text: str) -> str:
        if not self._values or not text:
            return text
        # longest first so a secret containing another is masked whole
        for value in sorted(self._values, key=len, reverse=True):
            if value in text:
                text = text.replace(value, MASK)
        return text

    def redact_data(self, data: Any) -> Any:
        if isinstance(data, str):
            return self.redact(data)
        if isinstance(data, dict):
            return {key: self.redact_data(value) for key, value in data.items()}
        if isinstance(data, (list, tuple)):
            return [self.redact_data(value) for value in data]
        return data


class RedactingStream:
    """A text stream wrapper that masks secrets on the way out."""

    def __init__(self, stream, registry: SecretRegistry):
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
        return self._stream.fileno()

    @property
    def encoding(self) -> str:
        return getattr(self._stream, "encoding", "utf-8") or "utf-8"
