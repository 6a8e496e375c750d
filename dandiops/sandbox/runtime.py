"""A whole sandbox: every stand-in on loopback, a dandiops.toml and a dotenv file pointing at them.

Parts plug in as components (the Heroku stand-in is the first). A component has `start(sandbox)`,
`stop()`, `halt()`, `snapshot()` and `restore(sandbox, snapshot)` (see `Sandbox.reset`),
`environment()` (KEY=VALUE pairs a client needs) and `environment_settings(env_name)` (keys added to
that environment in dandiops.toml).

A sandbox holds one world for its life: the empty one, or a running clone. Once started, it takes
a snapshot of every component and of the files the world keeps in the workdir (the apps' SQLite
databases); a reset restores that snapshot, so a reset costs the same whatever it took to build.
"""

from __future__ import annotations

import os
import secrets as random_secrets
import shutil
import tempfile
import threading
import weakref
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Protocol

from flask import Flask, Response

from dandiops.sandbox.heroku import seed as heroku_seed
from dandiops.sandbox.heroku.api import create_app
from dandiops.sandbox.heroku.routing import authorized, error
from dandiops.sandbox.heroku.state import HerokuSnapshot, HerokuState
from dandiops.sandbox.server import ServerThread
from dandiops.sandbox.standin import json_response

# Settings several components add to: DANDIOPS_CONNECT_TO's HOST=ORIGIN pairs (API hosts, web hosts).
JOINED_SETTINGS = ("DANDIOPS_CONNECT_TO",)


# Names the answers file a non-interactive `dandiops init` of either sandbox environment takes.
ANSWERS_VAR = "DANDIOPS_SANDBOX_ANSWERS"


def answers_path() -> Path:
    """The sandbox's answers file (package data): what an operator would type at init's prompts."""
    return Path(str(resources.files("dandiops.sandbox").joinpath("demo-answers.yaml")))


class Component(Protocol):
    def start(self, sandbox: "Sandbox") -> None: ...

    def stop(self) -> None: ...

    def halt(self) -> None:
        """End what is in flight (threads, processes) so that nothing changes the sandbox any more."""

    def snapshot(self) -> Any:
        """What `restore` brings back: the component's part of the world as it is now (taken at rest)."""

    def restore(self, sandbox: "Sandbox", snapshot: Any) -> None:
        """Back to `snapshot`, in place (after `halt`): the same addresses and credentials, and nothing done
        since (requests, faults, hooks and processes included)."""

    def environment(self) -> dict[str, str]: ...

    def environment_settings(self, env_name: str) -> dict[str, Any]: ...


class HerokuComponent:
    """The Platform API stand-in. `extensions` add routes to it (see heroku.api.create_app)."""

    def __init__(self, extensions: list | None = None) -> None:
        self.api_key = "HRKU-sandbox-" + random_secrets.token_hex(16)
        self.state = HerokuState(self.api_key)
        self.extensions = list(extensions or [])
        self.server: ServerThread | None = None

    def start(self, sandbox: "Sandbox") -> None:
        self._seed(sandbox)
        self.server = ServerThread(create_app(self.state, extensions=self.extensions)).start()

    def _seed(self, sandbox: "Sandbox") -> None:
        if not sandbox.seeded:
            heroku_seed.seed_account(self.state)
            return
        database_urls = {env: f"sqlite:///{sandbox.workdir / f'{env}.sqlite3'}" for env in Sandbox.ENVIRONMENTS}
        database_urls.update(sandbox.database_urls)
        heroku_seed.seed(self.state, database_urls=database_urls, app_dirs=sandbox.app_dirs)

    def stop(self) -> None:
        if self.server:
            self.server.stop()

    def halt(self) -> None:
        pass  # its requests end by themselves; open log tails end when the log extension resets

    def snapshot(self) -> tuple[HerokuSnapshot, list[Any]]:
        """The account's apps, teams and people, and what each extension keeps (backups, features)."""
        kept = [getattr(extension, "snapshot", lambda: None)() for extension in self.extensions]
        return self.state.snapshot(), kept

    def restore(self, sandbox: "Sandbox", snapshot: tuple[HerokuSnapshot, list[Any]]) -> None:
        """Back to the snapshot; then apps are pointed at the databases `sandbox.database_urls` names."""
        state_snapshot, kept = snapshot
        self.state.reset()
        for extension, saved in zip(self.extensions, kept, strict=True):
            reset_extension = getattr(extension, "reset", None)
            if reset_extension is not None:
                reset_extension()
            if saved is not None:
                extension.restore(saved)
        self.state.restore(state_snapshot)
        for env_name, url in sandbox.database_urls.items():
            app = self.state.find_app(self.environment_settings(env_name)["heroku_app"])
            if app is not None and app.config.get("DATABASE_URL") != url:
                self.state.seed_config(app, {"DATABASE_URL": url})

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url

    def environment(self) -> dict[str, str]:
        # The official Heroku CLI reads HEROKU_API_KEY too: HEROKU_HOST, HEROKU_PARTICLEBOARD_URL and
        # HEROKU_DATA_HOST send all of its requests here, never to Heroku (the Data API host is a bare
        # name, the CLI keeps HEROKU_HOST's scheme and port).
        urls = ("DANDIOPS_HEROKU_API_URL", "DANDIOPS_HEROKU_DATA_API_URL", "HEROKU_HOST", "HEROKU_PARTICLEBOARD_URL")
        return {"HEROKU_API_KEY": self.api_key, **dict.fromkeys(urls, self.url), "HEROKU_DATA_HOST": "127.0.0.1"}

    def environment_settings(self, env_name: str) -> dict[str, Any]:
        spec = next(s for s in heroku_seed.SPECS if s.env == env_name)
        return {
            "heroku_app": spec.name,
            "api_url": f"https://{spec.domain}",
            "web_url": f"https://{spec.web_host}",
            "bucket": spec.bucket,
            "production": spec.production,
            "team": heroku_seed.TEAM,
            "region": "us",
            "heroku_email": self.state.account_email,
        }


