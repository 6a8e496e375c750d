"""What the Flask apps of every stand-in share: the objects a request works on, JSON answers, the
blueprint that resolves a path's resource before its views run, and injected faults.

A stand-in's state and each of its extensions are kept in the Flask app's `extensions` and reached
through `current(...)`, as `current_app` reaches the app: one blueprint object serves every app
(each sandbox has its own), and a view always sees the state of the app answering it.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence, TypeVar, cast

from flask import Blueprint, Response, current_app, g, request
from werkzeug.local import LocalProxy

from dandiops.sandbox.faults import Fault, FaultInjection
from dandiops.sandbox.request_log import RequestLog, RequestRecord

T = TypeVar("T")

# Resolves a path's resource in place in the view's arguments; a Response ends the request there.
Resolver = Callable[[dict[str, Any]], "Response | None"]


def current(key: str, kind: type[T]) -> T:
    """The `kind` registered as `app.extensions[key]` on the app serving the request."""
    return cast(T, LocalProxy(lambda: current_app.extensions[key]))


def base_url() -> str:
    """Every URL a stand-in answers with is on its own host: clients refuse others, and nothing leaves the sandbox."""
    return request.host_url.rstrip("/")


def json_response(body: Any, status: int = 200, headers: dict | None = None) -> Response:
    response = Response(json.dumps(body), status=status, mimetype="application/json")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


@dataclass(frozen=True)
class PageRequest:
    """The page a list request asks for with `?page=` and `?per_page=` (1 to 100), as GitHub and
    Netlify read them."""

    page: int
    per_page: int

    @classmethod
    def read(cls, default_per_page: int) -> "PageRequest":
        """ValueError when either is not a number (each API words its own 422)."""
        per_page = max(1, min(100, int(request.args.get("per_page", default_per_page))))
        return cls(max(1, int(request.args.get("page", 1))), per_page)

    def of(self, items: Sequence[T]) -> Sequence[T]:
        return items[(self.page - 1) * self.per_page : self.page * self.per_page]

    def url(self, number: int) -> str:
        """This request's URL, asking for page `number` (for a Link header)."""
        args = {**request.args, "page": str(number), "per_page": str(self.per_page)}
        return base_url() + request.path + "?" + "&".join(f"{key}={value}" for key, value in args.items())


def json_body() -> dict:
    """The request's JSON object, or an empty one (the stand-in then names what is missing)."""
    return request.get_json(silent=True) or {}


def resolving_blueprint(name: str, import_name: str, url_prefix: str, resolve: Resolver) -> Blueprint:
    """A blueprint whose views receive what `resolve` puts in their arguments in place of the prefix's
    variables. It runs after the app's own checks (faults, credentials, rate limit), as the lookup each
    view once made did, so an unknown resource still meets the stand-in's gate first."""
    blueprint = Blueprint(name, import_name, url_prefix=url_prefix)

    @blueprint.before_request
    def resolve_resource() -> Response | None:
        return resolve(request.view_args if request.view_args is not None else {})

    return blueprint


def injected_fault_answer(state: FaultInjection, answer: Callable[[Fault], Response | None]) -> Response | None:
    """The stand-in's `answer` to the injected fault this request meets, after the fault's delay; None
    when there is none, or when the fault only delays.

    A "drop" fault is kept in `g.drop_connection` instead: the request is carried out as usual and
    the app's finish cuts the connection (`cut_connection`) before the answer is written.
    """
    fault = state.take_fault(request.method, request.path)
    if fault is None:
        return None
    if fault.kind == "drop":
        g.drop_connection = fault
        return None
    if fault.delay:
        time.sleep(fault.delay)
    return answer(fault)


def inject_requested_fault(state: FaultInjection) -> Response:
    """POST /_sandbox/faults: fail or delay the next matching requests as the JSON body says."""
    body = json_body()
    state.inject_fault(
        int(body.get("status", 500)),
        int(body.get("count", 1)),
        delay=float(body.get("delay", 0)),
        methods=set(body["methods"]) if body.get("methods") else None,
        path_prefix=body.get("path_prefix"),
        kind=body.get("kind"),
        retry_after=body.get("retry_after"),
        reset_in=float(body.get("reset_in", 0)),
    )
    return json_response({"ok": True})


def record_request(log: RequestLog, response: Response, recorded_headers: Iterable[str] = ()) -> None:
    """Keep the request being answered, and `response`, in the stand-in's log (tests read `state.requests`)."""
    body = request.get_json(silent=True) if request.data else None
    sent = None
    if response.status_code != 304 and response.mimetype == "application/json" and not response.direct_passthrough:
        sent = json.loads(response.get_data() or b"null")
    record = RequestRecord(
        request.method,
        request.path,
        request.query_string.decode(),
        response.status_code,
        {k: v for k, v in request.headers.items() if k.lower() in recorded_headers},
        body,
        sent,
        content_type=(response.mimetype or "") if response.status_code < 300 else "application/json",
    )
    with log.lock:
        log.requests.append(record)


def cut_connection(environ: dict) -> None:
    """Close the client's connection before the answer is written: the request was carried out, and
    its answer is lost on the way, as in a network failure after the request reached the service."""
    import socket

    sock = environ.get("werkzeug.socket")
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
