"""What the API clients share: how they are built and closed (ApiClient), their TLS settings, and the retry policy.

Idempotent requests are retried on 429, 5xx and connection failures with capped, jittered
exponential backoff, honouring Retry-After. Writes are retried only when the request provably
never reached the server (the connection could not be opened).
"""

from __future__ import annotations

import functools
import math
import os
import random
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Mapping, Self, TypedDict, Unpack

import httpx

from dandiops.core.errors import (
    AuthError,
    ConfigError,
    ConflictError,
    DandiopsError,
    MaybeAppliedError,
    NotFoundError,
    UnavailableError,
    UsageError,
)
from dandiops.providers.writes import WriteCounter

if TYPE_CHECKING:
    import ssl

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Heroku refills its rate budget at about 75 requests a minute: with none left, one token takes this long.
RATE_TOKEN_SECONDS = 0.8
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


def tls_context() -> "ssl.SSLContext":
    """The TLS settings of every httpx client in the process: httpx's own (SSL_CERT_FILE or SSL_CERT_DIR when
    set, else certifi's CAs), built once. Building them loads the CA bundle, some 40 ms of CPU, which httpx
    otherwise spends on each client it makes, whether or not it ever opens a TLS connection."""
    return _tls_context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@functools.lru_cache(maxsize=4)
