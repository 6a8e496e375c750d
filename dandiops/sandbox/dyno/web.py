"""The apps' web process on loopback, so the API (and its /admin/ login) can be used offline.

For each environment a router listens on 127.0.0.1 and stands for DNS plus Heroku's router: it
forwards each request to the app's web dyno with the Host header of the app's API domain (the
host of DJANGO_DANDI_API_URL, which DJANGO_ALLOWED_HOSTS must allow, exactly as in production)
and the X-Forwarded-* headers Heroku adds. The web dyno is started on the first request, with
the app's config vars through the executor, and restarted on each new release as Heroku does.
If it cannot start, the router answers 503 like Heroku's H10 "App crashed".
"""

from __future__ import annotations

import shlex
import subprocess
import sys
import threading
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from dandiops.sandbox.dyno import database, executor
from dandiops.sandbox.heroku.state import App, HerokuState, Release

if TYPE_CHECKING:
    from pathlib import Path

    from dandiops.sandbox.runtime import Sandbox

WEB_DYNO = "web.1"
BOOT_TIMEOUT = 60.0
_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "content-length",
    "content-encoding",
    "host",
}
_APP_ERROR = (
    b"<!DOCTYPE html><html><head><title>Application Error</title></head><body>"
    b"<p>An error occurred in the application and your page could not be served.</p></body></html>"
)


