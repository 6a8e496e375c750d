"""One-off dynos: create through the Platform API, attach over rendezvous, return the exit status.

Rendezvous (what `heroku run` does): open TLS to the host and port of the dyno's attach_url,
write the URL's path (the secret) and CRLF, drop the `rendezvous` line the server sends once the
dyno is attached, then relay bytes both ways until the server closes. The protocol carries no
exit status, so, like `heroku run --exit-code`, the command gets
a line `echo "\\uFFFF heroku-command-exit-status TOKEN: $?"` appended and the marker is cut out of the
output; TOKEN is new for every run, so nothing the command prints can pass for its status. A
stream that ends without the marker is an error, never a success.

A dyno this client created never outlives the run: whatever ends it early (Ctrl-C, a time limit,
a refused or stalled connection, a reader that went away, a create whose answer was lost) stops
the dyno first; a dyno whose create got no answer is found by its TOKEN in the app's dyno list.

Nothing here prints: output goes to the callback the caller gives.
"""

from __future__ import annotations

import codecs
import functools
import os
import re
import secrets
import select
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Callable, Mapping, NotRequired, TypedDict, Unpack, cast
from urllib.parse import urlsplit

from dandiops.core.errors import (
    ConflictError,
    DandiopsError,
    ExitCode,
    MaybeAppliedError,
    NotFoundError,
    TimeoutExpired,
    UnavailableError,
    UsageError,
)
from dandiops.providers.api_json import JsonObject

if TYPE_CHECKING:
    from dandiops.providers.heroku import HerokuClient

MARKER_PREFIX = "\uffff heroku-command-exit-status"
BANNER = "rendezvous"
CA_FILE_VAR = "DANDIOPS_RENDEZVOUS_CA_FILE"
CREATE_RETRIES_ON_CONFLICT = 2  # what the official CLI does: the release may not be visible yet
EOT = b"\x04"

Output = Callable[[str], None]


class DynoCreateBody(TypedDict):
    """POST /apps/{app}/dynos for a one-off `run` dyno."""

    command: str
    attach: bool
    type: str
    env: dict[str, str]
    size: NotRequired[str]
    time_to_live: NotRequired[int]
    force_no_tty: NotRequired[bool]


class DynoOptions(TypedDict, total=False):
    """The choices `run` passes on to `create`."""

    env: Mapping[str, str] | None
    size: str | None
    time_to_live: int | None
    force_no_tty: bool | None


@dataclass(frozen=True)
class DynoResult:
    exit_status: int
    dyno_id: str
    dyno_name: str


@dataclass(frozen=True)
class TimeLimits:
    start: float = 120.0  # from the create request until the dyno is attached (banner received)
    silence: float | None = None  # longest quiet spell once running; None = no limit
    connect: float = 30.0


@dataclass(frozen=True)
class ExitStatusMarker:
    """The last line the wrapped command prints: `\\uFFFF heroku-command-exit-status TOKEN: STATUS`.

    TOKEN is random and new for every run, so a line the command prints (a file it shows, a value
    from the database) cannot pass for the status; a marker-like line without it is output. It
    also tells this run's dyno apart in the app's dyno list, whose entries show their command.
    """

    token: str

    @classmethod
    def new(cls) -> "ExitStatusMarker":
        return cls(secrets.token_hex(16))

    @property
    def prefix(self) -> str:
        return f"{MARKER_PREFIX} {self.token}: "

    def wrap(self, command: str) -> str:
        # a newline, not `;`, ends the command: a trailing `# comment` or `&` must not swallow the echo
        return f'{command}\necho "{self.prefix}$?"'

    def in_command(self, command: str | None) -> bool:
        return command is not None and self.prefix in command


