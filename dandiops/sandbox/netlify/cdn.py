"""Netlify's edge for one host: the published deploy of the site whose custom domain it is.

A file of the deploy is served as it is; otherwise the deploy's redirect rules are tried in order (a rule
never shadows a file, as on Netlify without `force`): a 200 rule to a path serves that file, a 200 rule to
an absolute URL proxies it (how /server-info reaches the API), a 3xx rule redirects. A host no site has,
or a site with nothing published, is Netlify's 404 page.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, Callable, Iterable

from werkzeug.wrappers import Request, Response

if TYPE_CHECKING:
    from dandiops.sandbox.netlify.state import Deploy, NetlifyState, Redirect

NOT_FOUND = "Not Found - Request ID: {}"


class PublishedSites:
    def __init__(self, state: "NetlifyState", host: str):
        self.state = state
        self.host = host

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        with self.state.lock:
            site = self.state.site_for_host(self.host)
            deploy = site.published_deploy if site is not None else None
        response = self._answer(request, deploy) if deploy is not None else _not_found()
        response.headers["Server"] = "Netlify"
        response.headers["X-Nf-Request-Id"] = str(uuid.uuid4())
        return response(environ, start_response)

    def _answer(self, request: Request, deploy: "Deploy") -> Response:
        path = request.path
        page = _file(deploy, path)
        if page is not None:
            return _page(page)
        for rule in deploy.redirects:
            splat = _match(rule, path)
            if splat is None:
                continue
            target = rule.target.replace(":splat", splat)
            if rule.status == 200 and target.startswith(("http://", "https://")):
                return self._proxy(target)
            if rule.status in (200, 404):
                page = _file(deploy, target)
                if page is not None:
                    return _page(page, rule.status)
                continue
            return Response(status=rule.status, headers={"Location": target})
        return _not_found()

    def _proxy(self, url: str) -> Response:
        if self.state.fetch is None:
            return Response("Bad Gateway", status=502, mimetype="text/plain")
        status, body, content_type = self.state.fetch(url)
        return Response(body, status=status, content_type=content_type)


def _file(deploy: "Deploy", path: str) -> bytes | None:
    path = path.split("?", 1)[0]
    for candidate in (path, path.rstrip("/") + "/index.html"):
        if candidate in deploy.files:
            return deploy.files[candidate]
    return None


def _match(rule: "Redirect", path: str) -> str | None:
    """What the rule's splat stands for when it matches `path` (empty without one); None when it does not."""
    source = rule.source
    if source.endswith("/*"):
        prefix = source[:-1]
        if path.startswith(prefix) or path == prefix.rstrip("/"):
            return path[len(prefix) :]
        return None
    return "" if path.rstrip("/") == source.rstrip("/") or path == source else None


def _page(body: bytes, status: int = 200) -> Response:
    return Response(body, status=status, content_type="text/html; charset=UTF-8")


def _not_found() -> Response:
    return Response(NOT_FOUND.format(uuid.uuid4().hex.upper()), status=404, mimetype="text/plain")
