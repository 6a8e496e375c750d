"""`dandiops sandbox`: the local stand-ins, for rehearsing the runbook offline."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

app = typer.Typer(help="Run local stand-ins for Heroku, GitHub and AWS to rehearse the runbook offline.",
                  no_args_is_help=True)


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


@app.command("serve")
def serve(
    env_file: Annotated[str, typer.Option("--env-file", help="Where to write the KEY=VALUE file clients need.")]
    = ".env.sandbox",
    workdir: Annotated[Optional[str], typer.Option("--workdir", help="Folder for the sandbox's state "
                                                   "(default: a new temporary folder).")] = None,
    app_dir: Annotated[Optional[list[str]], typer.Option(
        "--app-dir", help="APP=PATH: run APP's dynos in PATH (a real archive checkout) instead of the "
                          "miniature archive; repeatable.")] = None,
) -> None:
    """Run the stand-ins in the foreground until Ctrl-C or SIGTERM.

    Writes ENV_FILE with every endpoint and token a client needs and DANDIOPS_CONFIG pointing at a
    generated dandiops.toml (environments staging and production), then prints one line.
    Use it with `set -a; . .env.sandbox; set +a` and then any dandiops command.
    """
    import signal
    import tempfile
    import threading
    from pathlib import Path

    from dandiops.sandbox.full import build_sandbox

    app_dirs = _parse_app_dirs(app_dir)
    folder = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="dandiops-sandbox-"))
    stop = threading.Event()

    def on_signal(signum, frame):  # noqa: ARG001 - signal handler signature
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    sandbox = build_sandbox(folder, app_dirs=app_dirs)
    sandbox.start()
    try:
        path = sandbox.write_env_file(env_file)
        typer.echo(f"sandbox ready: env file {path.resolve()} (Ctrl-C to stop)", err=True)
        while not stop.wait(0.5):
            pass
    finally:
        sandbox.stop()
    typer.echo("sandbox stopped", err=True)