class ExitStatusFilter:
    """Decodes UTF-8 incrementally and cuts this run's exit-status marker line out of the stream.

    Text from a U+FFFF is held back only while it may still become the marker (so a marker split
    across reads is still recognised); anything else passes through as it arrives.
    """

    def __init__(self, output: Output, marker: ExitStatusMarker):
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._output = output
        self._held = ""
        self._prefix = marker.prefix
        self._line = re.compile(re.escape(marker.prefix) + r"([0-9]{1,3})[ \t\r]*\n")
        self._partial = re.compile(re.escape(marker.prefix) + r"[0-9]{0,3}[ \t\r]*")
        self.exit_status: int | None = None

    def feed(self, data: bytes) -> None:
        self._emit(self._decoder.decode(data))

    def close(self) -> None:
        text = self._decoder.decode(b"", final=True)
        self._emit(text)
        if self._held:
            self._output(self._held)
            self._held = ""

    def _may_become_marker(self, tail: str) -> bool:
        return self._prefix.startswith(tail) or self._partial.fullmatch(tail) is not None

    def _emit(self, text: str) -> None:
        text = self._held + text
        self._held = ""
        out: list[str] = []
        position = 0
        while True:
            start = text.find("\uffff", position)
            if start < 0:
                out.append(text[position:])
                break
            out.append(text[position:start])
            match = self._line.match(text, start) if self.exit_status is None else None
            if match:
                self.exit_status = int(match.group(1))
                position = match.end()
            elif self.exit_status is None and "\n" not in text[start:] and self._may_become_marker(text[start:]):
                self._held = text[start:]
                break
            else:
                out.append("\uffff")
                position = start + 1
        chunk = "".join(out)
        if chunk:
            self._output(chunk)


class _Deadline:
    def __init__(self, seconds: float):
        self._at = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(0.0, self._at - time.monotonic())

    def passed(self) -> bool:
        return time.monotonic() >= self._at


def ssl_context(ca_file: str | None = None) -> ssl.SSLContext:
    """The system's CAs, plus `ca_file` (the sandbox's own CA, or a corporate proxy's). Built once per process
    for each version of the file: loading the system's CAs costs some 40 ms of CPU, and a process may start
    many dynos (init checks several steps with one each)."""
    try:
        version = os.stat(ca_file) if ca_file else None
        return _ssl_context(ca_file, (version.st_mtime_ns, version.st_size) if version else None)
    except (OSError, ssl.SSLError) as exc:
        raise UsageError(
            f"cannot load the rendezvous CA file {ca_file}: {exc}",
            hint=f"point {CA_FILE_VAR} at a PEM certificate file, or unset it",
        ) from None


@functools.lru_cache(maxsize=8)
def _ssl_context(ca_file: str | None, version: tuple[int, int] | None) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


