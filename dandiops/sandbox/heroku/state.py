"""The Heroku stand-in's state: apps, config vars, formation, releases, dynos, add-ons, people.

Everything is in memory behind one lock. Other sandbox parts (the dyno executor, the release
phase, log sessions, the Data API) hook in through the callables and lists on HerokuState.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from dandiops.sandbox.faults import Fault, FaultInjection


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass
class Formation:
    type: str
    quantity: int
    size: str
    command: str
    id: str = field(default_factory=new_id)
    created_at: str = field(default_factory=now)
    updated_at: str = field(default_factory=now)


@dataclass
class Release:
    version: int
    description: str
    status: str = "succeeded"  # pending -> succeeded | failed
    user_email: str = ""
    commit: str | None = None
    addon_plan_names: list[str] = field(default_factory=list)
    id: str = field(default_factory=new_id)
    slug_id: str | None = None
    created_at: str = field(default_factory=now)
    updated_at: str = field(default_factory=now)
    output: list[str] = field(default_factory=list)  # release-phase output lines


@dataclass
class Addon:
    service: str
    plan: str  # "heroku-postgresql:essential-1"
    name: str
    config_vars: list[str]
    attachment_name: str
    id: str = field(default_factory=new_id)
    service_id: str = field(default_factory=new_id)
    plan_id: str = field(default_factory=new_id)
    attachment_id: str = field(default_factory=new_id)
    created_at: str = field(default_factory=now)
    updated_at: str = field(default_factory=now)


@dataclass
class Collaborator:
    email: str
    role: str = "member"
    permissions: list[str] = field(default_factory=lambda: ["view", "deploy", "operate"])
    id: str = field(default_factory=new_id)
    user_id: str = field(default_factory=new_id)
    created_at: str = field(default_factory=now)
    updated_at: str = field(default_factory=now)


@dataclass
class Dyno:
    name: str
    type: str
    command: str
    size: str
    state: str = "starting"
    attach_url: str | None = None
    release_version: int = 0
    release_id: str = ""
    id: str = field(default_factory=new_id)
    created_at: str = field(default_factory=now)
    updated_at: str = field(default_factory=now)
    stop: Callable[[], None] | None = None  # set by whatever runs it


@dataclass
class App:
    name: str
    region: str = "us"
    stack: str = "heroku-24"
    team: str | None = None
    owner_email: str = "operator@example.org"
    config: dict[str, str] = field(default_factory=dict)
    formation: dict[str, Formation] = field(default_factory=dict)
    releases: list[Release] = field(default_factory=list)
    addons: list[Addon] = field(default_factory=list)
    collaborators: list[Collaborator] = field(default_factory=list)
    dynos: dict[str, Dyno] = field(default_factory=dict)
    buildpacks: list[str] = field(default_factory=list)
    procfile: dict[str, str] = field(default_factory=dict)
    app_dir: str | None = None  # where one-off dynos and the release phase run
    acm: bool = True
    maintenance: bool = False
    id: str = field(default_factory=new_id)
    stack_id: str = field(default_factory=new_id)
    created_at: str = field(default_factory=now)
    updated_at: str = field(default_factory=now)
    run_counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def current_release(self) -> Release | None:
        done = [r for r in self.releases if r.status == "succeeded"]
        return done[-1] if done else None

    def find_dyno(self, ident: str) -> "Dyno | None":
        """A dyno by id or name (callers hold the state's lock)."""
        return next((d for d in self.dynos.values() if ident in (d.id, d.name)), None)

    @property
    def released_at(self) -> str | None:
        current = self.current_release
        return current.created_at if current else None


@dataclass
class RequestRecord:
    method: str
    path: str
    status: int
    headers: dict[str, str]
    body: Any
    response: Any = None  # the JSON body sent back, kept for schema checks in tests


class HerokuState(FaultInjection):
    def __init__(self, api_key: str, account_email: str = "operator@example.org", rate_budget: int = 4500):
        self.lock = threading.RLock()
        self.api_key = api_key
        self.account_email = account_email
        self.account_id = new_id()
        self.rate_budget = rate_budget
        self.reset()

    def reset(self) -> None:
        """Back to a new account's state: no apps, teams, faults, requests, logs, or hooks (the parts that
        installed hooks install them again when they reset)."""
        with self.lock:
            self.rate_remaining = self.rate_budget
            self.apps: dict[str, App] = {}
            self.teams: dict[str, list[dict]] = {}
            self.users: set[str] = {self.account_email}  # emails that have a Heroku account
            self.faults: list[Fault] = []
            self.requests: list[RequestRecord] = []
            # Hooks other sandbox parts install:
            self.on_release: list[Callable[[App, Release], None]] = []  # a new release was created
            self.run_dyno: Callable[[App, Dyno, dict], None] | None = None  # start a one-off dyno
            self.log_lines: dict[str, list[str]] = {}  # app name -> log lines (syslog-style)

    # --- lookups ---------------------------------------------------------------------------
    def find_app(self, ident: str) -> App | None:
        with self.lock:
            if ident in self.apps:
                return self.apps[ident]
            return next((a for a in self.apps.values() if a.id == ident), None)

    def add_app(self, app: App) -> App:
        with self.lock:
            self.apps[app.name] = app
            self.log_lines.setdefault(app.name, [])
        return app

    # --- mutations ---------------------------------------------------------------------------
    def create_release(
        self,
        app: App,
        description: str,
        *,
        status: str = "succeeded",
        commit: str | None = None,
        user_email: str | None = None,
    ) -> Release:
        with self.lock:
            version = (app.releases[-1].version + 1) if app.releases else 1
            release = Release(
                version=version,
                description=description,
                status=status,
                user_email=user_email or self.account_email,
                commit=commit,
                addon_plan_names=[a.plan for a in app.addons],
                slug_id=(app.current_release.slug_id if app.current_release else None),
            )
            app.releases.append(release)
            app.updated_at = now()
            self.log(
                app, f"Release v{version} created by {release.user_email}: {description}", source="heroku", dyno="api"
            )
        for hook in list(self.on_release):
            hook(app, release)
        return release

    def log(self, app: App, message: str, *, source: str = "app", dyno: str = "web.1") -> None:
        stamp = dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")
        with self.lock:
            if self.apps.get(app.name) is not app:
                return  # a process of an app that is gone (a reset replaced it) has no log to write to
            self.log_lines.setdefault(app.name, []).append(f"{stamp} {source}[{dyno}]: {message}")

    def writes(self) -> list[RequestRecord]:
        with self.lock:
            return [r for r in self.requests if r.method in ("POST", "PATCH", "PUT", "DELETE")]
