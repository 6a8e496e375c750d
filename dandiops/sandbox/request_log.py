"""What every stand-in keeps of the requests it answered, for tests to read: a RequestRecord each, in
its state's `requests` (standin.record_request writes them)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
CONTROL_PREFIX = "/_sandbox/"  # the routes tests drive a stand-in through: no request of a client's


@dataclass
class RequestRecord:
    method: str
    path: str
    query: str
    status: int
    headers: dict[str, str]  # those the stand-in records
    body: Any  # the JSON the request sent
    response: Any = None  # the JSON body sent back, for the checks against the published descriptions
    # The answer's media type, as those checks read it: an error answer is JSON whatever it says.
    content_type: str = "application/json"


class RequestLog:
    """Mixed into a stand-in's state, which provides `lock` and `requests`."""

    lock: threading.RLock
    requests: list[RequestRecord]

    def writes(self) -> list[RequestRecord]:
        """The write requests of clients, in the order they came."""
        with self.lock:
            return [r for r in self.requests if r.method in WRITE_METHODS and not r.path.startswith(CONTROL_PREFIX)]
