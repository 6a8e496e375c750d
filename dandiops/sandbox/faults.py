"""Fault injection shared by the stand-ins: fail or delay the next N matching requests."""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass
class Fault:
    status: int  # 0 = only delay
    remaining: int
    delay: float = 0.0
    methods: frozenset[str] | None = None
    path_prefix: str | None = None
    retry_after: str | None = None
    # GitHub: "primary" or "secondary" rate limit. Heroku and GitHub: "drop" (carry out the request, then
    # close the connection without an answer; the Heroku stand-in first holds the answer for `delay`).
    # Heroku: "html" (answer 200 with an HTML page, as a broken proxy does). Rendezvous: "stall" (accept
    # the connection, never answer, not even the TLS handshake).
    kind: str | None = None
    reset_in: float = 0.0  # GitHub primary rate limit: seconds until X-RateLimit-Reset

    def matches(self, method: str, path: str) -> bool:
        if self.methods and method not in self.methods:
            return False
        return not self.path_prefix or path.startswith(self.path_prefix)


class FaultInjection:
    """Mixed into a stand-in's state, which provides `lock`; faults are taken in the order injected."""

    lock: threading.RLock
    faults: list[Fault]

    def inject_fault(
        self,
        status: int,
        count: int = 1,
        *,
        delay: float = 0.0,
        methods: set[str] | None = None,
        path_prefix: str | None = None,
        retry_after: str | None = None,
        kind: str | None = None,
        reset_in: float = 0.0,
    ) -> None:
        """Fail the next `count` matching requests with `status` (0 = only delay them).

        GitHub only: kind="primary" answers like an exhausted rate limit (403, X-RateLimit-Remaining 0,
        reset after `reset_in` seconds); kind="secondary" like a secondary rate limit (403 with Retry-After).
        """
        with self.lock:
            self.faults.append(
                Fault(
                    status,
                    count,
                    delay,
                    frozenset(methods) if methods else None,
                    path_prefix,
                    retry_after,
                    kind,
                    reset_in,
                )
            )

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.remaining > 0 and fault.matches(method, path):
                    fault.remaining -= 1
                    return fault
            self.faults = [f for f in self.faults if f.remaining > 0]
        return None
