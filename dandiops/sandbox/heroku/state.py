"""The Heroku stand-in's state: apps, config vars, formation, releases, dynos, add-ons, people.

Everything is in memory behind one lock. Other sandbox parts (the dyno executor, the release
phase, log sessions, the Data API) hook in through the callables and lists on HerokuState.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import re
import threading
import uuid
from dataclasses import dataclass, field
from typing import Callable, Protocol

from dandiops.sandbox.faults import Fault, FaultInjection
from dandiops.sandbox.request_log import RequestLog, RequestRecord

APP_NAME = re.compile(r"^[a-z][a-z0-9-]{1,28}[a-z0-9]$")
APP_NAME_RULE = (
    "Name must start with a letter, end with a letter or digit and can only contain lowercase letters, digits, "
    "and dashes."
)
REGIONS = ("us", "eu")
STACKS = ("heroku-22", "heroku-24")


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_id() -> str:
    return str(uuid.uuid4())


def stable_id(kind: str, name: str) -> str:
    """The same id for the same named thing (a user, a team) every time the sandbox is built."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"sandbox:{kind}:{name}"))


def user_id(email: str) -> str:
    """The Heroku account id of the person with this email: one per person, wherever they appear."""
    return stable_id("user", email.lower())


def team_id(name: str) -> str:
    return stable_id("team", name)


@dataclass
class Numbers:
    """The numbers an app gives its one-off dynos (run.1, run.2, ...): `next()` takes the next one."""

    next_value: int = 1

    def __next__(self) -> int:
        value, self.next_value = self.next_value, self.next_value + 1
        return value


@dataclass(kw_only=True)
class Resource:
    """What Heroku keeps of each resource: its id, and when it was made and last changed (now, unless given)."""

    id: str = field(default_factory=new_id)
    created_at: str = field(default_factory=now)
    updated_at: str = field(default_factory=now)


# What a build of the archive weighs: the compressed slug of a Python app with its dependencies.
SLUG_BYTES = 97_517_568


@dataclass
class Formation(Resource):
    type: str
    quantity: int
    size: str
    command: str


@dataclass
class Release(Resource):
    version: int
    description: str
    status: str = "succeeded"  # pending -> succeeded | failed
    user_email: str = ""
    commit: str | None = None
    addon_plan_names: list[str] = field(default_factory=list)
    slug_id: str | None = None
    config: dict[str, str] = field(default_factory=dict)  # the app's config vars as this release made them
    output: list[str] = field(default_factory=list)  # release-phase output lines


@dataclass
class Addon(Resource):
    service: str
    plan: str  # "heroku-postgresql:essential-1"
    name: str
    config_vars: list[str]
    attachment_name: str
    attachment_id: str = field(default_factory=new_id)


@dataclass
class Collaborator(Resource):
    email: str
    role: str = "member"
    permissions: list[str] = field(default_factory=lambda: ["view", "deploy", "operate"])

    @property
    def user_id(self) -> str:
        return user_id(self.email)


@dataclass
class Domain(Resource):
    hostname: str
    kind: str  # "heroku" (the app's own herokuapp.com name) or "custom"
    cname: str | None = None  # the DNS target a custom domain points at
    status: str = "pending"  # pending -> succeeded (its DNS target is provisioned)
    acm_status: str | None = None
    acm_status_reason: str | None = None


@dataclass
class Dyno(Resource):
    name: str
    type: str
    command: str
    size: str
    state: str = "starting"
    attach_url: str | None = None
    release_version: int = 0
    release_id: str = ""
    stop: Callable[[], None] | None = None  # a one-off dyno's: set by whatever runs it
    formation: bool = False  # one of the formation's dynos (web.1, worker.1, ...), not a one-off dyno


class ProcessRunner(Protocol):
    """Runs the real process behind an app's formation dynos of one process type (the web router does for
    `web`); a process type without one is modelled: its dynos are up at once, with no process."""

    def run(self, app: "App", dynos: list[Dyno], *, restart: bool) -> None:
        """The type's dynos changed; `dynos` are all it has now, those that started in state `starting`.
        With `restart`, one that ran before started anew: end the process and start another; without,
        dynos only joined (or none is left). Report the process's state through formation_dynos."""

    def wake(self, app: "App") -> None:
        """Someone is looking at the dynos: start a process that is due now rather than on first use."""