def _tls_context(cert_file: str | None, cert_dir: str | None) -> "ssl.SSLContext":
    return httpx.create_ssl_context()  # reads the two variables, the key of this cache


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "RetryPolicy":
        """DANDIOPS_RETRY_ATTEMPTS (a whole number from 1 to 20) and DANDIOPS_RETRY_BASE_DELAY
        (seconds, 0 to 60); a malformed value is a configuration error."""

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

    api_name: ClassVar[str]  # the API as messages name it: "Heroku"
    url_setting: ClassVar[str]  # the variable that overrides default_url, named in hints
    default_url: ClassVar[str]
    credential_names: ClassVar[tuple[str, ...]]  # the variables the credential is read from, in order
    credential_noun: ClassVar[str]  # the credential as the API calls it: "API key", "token"
    credential_hint: ClassVar[str]  # what to do when there is none
    service: ClassVar[str]  # the name its writes are counted under

    def __init__(self, credential: str | None, **options: Unpack[ClientOptions]) -> None:
        if not credential:
            raise ConfigError(f"no {self.what}", hint=self.credential_hint)
        self._credential: str = credential
        environ = options.get("environ", os.environ)
        self.base_url = (options.get("base_url") or self.url_from_env(environ)).rstrip("/")
        self.env_name = options.get("env_name")
        self.retry = options.get("retry") or RetryPolicy.from_env(environ)
        self.writes = options.get("writes") or WriteCounter()

    @property
    def what(self) -> str:
        """The credential as an error names it: "Heroku API key"."""
        return f"{self.api_name} {self.credential_noun}"

    @classmethod
    def url_from_env(cls, environ: Mapping[str, str] = os.environ) -> str:
        return environ.get(cls.url_setting, cls.default_url).rstrip("/")

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class BearerApiClient(ApiClient):
    """An HTTP API over httpx that takes the credential as a bearer token (Heroku, Netlify).

    Requests go out on the retry policy; a connection lost after a write was sent, an answer that
    is not JSON and each error status become the same kind of DandiopsError for every such API:
    what an API adds are its Accept header, the hints of `status_hints` and `state_hint`."""

    accept: ClassVar[str]  # the Accept header the API answers in
    # What to do about an error status, by status (500: any 5xx to a read; 404 has a default). `{env}`
    # stands for " of environment NAME" when the client works for one.
    status_hints: ClassVar[Mapping[int, str]]

    def __init__(
        self,
        credential: str | None,
        *,
        timeout: httpx.Timeout | None = None,
        transport: httpx.BaseTransport | None = None,
        **options: Unpack[ClientOptions],
    ) -> None:
        """`timeout`: 30 s (10 s to connect) unless given; `transport`: httpx's own unless given."""
        from dandiops import __version__

        super().__init__(credential, **options)
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={
                "Accept": self.accept,
                "Authorization": f"Bearer {self._credential}",
                "User-Agent": f"dandiops/{__version__}",
            },
            timeout=timeout or httpx.Timeout(30.0, connect=10.0),
            transport=transport,
            verify=tls_context(),
        )

    def close(self) -> None:
        self._http.close()

    def state_hint(self, path: str) -> str:
        """What shows the state a write to `path` may have changed, after "see": "the current state
        with `dandiops status -e staging`"."""
        raise NotImplementedError

    def send(self, request: httpx.Request, path: str, action: str, *, allowed: tuple[int, ...] = ()) -> httpx.Response:
        """The answer to `request` (to `path`, described as `action` in errors); an error status raises
        unless it is one of `allowed`."""
        method = request.method
        if method not in IDEMPOTENT_METHODS:
            self.writes.add(self.service)
        try:
            response = send_with_retries(self._http, request, self.retry)
        except (httpx.TimeoutException, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            if method not in IDEMPOTENT_METHODS:
                raise MaybeAppliedError(
                    f"the connection to the {self.api_name} API was lost after {action} ({type(exc).__name__}): "
                    "the change may have been applied",
                    hint=f"see {self.state_hint(path)} before running again",
                    action=f"{method} {path}",
                ) from None
            raise UnavailableError(
                f"{self.api_name} API did not answer {action} ({type(exc).__name__}), after retries",
                hint="check your network and try again",
            ) from None
        except httpx.HTTPError as exc:
            raise UnavailableError(
                f"could not reach the {self.api_name} API at {self.base_url} ({type(exc).__name__})",
                hint=f"check your network or {self.url_setting}",
            ) from None
        if response.status_code >= 400 and response.status_code not in allowed:
            raise self.status_error(response, path, action)
        return response

    def status_error(self, response: httpx.Response, path: str, action: str) -> DandiopsError:
        """The error an error status stands for."""
        api, status, remote = self.api_name, response.status_code, remote_message(response)
        env = f" of environment {self.env_name}" if self.env_name else ""
        hints = {404: "check the name you gave", **self.status_hints}
        if status == 401:
            return AuthError(f"{api} rejected the {self.credential_noun} ({action}): {remote}", hint=hints[401])
        if status == 403:
            return AuthError(f"{api} refused {action}: {remote}", hint=hints[403])
        if status == 404:
            return NotFoundError(f"{action}: not found ({remote})", hint=hints[404].format(env=env))
        if status == 409:
            return ConflictError(f"{action}: {remote}", hint="read the current state and try again")
        if status in (400, 422):
            return UsageError(f"{api} rejected {action}: {remote}", hint="fix the value it names")
        if status == 429:
            return UnavailableError(f"{api} rate limit reached ({action})", hint=hints[429])
        if status >= 500:
            hint = (
                hints[500]
                if response.request.method in IDEMPOTENT_METHODS
                else f"the write was not retried: see {self.state_hint(path)} before running again"
            )
            return UnavailableError(f"{api} API error {status} on {action}: {remote}", hint=hint)
        return DandiopsError(f"{api} API error {status} on {action}: {remote}")

    def json_or_none(self, response: httpx.Response) -> Any:
        """The answer's JSON, None for an empty answer."""
        return self.json_body(response) if response.content else None

    def json_body(self, response: httpx.Response) -> Any:
        """The answer's JSON; an answer that is not (an HTML page from a proxy, a truncated answer) is
        not the API's."""
        try:
            return response.json()
        except ValueError:
            kind = response.headers.get("Content-Type", "no content type").split(";")[0]
            raise UnavailableError(
                f"{response.request.method} {response.request.url.path} answered {response.status_code} with a "
                f"body that is not JSON ({kind})",
                hint=f"check {self.url_setting} and any proxy in between, then try again",
            ) from None


def remote_message(response: httpx.Response) -> str:
    """What the API said: `message` (or `msg` or `error`, which some of Netlify's endpoints use), else
    the reason phrase."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        for key in ("message", "msg", "error"):
            if isinstance(body.get(key), str) and body[key]:
                return str(body[key])
    return response.reason_phrase or str(response.status_code)
