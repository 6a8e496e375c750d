"""`dandiops sandbox`: the local stand-ins, for rehearsing the runbook offline."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from dandiops.cli.common import examples
from dandiops.core.words import plural

app = typer.Typer(
    help="Run local stand-ins for Heroku, GitHub and AWS to rehearse the runbook offline.",
    no_args_is_help=True,
    epilog=examples(
        ("The whole runbook against the stand-ins, in one command", "dandiops sandbox demo"),
        ("Serve the stand-ins for other commands, until Ctrl-C", "dandiops sandbox serve"),
    ),
)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="sandbox")


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


@app.command(
    "serve",
    epilog=examples(
        ("Serve until Ctrl-C; then, in another shell: set -a; . ./.env.sandbox", "dandiops sandbox serve"),
        ("Keep the sandbox's state in a folder of your choice", "dandiops sandbox serve --workdir sandbox-state"),
        (
            "Run staging's dynos in your own archive checkout",
            "dandiops sandbox serve --app-dir dandi-sandbox-api-staging=../dandi",
        ),
    ),
)
def serve(
    env_file: Annotated[
        str, typer.Option("--env-file", help="Where to write the KEY=VALUE file clients need.")
    ] = ".env.sandbox",
    workdir: Annotated[
        Optional[str],
        typer.Option(
            "--workdir",
            help="Folder for the sandbox's state, kept when it stops (default: a new temporary folder, removed "
            "when it stops).",
        ),
    ] = None,
    keep: Annotated[
        bool,
        typer.Option("--keep", help="Leave the temporary folder and the env file behind when the sandbox stops."),
    ] = False,
    empty: Annotated[
        bool,
        typer.Option(
            "--empty",
            help="Start where an operator starts: a Heroku team with no apps, an empty AWS account, an "
            "unmodified fork of dandi-archive (for `dandiops init`).",
        ),
    ] = False,
    app_dir: Annotated[
        Optional[list[str]],
        typer.Option(
            "--app-dir",
            help="APP=PATH: run APP's dynos in PATH (a real archive checkout) instead of the "
            "miniature archive; repeatable.",
        ),
    ] = None,
) -> None:
    """Run the stand-ins in the foreground until Ctrl-C or SIGTERM.

    Writes ENV_FILE with every endpoint and token a client needs, DANDIOPS_CONFIG pointing at a
    generated dandiops.toml (environments staging and production), and DANDIOPS_SANDBOX_ANSWERS
    with the secrets for `dandiops init -e ENV --non-interactive --answers $DANDIOPS_SANDBOX_ANSWERS`,
    then prints one line. Without --empty it holds a running clone for day-two commands.
    Use it with `set -a; . .env.sandbox; set +a` and then any dandiops command. When it stops, it
    removes ENV_FILE and its temporary folder (which holds the rendezvous CA's private key) unless
    --keep is given; a --workdir folder is left as it is.
    """
    import shutil
    import signal
    import tempfile
    import threading
    from pathlib import Path

    from dandiops.sandbox.full import build_sandbox

    app_dirs = _parse_app_dirs(app_dir)
    folder = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="dandiops-sandbox-"))
    env_path = Path(env_file)
    stop = threading.Event()

    def on_signal(signum, frame):  # noqa: ARG001 - signal handler signature
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        sandbox = build_sandbox(folder, empty=empty, app_dirs=app_dirs)
        sandbox.start()
        try:
            sandbox.write_env_file(env_path)
            typer.echo(f"sandbox ready: env file {env_path.resolve()} (Ctrl-C to stop)", err=True)
            while not stop.wait(0.5):
                pass
        finally:
            sandbox.stop()
    finally:
        # What it leaves points at addresses nobody serves any more, and the folder holds a CA's private key.
        if not keep:
            env_path.unlink(missing_ok=True)
            if workdir is None:
                shutil.rmtree(folder, ignore_errors=True)
    if keep:
        typer.echo(f"sandbox stopped; its files are in {folder}, its env file is {env_path.resolve()}", err=True)
    else:
        typer.echo("sandbox stopped", err=True)


@app.command(
    "demo",
    epilog=examples(
        ("Rehearse the runbook in a temporary folder", "dandiops sandbox demo"),
        ("Keep the sandbox's files afterwards, to look at them", "dandiops sandbox demo --workdir demo"),
    ),
)
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
    dandiops (DANDIOPS_SANDBOX_ANSWERS), shows `dandiops -e staging status`, then runs init again:
    a finished deployment gets no writes, or the demo fails. Needs no account anywhere.
    """
    import shutil
    import tempfile
    import time
    from pathlib import Path

    from dandiops.core.errors import ConfigError, ExitCode

    try:
        from dandiops.sandbox.demo import DEMO_ENV, demo_environment, demo_init_arguments, quiet_rerun
        from dandiops.sandbox.full import build_sandbox
    except ImportError as exc:
        raise ConfigError(
            f"the sandbox needs packages this installation lacks ({exc.name})",
            hint="install them with `pip install 'dandiops[sandbox]'`",
        ) from None
    from dandiops.cli.main import app as root_app

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
