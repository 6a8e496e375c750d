"""Counting the write requests of a command run (a module of its own: a Context makes a counter
before any client, and building one must not import the clients' libraries)."""

from __future__ import annotations

import threading

READ_OPERATION_PREFIXES = ("Get", "List", "Head", "Describe")  # AWS operations that only read


class WriteCounter:
    """The write requests a command run's clients sent, by service: `init --json` reports them, and a
    re-run on a finished deployment must send none. Each client counts what it sends itself: Heroku,
    GitHub and Netlify every request whose method is not a read, AWS every operation that is not a
    Get/List/Head/Describe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # clients may be used from a watcher thread
        self._counts: dict[str, int] = {}

    def add(self, service: str) -> None:
        with self._lock:
            self._counts[service] = self._counts.get(service, 0) + 1

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self._counts.values())
