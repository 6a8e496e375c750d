"""Heroku log sessions: open one on the Platform API, then read its logplex stream.

The stream is read as server-sent events when the server sends `text/event-stream` (what the
official CLI asks for) and as plain lines otherwise. A stream that drops is reopened once with a
new session; lines already yielded are skipped, so each line comes out once. If the reopened
stream drops again before it has given a new line, the reader gives up with UnavailableError.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Callable, Iterator, NotRequired, TypedDict, cast

import httpx

from dandiops import __version__
from dandiops.core.errors import UnavailableError
from dandiops.providers.heroku import HerokuClient
from dandiops.providers.http import tls_context

DEFAULT_LINES = 100
MAX_LINES = 1500  # logplex keeps at most this many lines of history
SOURCES = ("app", "heroku")


class LogSessionBody(TypedDict):
    """POST /apps/{app}/log-sessions, as the official CLI sends it."""

    lines: int
    tail: bool
    dyno: NotRequired[str]
    source: NotRequired[str]


@dataclass(frozen=True)
class LogFilter:
    lines: int = DEFAULT_LINES
    tail: bool = False
    dyno: str | None = None
    source: str | None = None

    def session_body(self) -> LogSessionBody:
        # The schema calls the dyno filter dyno_name; the official CLI sends dyno, which Heroku honours.
        body: LogSessionBody = {"lines": self.lines, "tail": self.tail}
        if self.dyno:
            body["dyno"] = self.dyno
        if self.source:
            body["source"] = self.source
        return body


class StreamDropped(Exception):
    """The log stream ended without its proper end (connection cut, incomplete body, error status)."""


def open_session(heroku: HerokuClient, app: str, log_filter: LogFilter) -> str:
    """POST /apps/{app}/log-sessions; returns the logplex URL (it carries its own credential)."""
    session = heroku.post(
        f"/apps/{app}/log-sessions", log_filter.session_body(), what=f"opening a log session for {app}"
    )
    return cast(str, session["logplex_url"])


def read_stream(http: httpx.Client, url: str) -> Iterator[str]:
    """Each log line of one logplex stream, from event-stream or plain-text bodies."""
    from httpx_sse import EventSource

    try:
        with http.stream("GET", url, headers={"Accept": "text/event-stream", "Cache-Control": "no-store"}) as response:
            if response.status_code >= 400:
                raise StreamDropped(f"the log stream answered {response.status_code}")
            if "text/event-stream" in response.headers.get("content-type", ""):
                for event in EventSource(response).iter_sse():
                    if event.event == "message" and event.data:
                        yield from event.data.split("\n")
            else:
                for line in response.iter_lines():
                    if line:
                        yield line
    except (httpx.RemoteProtocolError, httpx.ReadError, httpx.ReadTimeout, httpx.WriteError) as exc:
        raise StreamDropped(f"the log stream dropped ({type(exc).__name__})") from None
    except httpx.ConnectError as exc:
        raise StreamDropped(f"could not connect to the log stream ({type(exc).__name__})") from None


class _Printed:
    """The lines already yielded, to skip them when a new session replays its history."""

    def __init__(self, size: int = MAX_LINES) -> None:
        self._order: deque[str] = deque(maxlen=size)
        self._counts: dict[str, int] = {}
        self.last_stamp: str | None = None

    def add(self, line: str) -> None:
        if len(self._order) == self._order.maxlen:
            old = self._order[0]
            self._counts[old] -= 1
            if not self._counts[old]:
                del self._counts[old]
        self._order.append(line)
        self._counts[line] = self._counts.get(line, 0) + 1
        self.last_stamp = _stamp(line) or self.last_stamp

    def replayed(self, line: str) -> bool:
        if line in self._counts:
            return True
        stamp = _stamp(line)
        return bool(stamp and self.last_stamp and stamp < self.last_stamp)


def _stamp(line: str) -> str | None:
    """The leading ISO-8601 timestamp logplex puts on every line (comparable as text)."""
    head = line.split(" ", 1)[0]
    return head if len(head) >= 20 and head[4:5] == "-" and head[10:11] == "T" else None


def follow(
    heroku: HerokuClient,
    app: str,
    log_filter: LogFilter,
    *,
    http: httpx.Client | None = None,
    on_reconnect: Callable[[str], None] | None = None,
) -> Iterator[str]:
    """The app's log lines, each once, reopening the session once after a dropped stream."""
    own = http is None
    if http is None:
        # A tail may stay quiet for long: no read timeout then. The logplex URL needs no API key.
        http = httpx.Client(
            timeout=httpx.Timeout(30.0, connect=10.0, read=None if log_filter.tail else 60.0),
            headers={"User-Agent": f"dandiops/{__version__}"},
            follow_redirects=True,
            verify=tls_context(),
        )
    printed = _Printed()
    may_reconnect = True
    resuming = False
    try:
        while True:
            url = open_session(heroku, app, log_filter)
            try:
                for line in read_stream(http, url):
                    if resuming:
                        if printed.replayed(line):
                            continue
                        resuming = False
                        may_reconnect = True  # the new stream works: a later drop gets its own reconnect
                    printed.add(line)
                    yield line
                return
            except StreamDropped as exc:
                if not may_reconnect:
                    raise UnavailableError(
                        f"{exc} again after reconnecting, before any new line arrived",
                        hint=f"check your network and run the command again (`heroku logs -a {app}` reads the "
                        "same stream)",
                    ) from None
                may_reconnect = False
                resuming = True
                if on_reconnect:
                    on_reconnect(str(exc))
    finally:
        if own:
            http.close()