class OneOffDynos:
    """Runs commands in one-off dynos of one app and reports their exit status."""

    def __init__(
        self, heroku: "HerokuClient", app: str, *, ca_file: str | None = None, limits: TimeLimits | None = None
    ) -> None:
        self.heroku = heroku
        self.app = app
        self.limits = limits or TimeLimits()
        self._tls = ssl_context(ca_file)

    # --- Platform API ----------------------------------------------------------------------
    def create(
        self,
        command: str,
        *,
        env: Mapping[str, str] | None = None,
        size: str | None = None,
        time_to_live: int | None = None,
        attach: bool = True,
        force_no_tty: bool | None = True,
        timeout: float | None = None,
    ) -> JsonObject:
        """POST the dyno; `timeout` (seconds) bounds each attempt. Only a 409 is tried again."""
        body: DynoCreateBody = {"command": command, "attach": attach, "type": "run", "env": dict(env or {})}
        if size:
            body["size"] = size
        if time_to_live:
            body["time_to_live"] = int(time_to_live)
        if force_no_tty is not None:
            body["force_no_tty"] = force_no_tty
        what = f"starting a one-off dyno on {self.app}"
        for attempt in range(CREATE_RETRIES_ON_CONFLICT + 1):
            try:
                return cast(JsonObject, self.heroku.post(f"/apps/{self.app}/dynos", body, what=what, timeout=timeout))
            except ConflictError:
                if attempt == CREATE_RETRIES_ON_CONFLICT:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def stop(self, dyno_id: str) -> None:
        self.heroku.post(
            f"/apps/{self.app}/dynos/{dyno_id}/actions/stop", {}, what=f"stopping dyno {dyno_id} of {self.app}"
        )

    # --- run ---------------------------------------------------------------------------------
    def run(
        self,
        command: str,
        *,
        output: Output,
        env: Mapping[str, str] | None = None,
        size: str | None = None,
        time_to_live: int | None = None,
        stdin: IO[bytes] | None = None,
        force_no_tty: bool | None = True,
        on_created: Callable[[JsonObject], None] | None = None,
        on_attached: Callable[[JsonObject], None] | None = None,
    ) -> DynoResult:
        """Run `command`, streaming its output to `output`; returns its exit status.

        `on_created` is called with the dyno once Heroku has made it, `on_attached` once its output
        starts to flow: between the two the dyno is starting (a few seconds on Heroku).

        `stdin` (a binary stream) is forwarded to the dyno; its end is sent as EOT. The start
        limit runs from the create request to the dyno's banner. Ctrl-C stops the dyno and raises
        an INTERRUPTED error; any other early end stops it too and is raised as it came.
        """
        marker = ExitStatusMarker.new()
        start_by = _Deadline(self.limits.start)
        dyno = self._create_or_stop(
            marker, command, start_by, env=env, size=size, time_to_live=time_to_live, force_no_tty=force_no_tty
        )
        if on_created:
            on_created(dyno)
        return self.attach(dyno, marker=marker, output=output, stdin=stdin, on_attached=on_attached, start_by=start_by)

    def _create_or_stop(
        self, marker: ExitStatusMarker, command: str, start_by: _Deadline, **options: Unpack[DynoOptions]
    ) -> JsonObject:
        """Create the dyno; if the answer never comes, find the dyno by its marker and stop it.

        A create is not idempotent, so a lost answer is never retried: it is reconciled.
        """
        try:
            return self.create(marker.wrap(command), timeout=max(start_by.remaining(), 0.001), **options)
        except KeyboardInterrupt:
            outcome, in_doubt = self._stop_created_by(marker)
            raise DandiopsError(
                f"interrupted while starting a one-off dyno on {self.app}; {outcome}",
                hint=in_doubt,
                exit_code=ExitCode.INTERRUPTED,
            ) from None
        except UnavailableError as exc:
            # No answer, or one (5xx, 429) that does not say whether the dyno exists: look before leaving.
            outcome, in_doubt = self._stop_created_by(marker)
            if isinstance(exc, MaybeAppliedError):
                message = f"the answer to starting a one-off dyno on {self.app} was lost; {outcome}"
            else:
                message = f"{exc.message}; {outcome}"
            if in_doubt:
                if isinstance(exc, MaybeAppliedError):  # still unknown whether a dyno runs: audited as such
                    raise MaybeAppliedError(message, hint=in_doubt, action=exc.action) from None
                raise UnavailableError(message, hint=in_doubt) from None
            if start_by.passed():
                raise TimeoutExpired(
                    f"the dyno did not start within {self.limits.start:g} s (Heroku had not answered the create); "
                    f"{outcome}",
                    hint="if a dyno of this run appears later, nobody attaches to it, so its command "
                    "never starts and Heroku ends it; retry, or allow longer with --start-timeout",
                ) from None
            raise UnavailableError(
                message,
                hint="the create was not retried and no dyno of this run is left: running the command again is safe",
            ) from None

    def _stop_created_by(self, marker: ExitStatusMarker) -> tuple[str, str | None]:
        """Stop the dyno whose command carries `marker`; returns what happened and, if that is in doubt,
        what the operator should do."""
        check = (
            f"see `heroku ps -a {self.app}` and stop a dyno running your command with "
            f"`heroku ps:stop NAME -a {self.app}`"
        )
        try:
            listed = self.heroku.dynos(self.app)
        except DandiopsError as exc:
            return f"whether the dyno was created is unknown (listing the dynos failed: {exc.message})", check
        stopped: list[str] = []
        for dyno in listed:
            if not marker.in_command(dyno.get("command")):
                continue
            problem = self._stop_quietly(dyno)
            if problem:
                return f"the dyno it had created ({dyno.get('name')}) could not be stopped: {problem}", check
            stopped.append(str(dyno.get("name")))
        if stopped:
            return f"the dyno it had created ({', '.join(stopped)}) was stopped", None
        return f"{self.app} lists no dyno of this run", None

    def attach(
        self,
        dyno: JsonObject,
        *,
        marker: ExitStatusMarker,
        output: Output,
        stdin: IO[bytes] | None = None,
        on_attached: Callable[[JsonObject], None] | None = None,
        start_by: _Deadline | None = None,
    ) -> DynoResult:
        """Attach to a created dyno (its command wrapped by `marker`) until it ends.

        If the attach ends any other way than with the marker's exit status, the dyno is stopped
        before the error goes on: a dyno never keeps running unwatched.
        """
        name = dyno.get("name", "dyno")
        start_by = start_by or _Deadline(self.limits.start)
        conn: ssl.SSLSocket | None = None
        try:
            attach_url = dyno.get("attach_url")
            if not attach_url:
                raise DandiopsError(
                    f"Heroku gave dyno {name} no attach URL, so its output cannot be streamed",
                    hint="retry; if it persists, check status.heroku.com",
                )
            conn = self._connect(attach_url, name, start_by)
            early_output = self._wait_for_banner(conn, name, start_by)
            if on_attached:
                on_attached(dyno)
            exit_status = self._stream(conn, name, output, stdin, early_output, marker)
        except KeyboardInterrupt:
            # Stop it before letting go of the connection, so the stop is what ends it.
            problem = self._stop_quietly(dyno)
            if problem:
                raise self._still_running(dyno, "interrupted", problem, ExitCode.INTERRUPTED) from None
            raise DandiopsError(f"interrupted: stopped dyno {name}", exit_code=ExitCode.INTERRUPTED) from None
        except BaseException as exc:
            # A time limit, a refused or stalled connection, a reader that went away, a lost stream.
            problem = self._stop_quietly(dyno)
            if problem:
                why = exc.message if isinstance(exc, DandiopsError) else f"the run ended early ({type(exc).__name__})"
                code = exc.exit_code if isinstance(exc, DandiopsError) else ExitCode.FAILURE
                raise self._still_running(dyno, why, problem, code) from None
            raise
        finally:
            if conn is not None:
                _close_quietly(conn)
        return DynoResult(exit_status=exit_status, dyno_id=dyno["id"], dyno_name=name)

    def _stop_quietly(self, dyno: JsonObject) -> str | None:
        """Stop `dyno`; None once it is stopped or already gone, else why the stop failed."""
        try:
            self.stop(dyno["id"])
        except NotFoundError:
            pass  # it had already ended
        except DandiopsError as exc:
            return exc.message
        return None

    def _still_running(self, dyno: JsonObject, why: str, problem: str, code: ExitCode) -> DandiopsError:
        name = dyno.get("name")
        return DandiopsError(
            f"{why}, and stopping dyno {name} failed: {problem}",
            hint=f"stop it yourself: heroku ps:stop {name} -a {self.app}",
            exit_code=code,
        )

    def _connect(self, attach_url: str, name: str, start_by: _Deadline) -> ssl.SSLSocket:
        """TCP and TLS to the rendezvous host, both within the start limit."""
        parts = urlsplit(attach_url)
        if parts.scheme != "rendezvous" or not parts.hostname:
            raise DandiopsError(
                f"dyno {name} has an attach URL dandiops cannot use ({parts.scheme}://)",
                hint="only rendezvous:// dynos (Cedar) can be attached; use `heroku run` for others",
            )
        host, port = parts.hostname, parts.port or 5000
        remaining = start_by.remaining()
        if remaining <= 0:
            raise self._start_timeout(name)
        try:
            raw = socket.create_connection((host, port), timeout=min(self.limits.connect, remaining))
        except TimeoutError:
            if start_by.passed():
                raise self._start_timeout(name) from None
            raise UnavailableError(
                f"could not connect to dyno {name} at {host}:{port}: timed out",
                hint="check that your network allows outgoing TLS on that port",
            ) from None
        except OSError as exc:
            raise UnavailableError(
                f"could not connect to dyno {name} at {host}:{port}: {exc}",
                hint="check that your network allows outgoing TLS on that port",
            ) from None
        remaining = start_by.remaining()
        if remaining <= 0:
            raw.close()
            raise self._start_timeout(name)
        raw.settimeout(remaining)  # the handshake and the secret count against the start limit too
        try:
            conn = self._tls.wrap_socket(raw, server_hostname=host)
            secret = parts.path.lstrip("/") + (f"?{parts.query}" if parts.query else "")
            conn.sendall(secret.encode() + b"\r\n")
        except ssl.SSLCertVerificationError as exc:
            raw.close()
            raise UnavailableError(
                f"the certificate of {host}:{port} was not trusted: {exc.verify_message}",
                hint=f"behind a TLS-inspecting proxy, set {CA_FILE_VAR} to its CA file",
            ) from None
        except TimeoutError:
            raw.close()
            raise self._start_timeout(name) from None
        except OSError as exc:
            raw.close()
            raise UnavailableError(
                f"TLS to dyno {name} at {host}:{port} failed: {exc}",
                hint="retry; check that your network allows outgoing TLS",
            ) from None
        return conn

    def _wait_for_banner(self, conn: ssl.SSLSocket, name: str, start_by: _Deadline) -> bytes:
        """Wait for the dyno to attach; returns any output that came in the same read as the banner."""
        data = b""
        while b"\n" not in data:
            remaining = start_by.remaining()
            if remaining <= 0:
                raise self._start_timeout(name)
            conn.settimeout(remaining)
            try:
                chunk = conn.recv(65536)
            except socket.timeout:
                raise self._start_timeout(name) from None
            except (OSError, ssl.SSLError):
                chunk = b""
            if not chunk:
                raise DandiopsError(
                    f"dyno {name} ended before it started (the connection closed)",
                    hint=f"it may have been stopped or failed to boot; see `heroku logs -a {self.app} --dyno {name}`",
                )
            data += chunk
        first, _, rest = data.partition(b"\n")
        return rest if first.strip() == BANNER.encode() else data  # no banner: it is all output

    def _start_timeout(self, name: str) -> TimeoutExpired:
        return TimeoutExpired(
            f"dyno {name} did not start within {self.limits.start:g} s; it was stopped",
            hint="Heroku may be slow to boot dynos right now (status.heroku.com); "
            "retry, or allow longer with --start-timeout",
        )

    def _stream(
        self,
        conn: ssl.SSLSocket,
        name: str,
        output: Output,
        stdin: IO[bytes] | None,
        early_output: bytes,
        marker: ExitStatusMarker,
    ) -> int:
        filtered = ExitStatusFilter(output, marker)
        filtered.feed(early_output)
        conn.settimeout(self.limits.connect)
        # One TLS connection must not be read and written at the same moment from two threads.
        lock = threading.Lock()
        forwarder = _StdinForwarder(conn, stdin, lock) if stdin is not None else None
        silence = self.limits.silence
        try:
            while True:
                with lock:
                    buffered = conn.pending() > 0
                if not buffered:
                    ready, _, _ = select.select([conn], [], [], silence)
                    if not ready:
                        raise TimeoutExpired(
                            f"dyno {name} printed nothing for {silence:g} s; it was stopped",
                            hint="if the command is quiet on purpose, allow longer with --silence-timeout",
                        )
                try:
                    with lock:
                        chunk = conn.recv(65536)
                except (ssl.SSLWantReadError, socket.timeout):
                    continue
                except (ssl.SSLEOFError, ConnectionResetError):
                    chunk = b""
                if not chunk:
                    break
                filtered.feed(chunk)
        finally:
            if forwarder:
                forwarder.stop()
        filtered.close()
        if filtered.exit_status is None:
            raise DandiopsError(
                f"dyno {name} closed the connection without reporting the command's exit status",
                hint="the command may have been killed (out of memory, stopped, time_to_live) or ended the shell "
                f"with `exit`; see `heroku logs -a {self.app} --dyno {name}`",
            )
        return filtered.exit_status


class _StdinForwarder:
    """Copies a local binary stream to the dyno; its end becomes EOT, as the official CLI sends."""

    def __init__(self, conn: ssl.SSLSocket, stdin: IO[bytes], lock: threading.Lock):
        self._conn = conn
        self._stdin = stdin
        self._lock = lock
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dyno-stdin", daemon=True)
        self._thread.start()

    def _read(self) -> bytes:
        try:
            fd = self._stdin.fileno()
        except (AttributeError, OSError, ValueError):
            return self._stdin.read(4096) or b""
        return os.read(fd, 4096)  # returns what is there, so typed lines go out at once

    def _run(self) -> None:
        try:
            while not self._stopped.is_set():
                data = self._read()
                if self._stopped.is_set():
                    return
                with self._lock:
                    self._conn.sendall(data if data else EOT)
                if not data:
                    return
        except (OSError, ValueError, ssl.SSLError):
            return

    def stop(self) -> None:
        self._stopped.set()


def _close_quietly(conn: ssl.SSLSocket) -> None:
    try:
        conn.close()
    except OSError:
        pass
