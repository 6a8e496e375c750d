"""The Netlify stand-in's state: the token's user, its team, sites, their variables, builds and deploys.

Everything is in memory behind one lock. A build runs in a thread of its own (build.py) that moves
its deploy through Netlify's states at the state's pace; `halt()` ends them.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import secrets as random_secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from dandiops.sandbox.faults import Fault, FaultInjection
from dandiops.sandbox.request_log import RequestLog, RequestRecord

if TYPE_CHECKING:
    from dandiops.sandbox.netlify.build import Checkout

SITE_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
HOSTNAME = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$")
# Netlify's deploy contexts and the values a variable may have for them (NS envVarValue.context).
VALUE_CONTEXTS = ("all", "dev", "dev-server", "branch-deploy", "deploy-preview", "production", "branch")
# NS spells the scope post-processing; Netlify's own CLI sends and reads post_processing: both are taken.
SCOPES = ("builds", "functions", "runtime", "post-processing")
SCOPE_SPELLINGS = {"post_processing": "post-processing"}
RATE_LIMIT = 500  # requests a minute, per token
CERTIFICATE_DAYS = 90  # Let's Encrypt


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def hex_id() -> str:
    """Netlify's ids: 24 hexadecimal digits (site ids are UUIDs)."""
    return random_secrets.token_hex(12)


class ApiError(Exception):
    """A refusal in Netlify's shape: `{"code": status, "message": ...}`."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Account:
    id: str
    name: str
    slug: str
    created_at: str = field(default_factory=now)


@dataclass
class EnvValue:
    value: str
    context: str
    context_parameter: str | None = None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass
class EnvVar:
    key: str
    scopes: list[str]
    values: list[EnvValue]
    is_secret: bool = False
    updated_at: str = field(default_factory=now)

    def value_for(self, context: str, branch: str | None) -> str | None:
        """The value a deploy of `context` on `branch` gets: the branch's own, else the context's, else all's."""
        for wanted in (("branch", branch), (context, None), ("all", None)):
            for value in self.values:
                if value.context == wanted[0] and (wanted[1] is None or value.context_parameter == wanted[1]):
                    return value.value
        return None


@dataclass
class Certificate:
    domains: list[str]
    state: str = "issued"
    created_at: str = field(default_factory=now)
    updated_at: str = field(default_factory=now)
    expires_at: str = field(
        default_factory=lambda: (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=CERTIFICATE_DAYS)).strftime(
            "%Y-%m-%dT%H:%M:%S.000Z"
        )
    )


@dataclass
class Redirect:
    source: str  # `from`: a path, or a prefix ending in /*
    target: str  # `to`: a path or an absolute URL
    status: int = 301
    force: bool = False


@dataclass
class Deploy:
    id: str
    site_id: str
    build_id: str
    branch: str
    context: str  # production | branch-deploy
    title: str | None
    state: str = "new"
    commit_ref: str | None = None
    error_message: str | None = None
    published_at: str | None = None
    created_at: str = field(default_factory=now)
    updated_at: str = field(default_factory=now)
    files: dict[str, bytes] = field(default_factory=dict)  # what it publishes, by path
    redirects: list[Redirect] = field(default_factory=list)
    log: list[str] = field(default_factory=list)


@dataclass
class Build:
    id: str
    deploy_id: str
    sha: str | None = None
    done: bool = False
    error: str | None = None
    created_at: str = field(default_factory=now)


@dataclass
class Site:
    id: str
    name: str
    account: Account
    build_settings: dict[str, Any] = field(default_factory=dict)  # the linked repository; empty: none
    custom_domain: str | None = None
    domain_aliases: list[str] = field(default_factory=list)
    force_ssl: bool = False
    certificate: Certificate | None = None
    env: dict[str, EnvVar] = field(default_factory=dict)
    deploys: list[Deploy] = field(default_factory=list)  # newest last
    published_deploy: Deploy | None = None
    created_at: str = field(default_factory=now)
    updated_at: str = field(default_factory=now)

    @property
    def default_domain(self) -> str:
        return f"{self.name}.netlify.app"

    @property
    def domain(self) -> str:
        return self.custom_domain or self.default_domain

    @property
    def production_branch(self) -> str | None:
        return self.build_settings.get("repo_branch")


@dataclass
class BuildPace:
    """Seconds a deploy stays in each state before the next (the stand-in's builds take no real work)."""

    state_seconds: float = 0.05