@dataclass
class App(Resource):
    name: str
    region: str = "us"
    stack: str = "heroku-24"
    build_stack: str | None = None  # the stack the next build uses, when it is not `stack`
    team: str | None = None
    owner_email: str = "operator@example.org"
    config: dict[str, str] = field(default_factory=dict)
    formation: dict[str, Formation] = field(default_factory=dict)
    releases: list[Release] = field(default_factory=list)
    addons: list[Addon] = field(default_factory=list)
    collaborators: list[Collaborator] = field(default_factory=list)
    domains: list[Domain] = field(default_factory=list)
    dynos: dict[str, Dyno] = field(default_factory=dict)
    buildpacks: list[str] = field(default_factory=list)
    procfile: dict[str, str] = field(default_factory=dict)
    app_dir: str | None = None  # where one-off dynos and the release phase run
    process_runners: dict[str, ProcessRunner] = field(default_factory=dict)  # process type -> its runner
    acm: bool = True
    maintenance: bool = False
    run_counter: Numbers = field(default_factory=Numbers)

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

    @property
    def deployed(self) -> bool:
        """Whether the app has code to run: its current release carries a slug. A new app's releases (the
        initial one, config vars, add-ons) carry none until the first build makes one."""
        current = self.current_release
        return current is not None and current.slug_id is not None

    @property
    def slug_size(self) -> int | None:
        """The size of the slug the app runs; None before its first build."""
        return SLUG_BYTES if self.deployed else None

    @property
    def herokuapp_hostname(self) -> str:
        return f"{self.name}.herokuapp.com"

    def copy(self) -> "App":
        """A copy to change freely, as the app is at rest: its formation dynos, not its one-off dynos, and
        none of the process runners (they belong to the processes of a running sandbox)."""
        values = {}
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            if item.name == "dynos":
                value = {name: dataclasses.replace(d, stop=None) for name, d in value.items() if d.formation}
            elif item.name == "process_runners":
                value = {}
            else:
                value = copy.deepcopy(value)
            values[item.name] = value
        return App(**values)


@dataclass
class HerokuSnapshot:
    """The account's apps, teams and people, and the apps' logs, as `HerokuState.snapshot` saw them."""

    apps: dict[str, App]
    teams: dict[str, list[dict]]
    users: set[str]
    log_lines: dict[str, list[str]]


class HerokuState(FaultInjection, RequestLog):
    def __init__(self, api_key: str, account_email: str = "operator@example.org", rate_budget: int = 4500):
        self.lock = threading.RLock()
        self.api_key = api_key
        self.account_email = account_email
        self.account_id = user_id(account_email)
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

    def snapshot(self) -> HerokuSnapshot:
        """What `restore` brings back: the apps (at rest), teams, people and logs as they are now."""
        with self.lock:
            return HerokuSnapshot(
                {name: app.copy() for name, app in self.apps.items()},
                copy.deepcopy(self.teams),
                set(self.users),
                copy.deepcopy(self.log_lines),
            )

    def restore(self, snapshot: HerokuSnapshot) -> None:
        """Copies of what `snapshot` saw, in place of the apps, teams, people and logs there are (after
        `reset`, which leaves requests, faults and hooks empty)."""
        with self.lock:
            self.apps = {name: app.copy() for name, app in snapshot.apps.items()}
            self.teams = copy.deepcopy(snapshot.teams)
            self.users = set(snapshot.users)
            self.log_lines = copy.deepcopy(snapshot.log_lines)

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
    def seed_config(self, app: App, values: dict[str, str]) -> None:
        """Config vars the seeded deployment was made with, from its first release on (Terraform sets
        them when it creates the app): no new release, and every release's config agrees."""
        with self.lock:
            app.config.update(values)
            for release in app.releases:
                release.config.update(values)

    def rename_app(self, app: App, name: str) -> None:
        """The app answers to its new name from now on; its log goes with it."""
        with self.lock:
            del self.apps[app.name]
            self.log_lines[name] = self.log_lines.pop(app.name, [])
            app.name = name
            self.apps[name] = app
            app.updated_at = now()

    def create_release(
        self,
        app: App,
        description: str,
        *,
        status: str = "succeeded",
        commit: str | None = None,
        user_email: str | None = None,
        slug_id: str | None = None,
    ) -> Release:
        """A new release of the app's config vars as they are now; a deploy (`commit`) builds a new slug,
        a rollback brings back an earlier release's `slug_id`, any other release keeps the running slug."""
        with self.lock:
            version = (app.releases[-1].version + 1) if app.releases else 1
            current = app.current_release
            release = Release(
                version=version,
                description=description,
                status=status,
                user_email=user_email or self.account_email,
                commit=commit,
                addon_plan_names=[a.plan for a in app.addons],
                slug_id=new_id() if commit else (slug_id or (current.slug_id if current else None)),
                config=dict(app.config),
            )
            app.releases.append(release)
            if commit and app.build_stack:  # the build ran on the stack the app was set to
                app.stack, app.build_stack = app.build_stack, None
            app.updated_at = now()
            self.log(
                app, f"Release v{version} created by {release.user_email}: {description}", source="heroku", dyno="api"
            )
        for hook in list(self.on_release):
            hook(app, release)
        if release.status == "succeeded":
            self._dynos_follow_release(app)
        return release

    def settle_release(self, app: App, release: Release, *, succeeded: bool, output: list[str]) -> None:
        """A pending release's release phase ended: it fails, or it becomes current and the dynos restart on it."""
        with self.lock:
            release.output = output
            release.status = "succeeded" if succeeded else "failed"
            release.updated_at = now()
        self.log(app, f"Release v{release.version} {release.status}", source="heroku", dyno="api")
        if succeeded:
            self._dynos_follow_release(app)

    def _dynos_follow_release(self, app: App) -> None:
        from dandiops.sandbox.heroku import formation_dynos

        formation_dynos.sync(self, app)

    def log(self, app: App, message: str, *, source: str = "app", dyno: str = "web.1") -> None:
        stamp = dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")
        with self.lock:
            if self.apps.get(app.name) is not app:
                return  # a process of an app that is gone (a reset replaced it) has no log to write to
            self.log_lines.setdefault(app.name, []).append(f"{stamp} {source}[{dyno}]: {message}")
