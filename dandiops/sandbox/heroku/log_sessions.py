"""Log sessions and the logplex stream, as the Heroku stand-in serves them.

POST /apps/<app>/log-sessions answers with a schema-valid log-session whose `logplex_url`
points back at this server (`/sessions/<id>?srv=<token>`, no auth header, as on Heroku). The
stream serves the app's lines from `HerokuState.log_lines`: release events the stand-in writes
itself and whatever a dyno prints through `HerokuState.log(app, line, source=..., dyno=...)`.

Server-sent events when the client asks for `text/event-stream` (the official CLI), plain lines
otherwise. `tail` keeps the stream open and sends new lines as they are logged. Tests can cut the
next stream(s) after some lines (`drop_next_stream`), wait until a tailing stream has sent its
backlog (`wait_until_tailing`) and end every open tail cleanly (`end_tails`).
"""

from __future__ import annotations

import re
import secrets
import select
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field

from flask import Blueprint, Flask, Response, request

from dandiops.sandbox.heroku.routing import app_blueprint, error
from dandiops.sandbox.heroku.schema import example
from dandiops.sandbox.heroku.state import App, HerokuState, now
from dandiops.sandbox.standin import current, json_response

DEFAULT_LINES = 100
MAX_LINES = 1500  # logplex serves at most this many lines of history
EXTENSION_KEY = "dandiops.heroku_log_sessions"
LINE = re.compile(r"^(?P<timestamp>\S+) (?P<source>[A-Za-z0-9_-]+)\[(?P<dyno>[^\]]+)\]: (?P<message>.*)$", re.S)


@dataclass
class LogSession:
    app_name: str
    lines: int
    tail: bool
    dyno: str | None
    source: str | None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    token: str = field(default_factory=lambda: secrets.token_hex(8))
    created_at: str = field(default_factory=now)

    def wants(self, line: str) -> bool:
        match = LINE.match(line)
        if match is None:
            return self.source is None and self.dyno is None
        if self.source and match["source"] != self.source:
            return False
        if self.dyno:
            dyno = match["dyno"]
            # "web" follows every web dyno, "web.1" only that one, as Heroku's filter does
            return dyno == self.dyno if "." in self.dyno else dyno == self.dyno or dyno.startswith(self.dyno + ".")
        return True


@dataclass
class _Drop:
    after_lines: int
    remaining: int


class _Dropped(Exception):
    """Raised inside a stream to cut the connection without the closing chunk."""


