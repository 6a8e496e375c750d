"""What the API clients share: how they are built and closed (ApiClient), and the retry policy.

Idempotent requests are retried on 429, 5xx and connection failures with capped, jittered
exponential backoff, honouring Retry-After. Writes are retried only when the request provably
never reached the server (the connection could not be opened).
"""

from __future__ import annotations

import math
import os
import random
import time
from dataclasses import dataclass
from typing import Callable, ClassVar, Mapping, Self, TypedDict, Unpack

import httpx

from dandiops.providers.writes import WriteCounter

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
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "RetryPolicy":
        """DANDIOPS_RETRY_ATTEMPTS (a whole number from 1 to 20) and DANDIOPS_RETRY_BASE_DELAY
        (seconds, 0 to 60); a malformed value is a configuration error."""
        from dandiops.core.errors import ConfigError

        raw_attempts = environ.get("DANDIOPS_RETRY_ATTEMPTS", str(cls.attempts)).strip()
        raw_base = environ.get("DANDIOPS_RETRY_BASE_DELAY", str(cls.base_delay)).strip()
        if not (raw_attempts.isascii() and raw_attempts.isdigit() and 1 <= int(raw_attempts) <= 20):
            raise ConfigError(
                "DANDIOPS_RETRY_ATTEMPTS must be a whole number from 1 to 20",
                hint="fix or unset it in the environment or .env",
            )
        try:
            base = float(raw_base)
        except ValueError:
            base = math.nan
        if not 0 <= base <= 60:  # also refuses nan
            raise ConfigError(
                "DANDIOPS_RETRY_BASE_DELAY must be a number of seconds from 0 to 60",
                hint="fix or unset it in the environment or .env",
            )
        return cls(attempts=int(raw_attempts), base_delay=base)

    def delay(self, attempt: int, response: httpx.Response | None = None) -> float:
        if response is not None:
            retry_after = response.headers.get("Retry-After")
            if retry_after is not None:
                try:
                    seconds = float(retry_after)
                except ValueError:  # an HTTP date or garbage: fall back to our own backoff
                    seconds = math.nan
                if math.isfinite(seconds) and seconds >= 0:
                    return min(seconds, 60.0)
            reset = response.headers.get("X-RateLimit-Reset")  # Netlify's 429: the refill moment, unix seconds
            if response.status_code == 429 and reset is not None:
                try:
                    wait = float(reset) - time.time()
                except ValueError:
                    wait = math.nan
                if math.isfinite(wait):
                    return min(max(wait, 0.0), 60.0)
        backoff = min(self.max_delay, self.base_delay * (2.0**attempt)) * (0.5 + random.random() / 2)
        if response is not None and response.status_code == 429 and response.headers.get("RateLimit-Remaining") == "0":
            return max(backoff, RATE_TOKEN_SECONDS)  # retrying sooner would only be refused again
        return backoff


def send_with_retries(
    client: httpx.Client,
    request: httpx.Request,
    policy: RetryPolicy,
    *,
    stream: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> httpx.Response:
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
    assert last_error is not None  # pragma: no cover - the loop always returns or raises
    raise last_error  # pragma: no cover


class ClientOptions(TypedDict, total=False):
    """What every API client is built with besides its credential."""

    base_url: str | None  # the API's root; unset: the client's url_setting from `environ`, else its default_url
    env_name: str | None  # the environment the client works for, named in hints
    retry: RetryPolicy | None  # for reads; unset: RetryPolicy.from_env(environ)
    environ: Mapping[str, str]  # where the settings above are read when not given (default: os.environ)
    writes: WriteCounter | None  # where the client counts the writes it sends (unset: a counter of its own)


class ApiClient:
    """An API client: a credential that must be there, the API's base URL (overridable, e.g. to
    point at the sandbox), the environment hints name and the retry policy for reads; closed after
    use, also as a context manager."""

    url_setting: ClassVar[str]  # the variable that overrides default_url, named in hints
    default_url: ClassVar[str]
    credential_names: ClassVar[tuple[str, ...]]  # the variables the credential is read from, in order
    credential_hint: ClassVar[str]  # what to do when there is none
    what: ClassVar[str]  # the credential as an error names it: "Heroku API key"
    service: ClassVar[str]  # the name its writes are counted under

    def __init__(self, credential: str | None, **options: Unpack[ClientOptions]) -> None:
        from dandiops.core.errors import ConfigError

        if not credential:
            raise ConfigError(f"no {self.what}", hint=self.credential_hint)
        self._credential: str = credential
        environ = options.get("environ", os.environ)
        self.base_url = (options.get("base_url") or self.url_from_env(environ)).rstrip("/")
        self.env_name = options.get("env_name")
        self.retry = options.get("retry") or RetryPolicy.from_env(environ)
        self.writes = options.get("writes") or WriteCounter()

    def bearer_client(
        self,
        *,
        accept: str,
        timeout: httpx.Timeout | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> httpx.Client:
        """The httpx client of an API that takes the credential as a bearer token (Heroku, Netlify): its base URL, our
        User-Agent and a 30 s timeout unless told otherwise."""
        from dandiops import __version__

        return httpx.Client(
            base_url=self.base_url,
            headers={
                "Accept": accept,
                "Authorization": f"Bearer {self._credential}",
                "User-Agent": f"dandiops/{__version__}",
            },
            timeout=timeout or httpx.Timeout(30.0, connect=10.0),
            transport=transport,
        )

    @classmethod
    def url_from_env(cls, environ: Mapping[str, str] = os.environ) -> str:
        return environ.get(cls.url_setting, cls.default_url).rstrip("/")

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