class NetlifyState(FaultInjection, RequestLog):
    TEAM_SLUG = "dandi-sandbox"
    TEAM_NAME = "DANDI sandbox"

    def __init__(self, token: str, *, pace: BuildPace | None = None):
        self.lock = threading.RLock()
        self.token = token
        self.user_id = "5f9a0c7e2b4d1a3c6e8f0a1b"
        self.user_email = "operator@dandi.test"
        self._pace = pace or BuildPace()
        # Where builds read the linked repository from (the GitHub stand-in's forks); None: no repository exists.
        self.checkout: "Checkout | None" = None
        # The hosts whose DNS points at Netlify's load balancer: a certificate is issued only for those.
        self.dns_hosts: set[str] = set()
        # Fetches a proxied URL for a published site (the sandbox routes the API hosts to loopback).
        self.fetch: Callable[[str], tuple[int, bytes, str]] | None = None
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self.reset()

    def reset(self) -> None:
        """Back to an empty team: no sites, variables, builds, requests or faults; the first pace."""
        with self.lock:
            self.account = Account(hex_id(), self.TEAM_NAME, self.TEAM_SLUG)
            self.accounts = [self.account]
            self.sites: dict[str, Site] = {}
            self.builds: dict[str, Build] = {}
            self.deploys: dict[str, Deploy] = {}
            self.shared_env: dict[str, EnvVar] = {}  # team-wide variables (no site_id)
            self.requests: list[RequestRecord] = []
            self.faults: list[Fault] = []
            self.pace = self._pace
            self.rate_window = (time.time(), 0)
            self._stopping.clear()

    # what a snapshot keeps: the team and everything made in it
    _KEPT = ("account", "accounts", "sites", "builds", "deploys", "shared_env")

    def snapshot(self) -> dict[str, Any]:
        """What `restore` brings back: the team, its sites, variables, builds and deploys as they are now."""
        with self.lock:
            return copy.deepcopy({name: getattr(self, name) for name in self._KEPT})

    def restore(self, snapshot: dict[str, Any]) -> None:
        """Copies of what `snapshot` saw, in place of what there is (after `reset`: no requests or faults)."""
        with self.lock:
            for name, value in copy.deepcopy(snapshot).items():
                setattr(self, name, value)

    def halt(self) -> None:
        """End the builds in flight: none changes the state any more."""
        self._stopping.set()
        for thread in list(self._threads):
            thread.join(timeout=10)
        self._threads.clear()

    # --- lookups -----------------------------------------------------------------------------
    def find_account(self, id_or_slug: str) -> Account | None:
        """The env API's {account_id} is an id or, as Netlify's CLI sends it, a slug."""
        return next((a for a in self.accounts if id_or_slug in (a.id, a.slug)), None)

    def find_site(self, id_or_domain: str) -> Site | None:
        """A site by id, by its netlify.app domain or by its custom domain (as Netlify takes `site_id`)."""
        for site in self.sites.values():
            if id_or_domain in (site.id, site.default_domain, site.custom_domain):
                return site
        return None

    def site_for_host(self, host: str) -> Site | None:
        host = host.lower()
        return next(
            (s for s in self.sites.values() if host in (s.default_domain, s.custom_domain, *s.domain_aliases)), None
        )

    # --- rate limit ----------------------------------------------------------------------------
    def charge(self) -> tuple[int, int]:
        """One request against the minute's budget: (remaining, reset time); remaining < 0 means refused."""
        with self.lock:
            started, used = self.rate_window
            if time.time() - started >= 60:
                started, used = time.time(), 0
            used += 1
            self.rate_window = (started, used)
            return RATE_LIMIT - used, int(started + 60)

    # --- builds --------------------------------------------------------------------------------
    def start_build(self, site: Site, branch: str, title: str | None) -> Build:
        from dandiops.sandbox.netlify.build import run_build

        with self.lock:
            context = "production" if branch == site.production_branch else "branch-deploy"
            build = Build(hex_id(), hex_id())
            deploy = Deploy(build.deploy_id, site.id, build.id, branch, context, title)
            self.builds[build.id] = build
            self.deploys[deploy.id] = deploy
            site.deploys.append(deploy)
            thread = threading.Thread(
                target=run_build, args=(self, site, build, deploy), name=f"netlify-build:{build.id}", daemon=True
            )
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()
        return build

    def advance(self, deploy: Deploy, state: str) -> bool:
        """Move the deploy on after the pace's pause; False once the sandbox halts (the build stops there)."""
        if self._stopping.wait(self.pace.state_seconds):
            return False
        with self.lock:
            deploy.state = state
            deploy.updated_at = now()
        return True
