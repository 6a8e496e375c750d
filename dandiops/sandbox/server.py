"""Loopback services on daemon threads: the stand-ins' WSGI servers and the rendezvous listener."""

from __future__ import annotations

import logging
import threading
from typing import Self

from werkzeug.serving import make_server


class ThreadedService:
    """Serves from a daemon thread made by the subclass: start() returns it serving, stop() ends it and waits
    for the thread; `with` does both."""

    _thread: threading.Thread

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._interrupt()
        self._thread.join(timeout=5)
        self._release()

    def _interrupt(self) -> None:
        """Make the serving thread return soon."""
        raise NotImplementedError

    def _release(self) -> None:
        """Let go of what it listened on, once the thread has returned."""

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class ServerThread(ThreadedService):
    """A WSGI app on 127.0.0.1 (an ephemeral port unless told otherwise); it stops within a short poll."""

    def __init__(self, wsgi_app, host: str = "127.0.0.1", port: int = 0):
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server = make_server(host, port, wsgi_app, threaded=True)
        self.host = host
        self.port = self._server.server_port
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name=f"sandbox:{self.port}", daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _interrupt(self) -> None:
        self._server.shutdown()

    def _release(self) -> None:
        self._server.server_close()
