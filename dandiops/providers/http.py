"""Retry policy shared by the HTTP API clients.

Idempotent requests are retried on 429, 5xx and connection failures with capped, jittered
exponential backoff, honouring Retry-After. Writes are retried only when the request provably
never reached the server (the connection could not be opened).
"""

from __future__ import annotations

import os
import random
import time
from dataclasses import dataclass

import httpx

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Heroku refills its rate budget at about 75 requests a minute: with none left, one token takes this long.
RATE_TOKEN_SECONDS = 0.8
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0

    @classmethod
    def from_env(cls, environ=os.environ) -> "RetryPolicy":
        base = float(environ.get("DANDIOPS_RETRY_BASE_DELAY", cls.base_delay))
        attempts = int(environ.get("DANDIOPS_RETRY_ATTEMPTS", cls.attempts))
        return cls(attempts=max(1, attempts), base_delay=max(0.0, base))

    def delay(self, attempt: int, response: httpx.Response | None = None) -> float:
        if response is not None:
            retry_after = response.headers.get("Retry-After")
            if retry_after is not None:
                try:
                    return min(float(retry_after), 60.0)
                except ValueError:
                    pass
        backoff = min(self.max_delay, self.base_delay * (2**attempt)) * (0.5 + random.random() / 2)
        if response is not None and response.status_code == 429 and response.headers.get("RateLimit-Remaining") == "0":
            return max(backoff, RATE_TOKEN_SECONDS)  # retrying sooner would only be refused again
        return backoff


def send_with_retries(client: httpx.Client, request: httpx.Request, policy: RetryPolicy, *,
                      stream: bool = False, sleep=time.sleep) -> httpx.Response:
    idempotent = request.method in IDEMPOTENT_METHODS
    last_error: Exception | None = None
    for attempt in range(policy.attempts):
        try:
            response = client.send(request, stream=stream)
        except httpx.ConnectError as exc:  # never reached the server: safe for any method
            last_error = exc
        except (httpx.TimeoutException, httpx.RemoteProtocolError, httpx.ReadError) as exc:
            if not idempotent:
                raise
            last_error = exc
        else:
            if not idempotent or response.status_code not in RETRY_STATUSES or attempt == policy.attempts - 1:
                return response
            if stream:
                response.close()
            sleep(policy.delay(attempt, response))
            continue
        if attempt == policy.attempts - 1:
            raise last_error
        sleep(policy.delay(attempt))
    raise last_error  # pragma: no cover - the loop always returns or raises