@dataclass
class World:
    """What a reset brings back: each component's snapshot, and the workdir's files the world made."""

    snapshots: list[Any]
    files: list[str]  # names of workdir entries, copied into the sandbox's world folder


class Sandbox:
    """Every stand-in, started on loopback. `empty` starts it where an operator starts: a Heroku team with
    no apps, an empty AWS account, an unmodified fork. Otherwise it holds a running clone: the one
    `builder` makes from the empty world (clone.build_clone runs `dandiops init`), or, without a
    builder, the one the stand-ins are seeded with (see `seeded`)."""

    ENVIRONMENTS = ("staging", "production")

    def __init__(
        self,
        workdir: str | os.PathLike,
        *,
        empty: bool = False,
        app_dirs: dict[str, str] | None = None,
        database_urls: dict[str, str] | None = None,
        components: list[Component] | None = None,
        heroku_extensions: list | None = None,
        builder: Callable[["Sandbox"], None] | None = None,
    ):
        self.empty = empty
        self.builder = builder  # makes the running clone from the empty world (clone.build_clone)
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.app_dirs = dict(app_dirs or {})
        self.database_urls = dict(database_urls or {})
        self._built_database_urls = dict(self.database_urls)
        self.heroku = HerokuComponent([*(heroku_extensions or []), reset_route(self)])
        self.components: list[Component] = [self.heroku, *(components or [])]
        self.config_path = self.workdir / "dandiops.toml"
        self._kept_files: set[str] | None = None  # workdir entries a reset leaves: there at start, or ours
        self._world: World | None = None
        self._world_dir = Path(tempfile.mkdtemp(prefix="dandiops-world-"))  # the world's files, as made
        self._remove_world_dir = weakref.finalize(self, shutil.rmtree, str(self._world_dir), True)
        # The secrets init asks for, which an answers file never holds: one set for the sandbox's life.
        self._init_secrets = {
            "DJANGO_SUPERUSER_PASSWORD": random_secrets.token_urlsafe(18),
            "DANDIOPS_GITHUB_CLIENT_SECRET": random_secrets.token_hex(20),
        }
        self._reset_lock = threading.Lock()

    def start(self) -> "Sandbox":
        started = []
        try:
            for component in self.components:
                component.start(self)
                started.append(component)
        except BaseException:
            for component in reversed(started):
                component.stop()
            raise
        self.write_config()
        self._kept_files = {entry.name for entry in self.workdir.iterdir()}
        if not self.empty and self.builder is not None:
            try:
                self.builder(self)
            except BaseException:
                self.stop()
                raise
        self._world = self._take_snapshot()
        # from the snapshot on, as after every reset: no request logged, nothing in flight
        return self.reset(database_urls=self._built_database_urls)

    @property
    def seeded(self) -> bool:
        """Whether the stand-ins start with a running clone seeded into them, as the tests' shared sandbox
        does, rather than empty (an empty sandbox, or one whose builder makes the clone)."""
        return not self.empty and self.builder is None

    def _take_snapshot(self) -> World:
        """The world as it is now, at rest: every component's snapshot and copies of the files it made."""
        assert self._kept_files is not None
        files = sorted(entry.name for entry in self.workdir.iterdir() if entry.name not in self._kept_files)
        for name in files:
            _copy_entry(self.workdir / name, self._world_dir / name)
        return World([component.snapshot() for component in self.components], files)

    def reset(self, *, database_urls: dict[str, str] | None = None) -> "Sandbox":
        """Back to the world start() left, without restarting anything: the same addresses and credentials,
        and nothing a client or test did since (apps, config vars, releases, dynos and their processes,
        the web processes, the apps' databases, repository history and workflow runs, AWS resources,
        Netlify sites, variables and builds,
        faults, request logs, mail, log sessions, hooks, and every file made in the workdir since start:
        dandiops.toml is written anew, the audit log and state files are gone).

        `database_urls` ({environment: URL}) points apps at other databases until the next reset, as
        the constructor's argument does (PostgreSQL tests give staging a fresh database each time).
        """
        if self._kept_files is None or self._world is None:
            raise RuntimeError("only a started sandbox can be reset")
        with self._reset_lock:
            for component in reversed(self.components):
                component.halt()
            self.database_urls = {**self._built_database_urls, **(database_urls or {})}
            self._remove_files_made_since_start()
            for name in self._world.files:
                _copy_entry(self._world_dir / name, self.workdir / name)
            for component, snapshot in zip(self.components, self._world.snapshots, strict=True):
                component.restore(self, snapshot)
            self.write_config()
        return self

    def _remove_files_made_since_start(self) -> None:
        """Files the sandbox found in its workdir, made while starting or wrote as its env file stay; the
        apps' SQLite databases, mail, dandiops' state and audit log, and whatever else came later go
        (the world's own files come back from its snapshot; the seeded apps' SQLite databases as copies
        of the migrated template before their app's first dyno)."""
        assert self._kept_files is not None
        for entry in self.workdir.iterdir():
            if entry.name in self._kept_files:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink(missing_ok=True)

    def stop(self) -> None:
        for component in reversed(self.components):
            component.stop()
        self._remove_world_dir()

    def __enter__(self) -> "Sandbox":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def environment(self) -> dict[str, str]:
        values = {"DANDIOPS_CONFIG": str(self.config_path), "DANDIOPS_AUDIT_LOG": str(self.workdir / "audit.log")}
        for component in self.components:
            for key, value in component.environment().items():
                if key in JOINED_SETTINGS and values.get(key):
                    value = f"{values[key]},{value}"  # each component routes its own hosts
                values[key] = value
        return values

    def init_environment(self) -> dict[str, str]:
        """What a non-interactive `dandiops init` of either environment needs besides `environment()`: the
        answers file (DANDIOPS_SANDBOX_ANSWERS) and the secrets it asks for (a component may add its own,
        such as the fork's GH_TOKEN)."""
        values = {ANSWERS_VAR: str(answers_path()), **self._init_secrets}
        for component in self.components:
            more = getattr(component, "init_environment", None)
            if more is not None:
                values.update(more())
        return values

    def write_config(self) -> Path:
        import tomli_w

        environments = {}
        for name in self.ENVIRONMENTS:
            table: dict[str, Any] = {}
            for component in self.components:
                table.update(component.environment_settings(name))
            environments[name] = table
        self.config_path.write_text(
            "# Generated by `dandiops sandbox`: environments pointing at the local stand-ins.\n"
            + tomli_w.dumps({"environments": environments}),
            encoding="utf-8",
        )
        return self.config_path

    def write_env_file(self, path: str | os.PathLike) -> Path:
        path = Path(path)
        values = {**self.environment(), **self.init_environment()}
        lines = [f"{key}={_quote(value)}" for key, value in sorted(values.items())]
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("# dandiops sandbox: source this file or pass it to your shell (set -a; . FILE)\n")
            handle.write("\n".join(lines) + "\n")
        if self._kept_files is not None and path.resolve().parent == self.workdir.resolve():
            self._kept_files.add(path.name)  # what `sandbox serve` hands its clients outlives resets
        return path


def reset_route(sandbox: Sandbox) -> Callable[[Flask, HerokuState], None]:
    """`POST /_sandbox/reset` on the Heroku stand-in: `Sandbox.reset()` for `sandbox serve` users. It takes
    the sandbox's Heroku API key, as every Platform API route does: it throws away whatever was done."""

    def install(app: Flask, state: HerokuState) -> None:
        @app.post("/_sandbox/reset")
        def reset_sandbox() -> Response:
            if not authorized(state):
                return error(401, "unauthorized", "Invalid credentials provided.")
            sandbox.reset()
            return json_response({"ok": True})

    return install


def _copy_entry(source: Path, target: Path) -> None:
    if source.is_dir() and not source.is_symlink():
        shutil.copytree(source, target, symlinks=True)
    else:
        shutil.copy2(source, target, follow_symlinks=False)


def _quote(value: str) -> str:
    if value and all(c.isalnum() or c in "-_./:@+=," for c in value):
        return value
    return "'" + value.replace("'", "'\\''") + "'"
