"""One-off dynos: create through the Platform API, attach over rendezvous, return the exit status.

Rendezvous (what `heroku run` does): open TLS to the host and port of the dyno's attach_url,
write the URL's path (the secret) and CRLF, drop the `rendezvous` line the server sends once the
dyno is attached, then relay bytes both ways until the server closes. The protocol carries no
exit status, so, like `heroku run --exit-code`, the command gets
` ; echo "\\uFFFF heroku-command-exit-status: $?"` appended and the marker is cut out of the
output; a stream that ends without it is an error, never a success.

Nothing here prints: output goes to the callback the caller gives.
"""

from __future__ import annotations

import codecs
import os
import re
import select
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Callable, Mapping
from urllib.parse import urlsplit

from dandiops.core.errors import (
    ConflictError,
    DandiopsError,
    ExitCode,
    NotFoundError,
    TimeoutExpired,
    UnavailableError,
    UsageError,
)

if TYPE_CHECKING:
    from dandiops.providers.heroku import HerokuClient

MARKER = "\uFFFF heroku-command-exit-status:"
EXIT_STATUS_SUFFIX = f' ; echo "{MARKER} $?"'
_MARKER_LINE = re.compile("^\uFFFF heroku-command-exit-status: (\\d+)\\s*$")
BANNER = "rendezvous"
CA_FILE_VAR = "DANDIOPS_RENDEZVOUS_CA_FILE"
CREATE_RETRIES_ON_CONFLICT = 2  # what the official CLI does: the release may not be visible yet
EOT = b"\x04"

Output = Callable[[str], None]


@dataclass(frozen=True)
class DynoResult:
    exit_status: int
    dyno_id: str
    dyno_name: str


@dataclass(frozen=True)
class TimeLimits:
    start: float = 120.0  # from create until the dyno is attached (banner received)
    silence: float | None = None  # longest quiet spell once running; None = no limit
    connect: float = 30.0


class ExitStatusFilter:
    """Decodes UTF-8 incrementally and cuts the exit-status marker line out of the stream.

    Text that may be the start of a marker (from a U+FFFF up to the end of its line) is held
    back until the line is complete, so a marker split across reads is still recognised.
    """

    def __init__(self, output: Output):
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._output = output
        self._held = ""
        self.exit_status: int | None = None

    def feed(self, data: bytes) -> None:
        self._emit(self._decoder.decode(data))

    def close(self) -> None:
        text = self._decoder.decode(b"", final=True)
        self._emit(text)
        if self._held:
            self._output(self._held)
            self._held = ""

    def _emit(self, text: str) -> None:
        text = self._held + text
        self._held = ""
        out: list[str] = []
        while text:
            start = text.find("\uFFFF")
            if start < 0:
                out.append(text)
                break
            out.append(text[:start])
            end = text.find("\n", start)
            if end < 0:
                self._held = text[start:]
                break
            line = text[start:end + 1]
            match = _MARKER_LINE.match(line.rstrip("\r\n"))
            if match and self.exit_status is None:
                self.exit_status = int(match.group(1))
            else:
                out.append(line)
            text = text[end + 1:]
        chunk = "".join(out)
        if chunk:
            self._output(chunk)


