"""The apps' web process on loopback, so the API (and its /admin/ login) can be used offline.

For each environment a router listens on 127.0.0.1 and stands for DNS plus Heroku's router for the
environment's API host (the host of its api_url): it forwards each request to the web process of
the environment's app with that Host header (which DJANGO_ALLOWED_HOSTS must allow, exactly as in
production) and the X-Forwarded-* headers Heroku adds. Like Heroku's router it keeps nothing of one
client for another: cookies go to the app and back to their client only. As Heroku's router does,
it answers 404 "no such app" while no app has the host as a custom domain (before the app exists,
or before its domain is added), and 502 with H81 "Blank app" while the app has never been deployed.
The router follows the app of its name wherever it comes from: seeded, or created later (`init`).

The router is also the app's ProcessRunner for `web`: one real process, started through the
executor with the app's config vars, stands behind every web dyno, and their states are its
state: starting until it listens, up while it runs, crashed when it exits. The process starts
when it is first needed (a request, or a client reading the dynos after a release or restart
started them), so a sandbox nobody uses costs nothing; the seeded apps' web dynos start up, as
running apps' do, with their process started by the first request. Without a web dyno the
router answers 503 with H14, after a crash with H10 (and the next request starts the process again,
as Heroku's dyno manager restarts a crashed dyno).
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
from dandiops.sandbox.heroku import formation_dynos
from dandiops.sandbox.heroku.state import App, Dyno, HerokuState
from dandiops.sandbox.server import ServerThread

if TYPE_CHECKING:
    from pathlib import Path

    from dandiops.sandbox.runtime import Sandbox

WEB = "web"
WEB_DYNO = "web.1"  # where the process's own output is logged
BOOT_TIMEOUT = 60.0
REQUEST_TIMEOUT = 60.0
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
_NO_SUCH_APP = (
    b"<!DOCTYPE html><html><head><title>No such app</title></head><body><p>There's nothing here, yet.</p></body></html>"
)
_BLANK_APP = (
    b"<!DOCTYPE html><html><head><title>Heroku | Welcome to your new app!</title></head><body>"
    b"<p>Welcome to your new app! Deploy your code to see it here.</p></body></html>"
)


class WebRouter:
    """The router of one API host to the app named `app_name`, and that app's web ProcessRunner."""

    def __init__(self, state: HerokuState, app_name: str, api_host: str, workdir: "Path"):
        self.state = state
        self.app_name = app_name
        self.api_host = api_host
        self.app: App | None = None  # the app of that name, once there is one
        self.workdir = workdir
        self._lock = threading.Lock()  # held while the process starts: one start at a time
        self._process: subprocess.Popen | None = None
        self._port: int | None = None
        self._due = False  # (re)started web dynos wait for their process
        self._transport: Any = None
        self.server: ServerThread | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url

    def start(self) -> "WebRouter":
        self.server = ServerThread(self._wsgi).start()
        self.follow()
        return self

    def follow(self) -> None:
        """Serve the app of the router's name as it is now (the one a reset seeded, or none), and each one
        made later: a new app's first release (`Initial release`) hands it to the router."""
        self.serve(self.state.find_app(self.app_name))
        if self._adopt not in self.state.on_release:
            self.state.on_release.append(self._adopt)

    def _adopt(self, app: App, release: object) -> None:
        if app.name == self.app_name and app is not self.app:
            self.serve(app)

    def stop(self) -> None:
        if self._adopt in self.state.on_release:
            self.state.on_release.remove(self._adopt)
        if self.app is not None and self.app.process_runners.get(WEB) is self:
            del self.app.process_runners[WEB]
        if self.server:
            self.server.stop()
        self.end_process()
        if self._transport:
            self._transport.close()

    def serve(self, app: App | None) -> None:
        """Route to `app` from now on (None: no app has the name) and run its web dynos, which are up, as a
        running app's are; their process starts on the first request."""
        self.end_process()
        with self._lock:
            self.app = app
            self._due = False
        if app is not None:
            app.process_runners[WEB] = self

    # --- the web dynos' process (ProcessRunner) ----------------------------------------------------------
    def run(self, app: App, dynos: list[Dyno], *, restart: bool) -> None:
        if app is not self.app:
            return
        if not dynos:
            self.end_process()
            return
        joining = [d for d in dynos if d.state == "starting"]
        if not restart and any(d.state == "up" for d in dynos):  # new dynos join the process the others run
            formation_dynos.set_state(self.state, app, joining, "up")
            return
        self.end_process()
        # One process stands behind every web dyno: those that did not restart themselves restart with it.
        formation_dynos.set_state(self.state, app, dynos, "starting")
        self._due = True

    def wake(self, app: App) -> None:
        if app is self.app and self._due:
            self._due = False
            threading.Thread(target=self._web_port, args=(app,), daemon=True, name=f"web-start:{app.name}").start()

    def end_process(self) -> None:
        """End the process without a word in the log (whoever ends it says why)."""
        with self._lock:
            process, self._process, self._port = self._process, None, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(timeout=5)

    def _web_dynos(self, app: App) -> list[Dyno]:
        with self.state.lock:
            return formation_dynos.of(app, WEB)

    def _web_port(self, app: App) -> int | None:
        """The port of the app's running web process, started first if need be; None when there is none."""
        with self._lock:
            if app is not self.app:
                return None  # a reset moved on to another app
            if self._process is not None and self._process.poll() is None and self._port:
                return self._port
            self._due = False
            dynos = self._web_dynos(app)
            if not dynos:
                return None
            crashed = [d for d in dynos if d.state == "crashed"]
            formation_dynos.set_state(self.state, app, crashed, "starting")  # started again, as after a crash
            for dyno in crashed:
                self._log(app, f"Starting process with command `{dyno.command}`", source="heroku", dyno=dyno.name)
            started = self._boot(app)
            if started is None:
                return None
            self._process, self._port = started
            formation_dynos.set_state(self.state, app, self._web_dynos(app), "up")  # those that joined meanwhile too
            return self._port

    def _boot(self, app: App) -> tuple[subprocess.Popen, int] | None:
        try:
            database.ensure_migrated(app, on_line=lambda line: self._log(app, line))
        except database.ReleasePhaseFailed as exc:
            self._log(app, str(exc).splitlines()[0], source="heroku")
        command = f"{shlex.quote(sys.executable)} -m dandiops.sandbox.dyno.webserver dandiapi.wsgi:application"
        process = executor.start(
            app, command, {"PORT": "0"}, dyno_name=WEB_DYNO, ca_file=executor.platform_ca_file(self.workdir)
        )
        ready = threading.Event()
        found: list[int] = []
        threading.Thread(
            target=self._drain, args=(process, ready, found, app), daemon=True, name=f"web:{app.name}"
        ).start()
        if ready.wait(BOOT_TIMEOUT) and found:
            return process, found[0]
        if process.poll() is None:
            self._log(
                app,
                f"Error R10 (Boot timeout) -> Web process failed to bind to $PORT within {BOOT_TIMEOUT:g} seconds "
                "of launch",
                source="heroku",
            )
            process.kill()
        formation_dynos.set_state(
            self.state, app, self._web_dynos(app), "crashed", before=f"Process exited with status {process.wait()}"
        )
        return None

    def _drain(self, process: subprocess.Popen, ready: threading.Event, found: list[int], app: App) -> None:
        assert process.stdout is not None
        for raw in iter(process.stdout.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if not ready.is_set() and line.startswith("listening on port "):
                found.append(int(line.rsplit(" ", 1)[1]))
                ready.set()
                continue
            self._log(app, line)  # the process's own app, even after serve() moved on
        ready.set()
        process.stdout.close()
        status = process.wait()
        with self._lock:
            serving = self._process is process
            if serving:
                self._process, self._port = None, None
        if serving:  # it ended by itself: its dynos crashed
            formation_dynos.set_state(
                self.state, app, self._web_dynos(app), "crashed", before=f"Process exited with status {status}"
            )

    def _log(self, app: App, message: str, *, source: str = "app", dyno: str = WEB_DYNO) -> None:
        self.state.log(app, message, source=source, dyno=dyno)

    # --- routing ---------------------------------------------------------------------------
    def _routed_app(self) -> App | None:
        """The app Heroku's router sends the API host to: the router's app, if it has the host as a domain."""
        app = self.app
        with self.state.lock:
            if app is None or self.state.find_app(app.name) is not app:
                return None
            return app if any(d.hostname == self.api_host for d in app.domains) else None

    def _unavailable(self, app: App, environ, code: str, description: str, start_response, *, status: int = 503):
        self._log(
            app,
            f'at={"info" if status == 502 else "error"} code={code} desc="{description}" '
            f'method={environ.get("REQUEST_METHOD", "")} path="{environ.get("PATH_INFO", "/")}" status={status}',
            source="heroku",
            dyno="router",
        )
        if status == 502:
            start_response("502 Bad Gateway", [("Content-Type", "text/html; charset=utf-8")])
            return [_BLANK_APP]
        start_response("503 Service Unavailable", [("Content-Type", "text/html; charset=utf-8")])
        return [_APP_ERROR]

    def _wsgi(self, environ, start_response):
        app = self._routed_app()
        if app is None:
            start_response("404 Not Found", [("Content-Type", "text/html; charset=utf-8")])
            return [_NO_SUCH_APP]
        if not app.deployed:
            return self._unavailable(app, environ, "H81", "Blank app", start_response, status=502)
        port = self._web_port(app)
        if port is None:
            if not self._web_dynos(app):
                return self._unavailable(app, environ, "H14", "No web processes running", start_response)
            return self._unavailable(app, environ, "H10", "App crashed", start_response)
        api_host = self.api_host
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
        import httpx

        if self._transport is None:
            # A transport, not a Client: a Client keeps the cookies it sees, and would hand one client's
            # session to every other. Made on first use: it costs.
            self._transport = httpx.HTTPTransport()
        outgoing = httpx.Request(
            environ["REQUEST_METHOD"],
            f"http://127.0.0.1:{port}{path}",
            headers=headers,
            content=body,
            extensions={"timeout": httpx.Timeout(REQUEST_TIMEOUT).as_dict()},
        )
        try:
            response = self._transport.handle_request(outgoing)
            content = response.read()
        except Exception:  # the dyno died mid-request: Heroku's H13
            self.end_process()
            return self._unavailable(app, environ, "H13", "Connection closed without response", start_response)
        out_headers = []
        for key, value in response.headers.multi_items():
            if key.lower() in _HOP_BY_HOP:
                continue
            if key.lower() == "location":
                value = _local_location(value, api_host, self.url)
            out_headers.append((key, value))
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

    def start(self, sandbox: "Sandbox") -> None:
        state = sandbox.heroku.state
        for env_name in sandbox.ENVIRONMENTS:
            settings = sandbox.heroku.environment_settings(env_name)
            api_host = urlsplit(settings["api_url"]).hostname or ""
            self.routers[env_name] = WebRouter(state, settings["heroku_app"], api_host, sandbox.workdir).start()

    def stop(self) -> None:
        for router in self.routers.values():
            router.stop()

    def halt(self) -> None:
        for router in self.routers.values():
            router.end_process()

    def snapshot(self) -> None:
        return None  # the routers follow the apps; the web processes start anew

    def restore(self, sandbox: "Sandbox", snapshot: None) -> None:
        for router in self.routers.values():
            router.follow()

    def environment(self) -> dict[str, str]:
        pairs = [f"{router.api_host}={router.url}" for router in self.routers.values()]
        return {"DANDIOPS_CONNECT_TO": ",".join(pairs)} if pairs else {}

    def environment_settings(self, env_name: str) -> dict[str, Any]:
        return {}