class _RouterServer:
    """A loopback WSGI server that stops within a short poll (every sandbox start and stop pays it)."""

    def __init__(self, wsgi_app):
        from werkzeug.serving import make_server

        self._server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"router:{self._server.server_port}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class WebRouter:
    def __init__(self, state: HerokuState, app: App, workdir: "Path"):
        self.state = state
        self.app = app
        self.workdir = workdir
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._port: int | None = None
        self._client: Any = None
        self.server: _RouterServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url

    def start(self) -> "WebRouter":
        self.server = _RouterServer(self._wsgi)
        self.state.on_release.append(self._on_release)
        return self

    def stop(self) -> None:
        if self._on_release in self.state.on_release:
            self.state.on_release.remove(self._on_release)
        if self.server:
            self.server.stop()
        self._stop_web()
        if self._client:
            self._client.close()

    def serve(self, app: App) -> None:
        """Route to `app` from now on (the one a reset seeded in place of the last); its web dyno starts on
        the first request, as after start."""
        self._stop_web()
        self.app = app
        if self._on_release not in self.state.on_release:
            self.state.on_release.append(self._on_release)

    # --- the web dyno ----------------------------------------------------------------------
    def _on_release(self, app: App, release: Release) -> None:
        if app is self.app:
            self._stop_web()  # the next request boots the new release

    def _stop_web(self) -> None:
        with self._lock:
            process, self._process, self._port = self._process, None, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(timeout=5)

    def _web_port(self) -> int | None:
        with self._lock:
            if self._process is not None and self._process.poll() is None and self._port:
                return self._port
            self._log(
                "Starting process with command `gunicorn --config gunicorn.conf.py dandiapi.wsgi`", source="heroku"
            )
            try:
                database.ensure_migrated(self.app, on_line=self._log)
            except database.ReleasePhaseFailed as exc:
                self._log(str(exc).splitlines()[0], source="heroku")
            command = f"{shlex.quote(sys.executable)} -m dandiops.sandbox.dyno.webserver dandiapi.wsgi:application"
            process = executor.start(
                self.app,
                command,
                {"PORT": "0"},
                dyno_name=WEB_DYNO,
                mail_dir=executor.mail_directory(self.workdir, self.app),
            )
            ready = threading.Event()
            found: list[int] = []
            threading.Thread(
                target=self._drain, args=(process, ready, found, self.app), daemon=True, name=f"web:{self.app.name}"
            ).start()
            if not ready.wait(BOOT_TIMEOUT) or not found:
                if process.poll() is None:
                    process.kill()
                self._log(
                    "Error R10 (Boot timeout) or H10 (App crashed): the web process did not start", source="heroku"
                )
                return None
            self._process, self._port = process, found[0]
            self._log("State changed from starting to up", source="heroku")
            return self._port

    def _drain(self, process: subprocess.Popen, ready: threading.Event, found: list[int], app: App) -> None:
        assert process.stdout is not None
        for raw in iter(process.stdout.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if not ready.is_set() and line.startswith("listening on port "):
                found.append(int(line.rsplit(" ", 1)[1]))
                ready.set()
                continue
            self.state.log(app, line, dyno=WEB_DYNO)  # the process's own app, even after serve() moved on
        ready.set()
        process.stdout.close()

    def _log(self, message: str, *, source: str = "app") -> None:
        self.state.log(self.app, message, source=source, dyno=WEB_DYNO)

    # --- routing ---------------------------------------------------------------------------
    def _api_host(self, fallback: str) -> str:
        host = urlsplit(self.app.config.get("DJANGO_DANDI_API_URL", "")).netloc
        return host or fallback

    def _wsgi(self, environ, start_response):
        port = self._web_port()
        if port is None:
            start_response("503 Service Unavailable", [("Content-Type", "text/html; charset=utf-8")])
            return [_APP_ERROR]
        api_host = self._api_host(environ.get("HTTP_HOST", ""))
        headers = {
            key[5:].replace("_", "-").title(): value
            for key, value in environ.items()
            if key.startswith("HTTP_") and key[5:].replace("_", "-").lower() not in _HOP_BY_HOP
        }
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        headers.update(
            {
                "Host": api_host,
                "X-Forwarded-For": environ.get("REMOTE_ADDR", "127.0.0.1"),
                "X-Forwarded-Proto": environ.get("wsgi.url_scheme", "http"),
                "X-Forwarded-Port": str(environ.get("SERVER_PORT", "")),
                "X-Request-Id": str(uuid.uuid4()),
            }
        )
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        path = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO", "/")
        if "?" not in path and environ.get("QUERY_STRING"):
            path += "?" + environ["QUERY_STRING"]
        if self._client is None:
            import httpx

            self._client = httpx.Client(timeout=60.0, follow_redirects=False)  # made on first use: it costs
        try:
            response = self._client.request(
                environ["REQUEST_METHOD"], f"http://127.0.0.1:{port}{path}", headers=headers, content=body
            )
        except Exception:  # the dyno died mid-request: Heroku's H13
            self._stop_web()
            start_response("503 Service Unavailable", [("Content-Type", "text/html; charset=utf-8")])
            return [_APP_ERROR]
        out_headers = []
        for key, value in response.headers.multi_items():
            if key.lower() in _HOP_BY_HOP:
                continue
            if key.lower() == "location":
                value = _local_location(value, api_host, self.url)
            out_headers.append((key, value))
        content = response.content
        out_headers.append(("Content-Length", str(len(content))))
        start_response(f"{response.status_code} {response.reason_phrase}", out_headers)
        return [content]


def _local_location(location: str, api_host: str, router_url: str) -> str:
    for scheme in ("https://", "http://"):
        prefix = f"{scheme}{api_host}"
        if location.startswith(prefix):
            return router_url + location[len(prefix) :]
    return location


class ArchiveWebComponent:
    """Serves each environment's app on loopback; DANDIOPS_CONNECT_TO sends requests for the
    environment's API host there, so dandiops.toml keeps the public api_url an operator would have."""

    def __init__(self) -> None:
        self.routers: dict[str, WebRouter] = {}
        self.api_hosts: dict[str, str] = {}

    def start(self, sandbox: "Sandbox") -> None:
        state = sandbox.heroku.state
        for env_name in sandbox.ENVIRONMENTS:
            app = state.find_app(sandbox.heroku.environment_settings(env_name)["heroku_app"])
            if app is not None:
                self.routers[env_name] = WebRouter(state, app, sandbox.workdir).start()
                self.api_hosts[env_name] = urlsplit(sandbox.heroku.environment_settings(env_name)["api_url"]).hostname

    def stop(self) -> None:
        for router in self.routers.values():
            router.stop()

    def halt(self) -> None:
        for router in self.routers.values():
            router._stop_web()

    def reset(self, sandbox: "Sandbox") -> None:
        state = sandbox.heroku.state
        for env_name, router in self.routers.items():
            app = state.find_app(sandbox.heroku.environment_settings(env_name)["heroku_app"])
            assert app is not None, f"the {env_name} app is seeded at every reset"
            router.serve(app)

    def environment(self) -> dict[str, str]:
        pairs = [f"{self.api_hosts[env_name]}={router.url}" for env_name, router in self.routers.items()]
        return {"DANDIOPS_CONNECT_TO": ",".join(pairs)} if pairs else {}

    def environment_settings(self, env_name: str) -> dict[str, Any]:
        return {}
