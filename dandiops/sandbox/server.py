"""Run a WSGI app on 127.0.0.1 on an ephemeral port in a background thread."""

from __future__ import annotations

import logging
import threading

from werkzeug.serving import make_server


class ServerThread:
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

    def start(self) -> "ServerThread":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "ServerThread":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
