"""One-off dynos: created by the Platform API stand-in, run by the executor, attached by rendezvous.

An attached dyno's process starts when its client connects (that is what pairs the two ends on
Heroku): the runner sends the `rendezvous` banner in its own write, pauses, then streams the
merged output live and forwards what the client sends to the process's stdin (EOT ends stdin,
ETX interrupts). Once the process has exited, everything it wrote is passed on before the
connection closes and the dyno leaves the app's list. Its output goes to the terminal only: the
app's log records the dyno starting, changing state and exiting, as Heroku's does. A detached
dyno (attach false) runs at once and its output goes to the app's log.
"""

from __future__ import annotations

import os
import selectors
import signal
import socket
import ssl
import subprocess
import threading
import time
from pathlib import Path
from typing import Mapping

from dandiops.sandbox.dyno import database, executor
from dandiops.sandbox.dyno.rendezvous import RendezvousListener
from dandiops.sandbox.heroku.state import App, Dyno, HerokuState, now

BANNER = b"rendezvous\r\n"
BANNER_PAUSE = 0.1  # the official CLI drops the whole first read, so the banner must arrive alone
ATTACH_TIMEOUT = 120.0  # a dyno nobody attaches to is given up, as Heroku does
STOP_GRACE = 2.0  # SIGTERM, then SIGKILL (Heroku waits longer; tests need not)
EOT, ETX = b"\x04", b"\x03"