def ssl_context(ca_file: str | None = None) -> ssl.SSLContext:
    """The system's CAs, plus `ca_file` (the sandbox's own CA, or a corporate proxy's)."""
    context = ssl.create_default_context()
    if ca_file:
        try:
            context.load_verify_locations(cafile=ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise UsageError(f"cannot load the rendezvous CA file {ca_file}: {exc}",
                             hint=f"point {CA_FILE_VAR} at a PEM certificate file, or unset it") from None
    return context


def with_exit_status(command: str) -> str:
    return command + EXIT_STATUS_SUFFIX


class OneOffDynos:
    """Runs commands in one-off dynos of one app and reports their exit status."""

    def __init__(self, heroku: "HerokuClient", app: str, *, ca_file: str | None = None,
                 limits: TimeLimits | None = None):
        self.heroku = heroku
        self.app = app
        self.limits = limits or TimeLimits()
        self._tls = ssl_context(ca_file)

    # --- Platform API ----------------------------------------------------------------------
    def create(self, command: str, *, env: Mapping[str, str] | None = None, size: str | None = None,
               time_to_live: int | None = None, attach: bool = True, force_no_tty: bool | None = True) -> dict:
        body: dict = {"command": command, "attach": attach, "type": "run", "env": dict(env or {})}
        if size:
            body["size"] = size
        if time_to_live:
            body["time_to_live"] = int(time_to_live)
        if force_no_tty is not None:
            body["force_no_tty"] = force_no_tty
        what = f"starting a one-off dyno on {self.app}"
        for attempt in range(CREATE_RETRIES_ON_CONFLICT + 1):
            try:
                return self.heroku.post(f"/apps/{self.app}/dynos", body, what=what)
            except ConflictError:
                if attempt == CREATE_RETRIES_ON_CONFLICT:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def stop(self, dyno_id: str) -> None:
        self.heroku.post(f"/apps/{self.app}/dynos/{dyno_id}/actions/stop", {},
                         what=f"stopping dyno {dyno_id} of {self.app}")

    # --- run ---------------------------------------------------------------------------------
    def run(self, command: str, *, output: Output, env: Mapping[str, str] | None = None,
            size: str | None = None, time_to_live: int | None = None, stdin: IO[bytes] | None = None,
            force_no_tty: bool | None = True, on_attached: Callable[[dict], None] | None = None) -> DynoResult:
        """Run `command`, streaming its output to `output`; returns its exit status.

        `stdin` (a binary stream) is forwarded to the dyno; its end is sent as EOT.
        Ctrl-C stops the dyno and raises an INTERRUPTED error.
        """
        dyno = self.create(with_exit_status(command), env=env, size=size, time_to_live=time_to_live,
                           force_no_tty=force_no_tty)
        return self.attach(dyno, output=output, stdin=stdin, on_attached=on_attached)

    def attach(self, dyno: dict, *, output: Output, stdin: IO[bytes] | None = None,
               on_attached: Callable[[dict], None] | None = None) -> DynoResult:
        """Attach to a created dyno (its command carrying the exit-status marker) until it ends."""
        name = dyno.get("name", "dyno")
        conn: ssl.SSLSocket | None = None
        try:
            attach_url = dyno.get("attach_url")
            if not attach_url:
                raise DandiopsError(f"Heroku gave dyno {name} no attach URL, so its output cannot be streamed",
                                    hint="retry; if it persists, check status.heroku.com")
            conn = self._connect(attach_url, name)
            early_output = self._wait_for_banner(conn, name)
            if on_attached:
                on_attached(dyno)
            exit_status = self._stream(conn, name, output, stdin, early_output)
        except KeyboardInterrupt:
            # Stop it before letting go of the connection, so the stop is what ends it.
            self._stop_after(dyno, "interrupted")
            raise DandiopsError(f"interrupted: stopped dyno {name}", exit_code=ExitCode.INTERRUPTED) from None
        except TimeoutExpired:
            self._stop_after(dyno, "timed out")
            raise
        finally:
            if conn is not None:
                _close_quietly(conn)
        return DynoResult(exit_status=exit_status, dyno_id=dyno["id"], dyno_name=name)

    def _stop_after(self, dyno: dict, why: str) -> None:
        try:
            self.stop(dyno["id"])
        except NotFoundError:
            pass  # it had already ended
        except DandiopsError as exc:
            raise DandiopsError(
                f"{why}, and stopping dyno {dyno.get('name')} failed: {exc.message}",
                hint=f"stop it yourself: heroku ps:stop {dyno.get('name')} -a {self.app}",
                exit_code=ExitCode.INTERRUPTED if why == "interrupted" else ExitCode.TIMEOUT,
            ) from None

    def _connect(self, attach_url: str, name: str) -> ssl.SSLSocket:
        parts = urlsplit(attach_url)
        if parts.scheme != "rendezvous" or not parts.hostname:
            raise DandiopsError(f"dyno {name} has an attach URL dandiops cannot use ({parts.scheme}://)",
                                hint="only rendezvous:// dynos (Cedar) can be attached; use `heroku run` for others")
        host, port = parts.hostname, parts.port or 5000
        try:
            raw = socket.create_connection((host, port), timeout=self.limits.connect)
        except OSError as exc:
            raise UnavailableError(f"could not connect to dyno {name} at {host}:{port}: {exc}",
                                   hint="check that your network allows outgoing TLS on that port") from None
        try:
            conn = self._tls.wrap_socket(raw, server_hostname=host)
            secret = parts.path.lstrip("/") + (f"?{parts.query}" if parts.query else "")
            conn.sendall(secret.encode() + b"\r\n")
        except ssl.SSLCertVerificationError as exc:
            raw.close()
            raise UnavailableError(f"the certificate of {host}:{port} was not trusted: {exc.verify_message}",
                                   hint=f"behind a TLS-inspecting proxy, set {CA_FILE_VAR} to its CA file") from None
        except OSError as exc:
            raw.close()
            raise UnavailableError(f"TLS to dyno {name} at {host}:{port} failed: {exc}",
                                   hint="retry; check that your network allows outgoing TLS") from None
        return conn

    def _wait_for_banner(self, conn: ssl.SSLSocket, name: str) -> bytes:
        """Wait for the dyno to attach; returns any output that came in the same read as the banner."""
        deadline = time.monotonic() + self.limits.start
        data = b""
        while b"\n" not in data:
            remaining = deadline - time.monotonic()
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
                raise DandiopsError(f"dyno {name} ended before it started (the connection closed)",
                                    hint=f"it may have been stopped or failed to boot; see `heroku logs -a {self.app} "
                                    f"--dyno {name}`")
            data += chunk
        first, _, rest = data.partition(b"\n")
        return rest if first.strip() == BANNER.encode() else data  # no banner: it is all output

    def _start_timeout(self, name: str) -> TimeoutExpired:
        return TimeoutExpired(f"dyno {name} did not start within {self.limits.start:g} s; it was stopped",
                              hint="Heroku may be slow to boot dynos right now (status.heroku.com); "
                              "retry, or allow longer with --start-timeout")

    def _stream(self, conn: ssl.SSLSocket, name: str, output: Output, stdin: IO[bytes] | None,
                early_output: bytes) -> int:
        marker = ExitStatusFilter(output)
        marker.feed(early_output)
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
                            hint="if the command is quiet on purpose, allow longer with --silence-timeout")
                try:
                    with lock:
                        chunk = conn.recv(65536)
                except (ssl.SSLWantReadError, socket.timeout):
                    continue
                except (ssl.SSLEOFError, ConnectionResetError):
                    chunk = b""
                if not chunk:
                    break
                marker.feed(chunk)
        finally:
            if forwarder:
                forwarder.stop()
        marker.close()
        if marker.exit_status is None:
            raise DandiopsError(
                f"dyno {name} closed the connection without reporting the command's exit status",
                hint="the command may have been killed (out of memory, stopped, time_to_live) or ended the shell "
                f"with `exit`; see `heroku logs -a {self.app} --dyno {name}`",
            )
        return marker.exit_status


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