class LogSessionsStandIn:
    """A Heroku stand-in extension: call it with (flask_app, state) to add the log routes."""

    def __init__(
        self,
        *,
        tail_seconds: float = 3600.0,
        poll_seconds: float = 0.05,
        heartbeat_seconds: float = 5.0,
        serve_event_stream: bool = True,
    ) -> None:
        self._settings = {
            "tail_seconds": tail_seconds,
            "poll_seconds": poll_seconds,
            "heartbeat_seconds": heartbeat_seconds,
            "serve_event_stream": serve_event_stream,
        }
        self._changed = threading.Condition()
        self._generation = 0  # bumped by end_tails(): tails started before it end
        self.state: HerokuState | None = None
        self.reset()

    def reset(self) -> None:
        """End every open tail and forget sessions, planned cuts, counts and changed settings."""
        self.end_tails()
        with self._changed:
            self.tail_seconds: float = self._settings["tail_seconds"]
            # False answers plain lines even to clients asking for events (as heroku3-style readers get)
            self.serve_event_stream: bool = self._settings["serve_event_stream"]
            self.poll_seconds: float = self._settings["poll_seconds"]
            self.heartbeat_seconds: float = self._settings["heartbeat_seconds"]
            self.sessions: dict[str, LogSession] = {}
            self.streams_served = 0
            self._drops: list[_Drop] = []
            self._tailing = 0  # streams that have sent their backlog and are following new lines

    # --- hooks for tests ---------------------------------------------------------------------
    def drop_next_stream(self, after_lines: int = 0, count: int = 1) -> None:
        """Cut the next `count` streams after `after_lines` lines, as a network failure would."""
        with self._changed:
            self._drops.append(_Drop(after_lines, count))

    def wait_until_tailing(self, streams: int = 1, timeout: float = 10.0) -> bool:
        """Block until `streams` tail streams in total have sent their backlog."""
        with self._changed:
            return self._changed.wait_for(lambda: self._tailing >= streams, timeout)

    def end_tails(self) -> None:
        """End every open tail cleanly once it has sent the lines logged so far."""
        with self._changed:
            self._generation += 1
            self._changed.notify_all()

    def _take_drop(self) -> int | None:
        with self._changed:
            for drop in self._drops:
                if drop.remaining > 0:
                    drop.remaining -= 1
                    return drop.after_lines
        return None

    # --- routes ------------------------------------------------------------------------------
    def __call__(self, app: Flask, state: HerokuState) -> None:
        self.state = state
        app.extensions[EXTENSION_KEY] = self
        app.register_blueprint(sessions_blueprint)
        app.register_blueprint(logplex_blueprint)

    def open_session(self, app: App) -> Response:
        body = request.get_json(silent=True) or {}
        if not isinstance(body, dict):
            return error(422, "invalid_params", "Expected a JSON object.")
        lines = body.get("lines", DEFAULT_LINES)
        if isinstance(lines, str) and lines.isdigit():
            lines = int(lines)
        if isinstance(lines, bool) or not isinstance(lines, int) or lines < 0:
            return error(422, "invalid_params", "lines must be a non-negative integer.")
        source = body.get("source") or None
        if source not in (None, "app", "heroku"):
            return error(422, "invalid_params", "source must be app or heroku.")
        # The schema names the filter dyno_name; the official CLI and heroku3 send dyno.
        dyno = body.get("dyno_name") or body.get("dyno") or None
        session = LogSession(
            app_name=app.name, lines=min(lines, MAX_LINES), tail=bool(body.get("tail")), dyno=dyno, source=source
        )
        with self._changed:
            self.sessions[session.id] = session
        rendered = example("log-session")
        rendered.update(
            id=session.id,
            created_at=session.created_at,
            updated_at=session.created_at,
            logplex_url=f"{request.host_url.rstrip('/')}/sessions/{session.id}?srv={session.token}",
        )
        return json_response(rendered, 201)

    def serve_stream(self, session_id: str) -> Response:
        session = self.sessions.get(session_id)
        if session is None or request.args.get("srv") != session.token:
            return Response("Not found\n", status=404, mimetype="text/plain")
        event_stream = self.serve_event_stream and "text/event-stream" in request.headers.get("Accept", "")
        connection = request.environ.get("werkzeug.socket")
        with self._changed:
            self.streams_served += 1
        body = self._stream(session, event_stream, connection, self._take_drop())
        mimetype = "text/event-stream" if event_stream else "text/plain"
        return Response(body, mimetype=mimetype, headers={"Cache-Control": "no-cache"})

    # --- the stream ------------------------------------------------------------------------------
    def _stream(self, session: LogSession, event_stream: bool, connection, drop_after: int | None):
        assert self.state is not None
        state = self.state
        with state.lock:
            lines = state.log_lines.setdefault(session.app_name, [])
            index = len(lines)
            backlog = [line for line in lines[:index] if session.wants(line)]
        backlog = backlog[-session.lines :] if session.lines else []
        sent = 0

        def emit(line: str) -> str:
            nonlocal sent
            sent += 1
            if event_stream:  # a line of several (a one-off dyno's command may be) is one event of several data
                return f"id: {sent}\n" + "".join(f"data: {part}\n" for part in line.split("\n")) + "\n"
            return line + "\n"

        def cut_if_due() -> None:
            # right after the line that reaches the count, so the client sees the cut at once
            if drop_after is not None and sent >= drop_after:
                raise _Dropped(f"stream cut after {sent} lines")

        cut_if_due()
        for line in backlog:
            yield emit(line)
            cut_if_due()
        if not session.tail:
            return
        with self._changed:
            generation = self._generation
            self._tailing += 1
            self._changed.notify_all()
        started = last_write = time.monotonic()
        while True:
            with self._changed:
                ending = self._generation != generation
            with state.lock:
                fresh = state.log_lines.get(session.app_name, [])[index:]
                index += len(fresh)
            for line in fresh:
                if session.wants(line):
                    yield emit(line)
                    last_write = time.monotonic()
                    cut_if_due()
            if ending or time.monotonic() - started > self.tail_seconds or _client_gone(connection):
                return
            if event_stream and time.monotonic() - last_write > self.heartbeat_seconds:
                yield ": keep-alive\n\n"
                last_write = time.monotonic()
            with self._changed:
                self._changed.wait(self.poll_seconds)


current_log_sessions = current(EXTENSION_KEY, LogSessionsStandIn)
sessions_blueprint = app_blueprint("log_sessions", __name__)
logplex_blueprint = Blueprint("logplex", __name__)


@sessions_blueprint.post("/log-sessions")
def create_log_session(app: App) -> Response:
    return current_log_sessions.open_session(app)


@logplex_blueprint.get("/sessions/<session_id>")
def logplex_stream(session_id: str) -> Response:
    return current_log_sessions.serve_stream(session_id)


def _client_gone(connection) -> bool:
    """True once the client has closed its end (readable, and a peek reads nothing)."""
    if connection is None:
        return False
    try:
        readable, _, _ = select.select([connection], [], [], 0)
        return bool(readable) and connection.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True
