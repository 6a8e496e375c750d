"""The Netlify stand-in as a sandbox component: an empty team for the token, the API on loopback, builds
that check out the GitHub stand-in's fork, and one loopback listener per environment's web host serving
what the site with that custom domain published (DANDIOPS_CONNECT_TO routes the host there, as it routes
the API hosts). Those hosts are the ones whose DNS "points at Netlify": a certificate is issued for them.

DANDIOPS_SANDBOX_NETLIFY_STATE_SECONDS: how long a deploy stays in each state (default 0.05 s).
"""

from __future__ import annotations

import os
import secrets as random_secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from dandiops.core.names import seconds_from
from dandiops.sandbox.netlify.api import create_app
from dandiops.sandbox.netlify.build import BuildFailure
from dandiops.sandbox.netlify.cdn import PublishedSites
from dandiops.sandbox.netlify.state import BuildPace, NetlifyState
from dandiops.sandbox.server import ServerThread

if TYPE_CHECKING:
    from dandiops.sandbox.github.component import GitHubComponent
    from dandiops.sandbox.runtime import Sandbox


class ForkCheckout:
    """Builds read the GitHub stand-in's repositories: a public one as anyone may clone it."""

    def __init__(self, github: "GitHubComponent"):
        self.github = github

    def head(self, repo_path: str, branch: str) -> str:
        state = self.github.state
        owner, _, name = repo_path.partition("/")
        with state.lock:
            repo = state.find_repo(owner, name)
            if repo is None or repo.private:
                raise BuildFailure(f"Failed to prepare repo: repository {repo_path} not found or not accessible")
            sha = repo.branch_sha(branch)
            if sha is None:
                raise BuildFailure(f"Failed to prepare repo: branch {branch} not found in {repo_path}")
            return sha

    def read(self, repo_path: str, sha: str, path: str) -> bytes | None:
        state = self.github.state
        owner, _, name = repo_path.partition("/")
        with state.lock:
            repo = state.find_repo(owner, name)
            return None if repo is None else repo.file(sha, path)


def site_name(web_host: str) -> str:
    """The sandbox's site for a web host, named as DANDI names its own (gui-dandiarchive-org)."""
    return "gui-" + web_host.replace(".", "-")


class NetlifyComponent:
    def __init__(self) -> None:
        self.token = "nfp_sandbox" + random_secrets.token_hex(16)
        pace = BuildPace(
            seconds_from(os.environ, "DANDIOPS_SANDBOX_NETLIFY_STATE_SECONDS", BuildPace.state_seconds, allow_zero=True)
        )
        self.state = NetlifyState(self.token, pace=pace)
        self.server: ServerThread | None = None
        self.edges: dict[str, ServerThread] = {}  # web host -> its listener
        self._sandbox: "Sandbox | None" = None

    def start(self, sandbox: "Sandbox") -> None:
        from dandiops.sandbox.github.component import GitHubComponent

        self._sandbox = sandbox
        github = next((c for c in sandbox.components if isinstance(c, GitHubComponent)), None)
        self.state.checkout = ForkCheckout(github) if github is not None else None
        self.state.fetch = self._fetch
        self.server = ServerThread(create_app(self.state)).start()
        for env_name in sandbox.ENVIRONMENTS:
            host = self._web_host(sandbox, env_name)
            self.edges[host] = ServerThread(PublishedSites(self.state, host)).start()
        self.state.dns_hosts = set(self.edges)

    @staticmethod
    def _web_host(sandbox: "Sandbox", env_name: str) -> str:
        return urlsplit(sandbox.heroku.environment_settings(env_name)["web_url"]).hostname or ""

    def _fetch(self, url: str) -> tuple[int, bytes, str]:
        """A published site's proxy rule: the request reaches the API as a browser's would (through the
        sandbox's routing of the API hosts)."""
        import httpx

        from dandiops.core.settings import connect_origin

        environ = self._sandbox.environment() if self._sandbox is not None else {}
        try:
            answer = httpx.get(connect_origin(url, environ), timeout=60.0, headers={"Accept": "application/json"})
        except httpx.HTTPError:
            return 502, b"Bad Gateway", "text/plain"
        return answer.status_code, answer.content, answer.headers.get("Content-Type", "application/octet-stream")

    def stop(self) -> None:
        self.state.halt()
        for server in [*self.edges.values(), *([self.server] if self.server else [])]:
            server.stop()

    def halt(self) -> None:
        self.state.halt()

    def snapshot(self) -> dict[str, Any]:
        return self.state.snapshot()

    def restore(self, sandbox: "Sandbox", snapshot: dict[str, Any]) -> None:
        self.state.reset()
        self.state.restore(snapshot)

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url

    def environment(self) -> dict[str, str]:
        routes = ",".join(f"{host}={server.url}" for host, server in self.edges.items())
        return {
            "NETLIFY_AUTH_TOKEN": self.token,
            "DANDIOPS_NETLIFY_API_URL": f"{self.url}/api/v1",
            "DANDIOPS_CONNECT_TO": routes,
        }

    def environment_settings(self, env_name: str) -> dict[str, Any]:
        assert self._sandbox is not None
        host = self._web_host(self._sandbox, env_name)
        return {"netlify_site": site_name(host), "netlify_team": NetlifyState.TEAM_SLUG}
