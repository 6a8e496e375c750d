"""Answers that are not the API's own: URLs on another host from GitHub. PyGithub refuses to send
the token there; dandiops reports it as an unexpected answer, never a traceback."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from dandiops.core.errors import UnavailableError


class _ForeignUrls(BaseHTTPRequestHandler):
    """Answers a repository whose URLs point at another host, as a hijacked proxy might."""

    seen: list[str] = []

    def do_GET(self):  # noqa: N802 - the name http.server calls
        type(self).seen.append(self.path)
        body = json.dumps(
            {
                "id": 1,
                "name": "dandi-archive",
                "full_name": "org/dandi-archive",
                "url": "https://evil.example/repos/org/dandi-archive",
                "owner": {"login": "org", "url": "https://evil.example/users/org"},
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def foreign_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ForeignUrls)
    _ForeignUrls.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_github_urls_on_another_host_are_an_unexpected_answer(foreign_server):
    from dandiops.providers.github import GitHubClient

    client = GitHubClient("token-value", base_url=foreign_server, environ={"DANDIOPS_RETRY_ATTEMPTS": "1"})
    with pytest.raises(UnavailableError) as raised:
        client.workflow("org/dandi-archive", "backend-staging-deploy.yml")
    assert "names URLs on another host" in raised.value.message
    assert _ForeignUrls.seen == ["/repos/org/dandi-archive"]  # nothing was sent after the foreign URL