class OneOffRunner:
    def __init__(self, state: HerokuState, listener: RendezvousListener, workdir: Path):
        self.state = state
        self.listener = listener
        self.workdir = workdir
        self.start_delay = 0.0  # seconds a dyno takes to boot; tests raise it to provoke start timeouts
        self._processes: dict[str, subprocess.Popen] = {}  # dyno id -> process
        self._stopped: set[str] = set()
        self._secrets: dict[str, str] = {}  # dyno id -> rendezvous secret, until attached
        self._lock = threading.Lock()
        self._timers: list[threading.Timer] = []
        self._running = 0  # dyno threads that have not finished
        self._idle = threading.Condition(self._lock)
        self._closed = threading.Event()

    # --- lifecycle -----------------------------------------------------------------------
    def create(
        self,
        app: App,
        *,
        command: str,
        env: Mapping[str, str],
        size: str,
        attach: bool,
        time_to_live: int | None,
        dyno_type: str = "run",
    ) -> Dyno:
        release = app.current_release
        with self.state.lock:
            name = f"{dyno_type}.{next(app.run_counter)}"
            dyno = Dyno(
                name=name,
                type=dyno_type,
                command=command,
                size=size,
                release_version=release.version if release else 0,
                release_id=release.id if release else "",
            )
            dyno.stop = lambda: self.stop(app, dyno)
            app.dynos[name] = dyno
        self._log(app, dyno, f"Starting process with command `{command}`", source="heroku")
        if attach:
            secret = self.listener.new_secret()
            dyno.attach_url = self.listener.attach_url(secret)
            with self._lock:
                self._secrets[dyno.id] = secret
            self.listener.register(secret, lambda conn: self._attached(app, dyno, dict(env), conn))
            self._after(ATTACH_TIMEOUT, self._never_attached, app, dyno, secret)
        else:
            with self._lock:
                self._running += 1
            threading.Thread(
                target=self._detached, args=(app, dyno, dict(env)), daemon=True, name=f"dyno:{name}"
            ).start()
        if time_to_live:
            self._after(time_to_live, self.stop, app, dyno)
        return dyno

    def _after(self, seconds: float, function, *args) -> None:
        timer = threading.Timer(seconds, function, args=args)
        timer.daemon = True
        with self._lock:
            self._timers = [t for t in self._timers if t.is_alive()]
            self._timers.append(timer)
        timer.start()

    def stop(self, app: App, dyno: Dyno) -> None:
        with self._lock:
            self._stopped.add(dyno.id)
            process = self._processes.get(dyno.id)
            secret = self._secrets.pop(dyno.id, None)
        if secret:
            self.listener.unregister(secret)
        if process is None:
            self._remove(app, dyno, "Stopped before the process started")
            return
        _signal_group(process, signal.SIGTERM)

        def kill_if_still_running() -> None:
            if process.poll() is None:
                _signal_group(process, signal.SIGKILL)

        self._after(STOP_GRACE, kill_if_still_running)

    def close(self, timeout: float = 10.0) -> None:
        """End every dyno at once (SIGKILL) and wait up to `timeout` for their threads; no process starts
        afterwards."""
        with self._lock:
            self._closed.set()
            timers, self._timers = self._timers, []
            secrets = list(self._secrets.values())
            self._secrets.clear()
            processes = list(self._processes.values())
        for timer in timers:
            timer.cancel()
        for secret in secrets:
            self.listener.unregister(secret)
        for process in processes:
            _signal_group(process, signal.SIGKILL)
        with self._idle:
            self._idle.wait_for(lambda: self._running == 0, timeout)

    def _done_running(self) -> None:
        with self._idle:
            self._running -= 1
            self._idle.notify_all()

    # --- running -------------------------------------------------------------------------
    def _start_process(self, app: App, dyno: Dyno, env: dict[str, str], *, stdin) -> subprocess.Popen | None:
        try:
            database.ensure_migrated(app, on_line=lambda line: self._log(app, dyno, line))
        except database.ReleasePhaseFailed as exc:
            self._log(app, dyno, str(exc).splitlines()[0], source="heroku")
        if self.start_delay:
            self._closed.wait(self.start_delay)
        with self._lock:
            if dyno.id in self._stopped or self._closed.is_set():
                return None
            process = executor.start(
                app,
                dyno.command,
                env,
                dyno_name=dyno.name,
                stdin=stdin,
                ca_file=executor.platform_ca_file(self.workdir),
            )
            self._processes[dyno.id] = process
        with self.state.lock:
            dyno.state = "up"
            dyno.updated_at = now()
        self._log(app, dyno, "State changed from starting to up", source="heroku")
        return process

    def _attached(self, app: App, dyno: Dyno, env: dict[str, str], conn: ssl.SSLSocket) -> None:
        with self._lock:
            self._secrets.pop(dyno.id, None)
            self._running += 1
        try:
            self._attached_run(app, dyno, env, conn)
        finally:
            self._done_running()

    def _attached_run(self, app: App, dyno: Dyno, env: dict[str, str], conn: ssl.SSLSocket) -> None:
        conn.settimeout(30)
        process = None
        try:
            process = self._start_process(app, dyno, env, stdin=subprocess.PIPE)
            if process is None:
                return
            conn.sendall(BANNER)
            time.sleep(BANNER_PAUSE)
            self._relay(process, conn)
        except (OSError, ssl.SSLError):
            if process is not None and process.poll() is None:
                _signal_group(process, signal.SIGHUP)  # the terminal went away
        finally:
            # The dyno leaves the list before the client sees the end of the stream.
            if process is not None:
                self._finished(app, dyno, process)
            else:
                self._remove(app, dyno, "Stopped before the process started")
            _close(conn)

    def _detached(self, app: App, dyno: Dyno, env: dict[str, str]) -> None:
        try:
            process = self._start_process(app, dyno, env, stdin=subprocess.DEVNULL)
            if process is None:
                return
            assert process.stdout is not None
            for raw in iter(process.stdout.readline, b""):
                self._log(app, dyno, raw.decode("utf-8", "replace").rstrip("\r\n"))
            self._finished(app, dyno, process)
        finally:
            self._done_running()

    def _relay(self, process: subprocess.Popen, conn: ssl.SSLSocket) -> None:
        """Output to the client and the client's bytes to stdin, until the output ends or the process has exited
        and all it wrote has been passed on (a background child may hold stdout open after the process ends)."""
        assert process.stdout is not None and process.stdin is not None
        out_fd = process.stdout.fileno()
        selector = selectors.DefaultSelector()
        selector.register(out_fd, selectors.EVENT_READ, "out")
        selector.register(conn, selectors.EVENT_READ, "in")
        client_open = True

        def deliver(data: bytes) -> None:
            nonlocal client_open
            if not client_open:
                return
            try:
                conn.sendall(data)
            except (OSError, ssl.SSLError):
                client_open = False
                selector.unregister(conn)
                _signal_group(process, signal.SIGHUP)

        try:
            while True:
                buffered = client_open and conn.pending() > 0
                events = {key.data for key, _ in selector.select(timeout=0 if buffered else 1.0)}
                if buffered:
                    events.add("in")
                if not events and process.poll() is not None:
                    # Quiet, and exited: what it wrote last may still be unread (a select that a pause of
                    # the sandbox interrupted reports nothing), so read the pipe dry before ending.
                    deliver(_read_what_is_there(out_fd))
                    break
                if "in" in events and client_open:
                    client_open = self._forward_input(process, conn)
                    if not client_open:
                        selector.unregister(conn)
                        _signal_group(process, signal.SIGHUP)
                if "out" in events:
                    data = os.read(out_fd, 65536)
                    if not data:
                        break
                    deliver(data)
        finally:
            selector.close()

    @staticmethod
    def _forward_input(process: subprocess.Popen, conn: ssl.SSLSocket) -> bool:
        """Copy client bytes to stdin; False once the client has gone."""
        try:
            data = conn.recv(4096)
        except (socket.timeout, ssl.SSLWantReadError):
            return True
        except (OSError, ssl.SSLError):
            return False
        if not data:
            return False
        stdin = process.stdin
        if ETX in data:
            _signal_group(process, signal.SIGINT)
            data = data.replace(ETX, b"")
        end = EOT in data
        data = data.split(EOT, 1)[0]
        try:
            if data and stdin and not stdin.closed:
                stdin.write(data)
                stdin.flush()
            if end and stdin and not stdin.closed:
                stdin.close()
        except (BrokenPipeError, OSError):
            pass
        return True

    def _finished(self, app: App, dyno: Dyno, process: subprocess.Popen) -> None:
        status = process.wait()
        for stream in (process.stdin, process.stdout):
            if stream:
                stream.close()
        with self._lock:
            self._processes.pop(dyno.id, None)
            stopped = dyno.id in self._stopped
        if stopped:
            self._log(app, dyno, "Stopping process with SIGTERM", source="heroku")
        self._remove(app, dyno, f"Process exited with status {status if status >= 0 else 128 - status}")

    def _never_attached(self, app: App, dyno: Dyno, secret: str) -> None:
        with self._lock:
            started = dyno.id in self._processes or dyno.id in self._stopped
        if not started and app.dynos.get(dyno.name) is dyno and dyno.state == "starting":
            self.listener.unregister(secret)
            self._remove(app, dyno, "Error R13 (Attach error) -> Failed to attach to process")

    def _remove(self, app: App, dyno: Dyno, message: str) -> None:
        with self.state.lock:
            if app.dynos.get(dyno.name) is not dyno:
                return
            del app.dynos[dyno.name]
        self._log(app, dyno, message, source="heroku")
        self._log(app, dyno, f"State changed from {dyno.state} to complete", source="heroku")

    def _log(self, app: App, dyno: Dyno, message: str, *, source: str = "app") -> None:
        self.state.log(app, message, source=source, dyno=dyno.name)


def _read_what_is_there(fd: int) -> bytes:
    """Everything a pipe holds now, without waiting for more (its writer may be gone, or a background child
    may keep it open)."""
    os.set_blocking(fd, False)
    chunks = []
    try:
        while chunk := os.read(fd, 65536):
            chunks.append(chunk)
    except BlockingIOError:
        pass
    return b"".join(chunks)


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(process.pid, signum)  # the executor starts each dyno in its own session
    except (ProcessLookupError, PermissionError):
        pass


def _close(conn: ssl.SSLSocket) -> None:
    try:
        conn.settimeout(1.0)
        conn.unwrap().close()
    except (OSError, ssl.SSLError, ValueError):
        try:
            conn.close()
        except OSError:
            pass
