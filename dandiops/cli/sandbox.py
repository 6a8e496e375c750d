"""`dandiops sandbox`: the local stand-ins, for rehearsing the runbook offline."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from dandiops.cli.common import command, command_group, flag, option
from dandiops.core.words import plural

if TYPE_CHECKING:
    from pathlib import Path

app = command_group("sandbox", "Run local stand-ins for Heroku, GitHub and AWS to rehearse the runbook offline.")


DEFAULT_ENV_FILE = ".env.sandbox"
LOG_FILE = "serve.log"  # background.LOG_FILE, without importing it at start-up


def _parse_app_dirs(values: list[str] | None) -> dict[str, str]:
    from pathlib import Path

    from dandiops.core.errors import UsageError

    result = {}
    for value in values or []:
        name, sep, path = value.partition("=")
        if not sep or not name or not path:
            raise UsageError(f"invalid --app-dir {value!r}", hint="use --app-dir APP=PATH")
        if not Path(path).is_dir():
            raise UsageError(f"--app-dir {value!r}: {path} is not a directory", hint="point it at an archive checkout")
        result[name] = str(Path(path).resolve())
    return result


@dataclass(frozen=True)
class ServeOptions:
    """How `serve` runs the stand-ins; with --detach it starts itself again in the background with
    the same options (`_serve_detached`)."""

    env_file: str = option("Where to write the KEY=VALUE file clients need.", default=DEFAULT_ENV_FILE)
    workdir: Optional[str] = option(
        "Folder for the sandbox's state, kept when it stops (default: a new temporary folder, removed when it stops)."
    )
    keep: bool = flag("Leave the temporary folder and the env file behind when the sandbox stops.")
    empty: bool = flag(
        "Start where an operator starts: a Heroku team with no apps, an empty AWS account, an "
        "unmodified fork of dandi-archive (for `dandiops init`)."
    )
    app_dir: Optional[list[str]] = option(
        "APP=PATH: run APP's dynos in PATH (a real archive checkout) instead of the miniature archive; repeatable."
    )
    detach: bool = flag(
        f"Run the server in the background and return once it is ready; its output goes to "
        f"{LOG_FILE} in its folder, and `dandiops sandbox stop` ends it."
    )
    timeout: int = option("With --detach: how long to wait for the server to be ready.", default=600, min=1)
    # --detach makes the temporary folder (its log goes there) and hands it to the server to remove
    remove_workdir: bool = flag(None, hidden=True)

    @property
    def env_path(self) -> "Path":
        from pathlib import Path

        return Path(self.env_file)

    def folder(self) -> "Path":
        """--workdir, or a new temporary folder."""
        import tempfile
        from pathlib import Path

        return Path(self.workdir) if self.workdir else Path(tempfile.mkdtemp(prefix="dandiops-sandbox-"))


@command(app, "serve")
def serve(options: ServeOptions) -> None:
    """Run the stand-ins until Ctrl-C, SIGTERM or `dandiops sandbox stop`; with --detach, in the background.

    Writes ENV_FILE with every endpoint and token a client needs, DANDIOPS_CONFIG pointing at a
    generated dandiops.toml (environments staging and production), and DANDIOPS_SANDBOX_ANSWERS
    with the secrets for `dandiops init -e ENV --non-interactive --answers $DANDIOPS_SANDBOX_ANSWERS`,
    and ENV_FILE.pid with the server's process id, then prints one line. Without --empty it holds a
    running clone for day-two commands, with users waiting for approval. Use it with
    `set -a; . .env.sandbox; set +a` and then any dandiops command. When it stops, it removes
    ENV_FILE.pid, and ENV_FILE and its temporary folder (which holds the rendezvous CA's private key)
    unless --keep is given; a --workdir folder is left as it is.
    """

    from dandiops.core.errors import ConflictError
    from dandiops.sandbox.background import running_server

    app_dirs = _parse_app_dirs(options.app_dir)
    env_path = options.env_path
    _check_paths(env_path, options.workdir)
    running = running_server(env_path)
    if running is not None:
        raise ConflictError(
            f"a sandbox is already running for {env_path} (pid {running})",
            hint=f"use it, stop it first (`{_stop_command(env_path)}`), or give --env-file another file",
        )
    if options.detach:
        _serve_detached(options, app_dirs)
        return
    _serve(options, app_dirs)


def _check_paths(env_path: "Path", workdir: str | None) -> None:
    """Where the server writes, checked before anything starts."""
    from pathlib import Path

    from dandiops.core.errors import UsageError

    if env_path.is_dir():
        raise UsageError(f"--env-file {env_path} is a folder", hint="name a file, e.g. --env-file .env.sandbox")
    if not env_path.parent.is_dir():
        raise UsageError(
            f"--env-file {env_path}: the folder {env_path.parent} does not exist",
            hint="create it, or name another file",
        )
    if workdir is not None and Path(workdir).exists() and not Path(workdir).is_dir():
        raise UsageError(f"--workdir {workdir} is a file", hint="name a folder (it is made if missing)")


def _serve(options: ServeOptions, app_dirs: dict[str, str]) -> None:
    import os
    import shutil
    import signal
    import threading

    from dandiops.sandbox.background import pid_file_for, write_pid_file

    build_sandbox = _sandbox_builder()
    env_path = options.env_path
    folder = options.folder()
    temporary = options.workdir is None or options.remove_workdir
    stop = threading.Event()
    ready = threading.Event()

    def on_signal(signum, frame):  # noqa: ARG001 - signal handler signature
        stop.set()
        if not ready.is_set():
            raise KeyboardInterrupt  # abandons the start (building the clone takes a while); cleanup follows

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        try:
            sandbox = build_sandbox(folder, empty=options.empty, app_dirs=app_dirs)
            sandbox.start()
        except Exception:
            if stop.is_set():  # the signal's interrupt, as what it interrupted reported it (init: a failed step)
                raise KeyboardInterrupt from None
            raise
        try:
            sandbox.write_env_file(env_path)
            write_pid_file(env_path, os.getpid())
            ready.set()
            typer.echo(f"sandbox ready: env file {env_path.resolve()} (Ctrl-C to stop)", err=True)
            while not stop.wait(0.5):
                pass
        finally:
            sandbox.stop()
    finally:
        # The pid file says a server runs; what else it leaves points at addresses nobody serves any
        # more, and the folder holds a CA's private key.
        pid_file_for(env_path).unlink(missing_ok=True)
        if not options.keep:
            env_path.unlink(missing_ok=True)
            if temporary:
                shutil.rmtree(folder, ignore_errors=True)
    if options.keep:
        typer.echo(f"sandbox stopped; its files are in {folder}, its env file is {env_path.resolve()}", err=True)
    else:
        typer.echo("sandbox stopped", err=True)


def _sandbox_builder():
    """full.build_sandbox, or a ConfigError naming what an installation without the sandbox extra lacks."""
    from dandiops.core.errors import ConfigError

    try:
        from dandiops.sandbox.full import build_sandbox
    except ImportError as exc:
        raise ConfigError(
            f"the sandbox needs packages this installation lacks ({exc.name})",
            hint="install them with `pip install 'dandiops[sandbox]'`",
        ) from None
    return build_sandbox


def _serve_detached(options: ServeOptions, app_dirs: dict[str, str]) -> None:
    import shlex

    from dandiops.sandbox.background import start_detached

    _refuse_on_windows("--detach")
    env_path = options.env_path
    folder = options.folder().resolve()
    arguments = ["sandbox", "serve", "--env-file", str(env_path.resolve()), "--workdir", str(folder)]
    arguments += ["--remove-workdir"] if options.workdir is None else []
    arguments += ["--keep"] if options.keep else []
    arguments += ["--empty"] if options.empty else []
    for name, path in app_dirs.items():
        arguments += ["--app-dir", f"{name}={path}"]
    typer.echo(
        "starting the sandbox in the background"
        + ("" if options.empty else " (it builds the running clone with `dandiops init` first: about a minute)")
        + "...",
        err=True,
    )
    started = start_detached(arguments, env_path=env_path, folder=folder, timeout=options.timeout)
    shown = shlex.quote(str(env_path) if env_path.is_absolute() else f"./{env_path}")
    typer.echo(
        f"sandbox ready: env file {env_path.resolve()}, server pid {started.pid}, log {started.log}\n"
        f"use it:  set -a; . {shown}; set +a\n"
        f"stop it: {_stop_command(env_path)}",
        err=True,
    )


def _stop_command(env_path: "Path") -> str:
    import shlex

    default = str(env_path) == DEFAULT_ENV_FILE
    return "dandiops sandbox stop" + ("" if default else f" --env-file {shlex.quote(str(env_path))}")


def _refuse_on_windows(what: str) -> None:
    import os

    from dandiops.core.errors import UsageError

    if os.name == "nt":
        raise UsageError(
            f"{what} needs POSIX process sessions and signals, which Windows lacks",
            hint="run `dandiops sandbox serve` in a terminal of its own and stop it with Ctrl-C",
        )


@command(app, "stop")
def stop(
    env_file: Annotated[
        str, typer.Option("--env-file", help="The env file of the sandbox to stop, as given to `serve`.")
    ] = DEFAULT_ENV_FILE,
    timeout: Annotated[
        int, typer.Option("--timeout", min=1, help="How long to wait for the server to exit after SIGTERM.")
    ] = 60,
) -> None:
    """Stop the `dandiops sandbox serve` running for ENV_FILE (detached or not) and wait until it has exited.

    It finds the server's process id in ENV_FILE.pid, sends it SIGTERM and waits: the server removes
    ENV_FILE and its temporary folder as it stops (unless it was started with --keep). With no server
    running for ENV_FILE it says so and exits 0. A pid file naming a process that is not a dandiops
    sandbox is refused (exit 3): nothing is signalled.
    """
    from pathlib import Path

    from dandiops.sandbox.background import stop_server

    _refuse_on_windows("`sandbox stop`")
    env_path = Path(env_file)
    stopped = stop_server(env_path, timeout=timeout)
    if stopped.pid is None:
        typer.echo(f"no sandbox is running for {env_path}: nothing to stop", err=True)
    elif stopped.stale:
        typer.echo(
            f"no sandbox is running for {env_path}: its server (pid {stopped.pid}) had already exited; "
            "removed its pid file",
            err=True,
        )
    elif env_path.exists():
        typer.echo(f"sandbox stopped (pid {stopped.pid}); it was started with --keep: {env_path} stays", err=True)
    else:
        typer.echo(f"sandbox stopped (pid {stopped.pid}); {env_path} removed", err=True)


@command(app, "demo")
def demo(
    workdir: Annotated[
        Optional[str],
        typer.Option(
            "--workdir", help="Keep the sandbox's files here (default: a temporary folder, removed afterwards)."
        ),
    ] = None,
) -> None:
    """Rehearse the runbook offline: `init` in an empty sandbox with bundled answers, then `status`.

    Starts every stand-in in this process (Heroku, GitHub, AWS through moto, one-off dynos running a
    miniature archive) in the empty world: no Heroku apps, no AWS resources, an unmodified fork.
    Runs `dandiops -e staging init --non-interactive --yes` with the answers file that ships with
    dandiops (DANDIOPS_SANDBOX_ANSWERS), which ends with the table of `dandiops verify`'s checks,
    shows `dandiops -e staging status`, then runs init again:
    a finished deployment gets no writes, or the demo fails. Needs no account anywhere.
    """
    import shutil
    import tempfile
    import time
    from pathlib import Path

    from dandiops.core.errors import ExitCode

    build_sandbox = _sandbox_builder()
    from dandiops.cli.main import app as root_app
    from dandiops.sandbox.demo import DEMO_ENV, demo_environment, demo_init_arguments, quiet_rerun

    folder = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="dandiops-demo-"))
    typer.echo("starting the sandbox (Heroku, GitHub and AWS stand-ins on 127.0.0.1)...", err=True)
    sandbox = build_sandbox(folder, empty=True)
    sandbox.start()
    rewritten = 0
    try:
        with demo_environment(sandbox) as environ:
            arguments, shown = demo_init_arguments(environ)
            typer.echo(f"\n$ dandiops {shown}", err=True)
            started = time.monotonic()
            code = (
                root_app(
                    arguments,
                    prog_name="dandiops",
                    standalone_mode=False,
                )
                or 0
            )
            first = time.monotonic() - started
            typer.echo(f"(init took {first:.1f} s)", err=True)
            typer.echo(f"\n$ dandiops -e {DEMO_ENV} status", err=True)
            status_code = root_app(["-e", DEMO_ENV, "status"], prog_name="dandiops", standalone_mode=False) or 0
            if code == 0:
                rerun = quiet_rerun(sandbox, arguments[-1])
                rewritten = rerun.writes
                typer.echo(
                    f"\nre-ran init on the finished deployment: {plural(rerun.writes, 'write request')} to "
                    f"Heroku, GitHub and AWS, {rerun.seconds:.2f} s",
                    err=True,
                )
    finally:
        sandbox.stop()
        if workdir is None:
            shutil.rmtree(folder, ignore_errors=True)
    if workdir:
        typer.echo(f"sandbox files (dandiops.toml, init state, audit log) are in {folder}", err=True)
    if rewritten:
        typer.echo("a re-run of init on a finished deployment must write nothing", err=True)
    raise typer.Exit(int(code or status_code or (ExitCode.FAILURE if rewritten else 0)))
