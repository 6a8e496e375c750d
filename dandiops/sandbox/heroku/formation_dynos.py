"""Formation dynos: the dynos an app's formation runs (web.1, worker.1, ...), listed beside its one-off dynos.

An app has them once its current release carries a slug (a deploy built one): one per unit of each
process type's quantity, of the formation's size, running that release. They start anew on every
new release, on a restart, on a stop (in Heroku's Common Runtime a stopped formation dyno is started
again; scaling down is how one goes away) and on a change of size or command; scaling adds or
removes them. A process type with a ProcessRunner on the app (the web router, for `web`) has its
dynos' states reported from a real process: starting until it serves, up while it runs, crashed
when it exits. Every other process type is modelled: its dynos are up at once, with no process
(the archive's celery workers would need a broker the sandbox does not have).

Every change is logged as Heroku's dyno manager logs it (`heroku[worker.1]: State changed from
starting to up`).
"""

from __future__ import annotations

from typing import Iterable

from dandiops.sandbox.heroku.state import App, Dyno, Formation, HerokuState, Release, now

STOPPED_BY_SIGTERM = 143  # how Heroku reports the exit of a process it stopped


def of(app: App, process_type: str | None = None) -> list[Dyno]:
    """The app's formation dynos (of one process type), by name (callers hold the state's lock)."""
    dynos = [d for d in app.dynos.values() if d.formation and process_type in (None, d.type)]
    return sorted(dynos, key=lambda d: (d.type, _number(d)))


def running_release(app: App) -> Release | None:
    """The release formation dynos run: the current one, if it has a slug to run."""
    release = app.current_release
    return release if release is not None and release.slug_id else None


def sync(state: HerokuState, app: App, *, restart: Iterable[str] = (), announce: str | None = None) -> None:
    """Bring the app's formation dynos in line with its formation and current release.

    The dynos named in `restart` start anew even when nothing about them changed, each logging
    `announce` first (Heroku's "Restarting"). Process runners hear about every process type whose
    dynos changed once the state's lock is let go, so that they may take their own locks.
    """
    restart = set(restart)
    with state.lock:
        release = running_release(app)
        wanted = {f.type: f for f in app.formation.values() if f.quantity > 0} if release else {}
        restarted: set[str] = set()  # process types of which a dyno started anew
        joined: set[str] = set()  # process types that gained a dyno
        emptied: set[str] = set()  # process types left without a dyno
        for dyno in of(app):
            item = wanted.get(dyno.type)
            if item is None or _number(dyno) > item.quantity:
                _stop(state, app, dyno, then="down")
                del app.dynos[dyno.name]
                if item is None:
                    emptied.add(dyno.type)
            elif dyno.name in restart or _differs(dyno, item, release):
                if dyno.name in restart and announce:
                    _log(state, app, dyno, announce)
                _stop(state, app, dyno, then="starting")
                _start(state, app, item, _number(dyno), release)
                restarted.add(dyno.type)
        for item in wanted.values():
            for number in range(1, item.quantity + 1):
                if f"{item.type}.{number}" not in app.dynos:
                    _start(state, app, item, number, release)
                    joined.add(item.type)
        calls = []
        for process_type in sorted(restarted | joined | emptied):
            runner = app.process_runners.get(process_type)
            if runner is None:
                set_state(state, app, of(app, process_type), "up")  # modelled: nothing to wait for
            else:
                calls.append((runner, process_type, process_type in restarted))
    for runner, process_type, restarting in calls:
        with state.lock:
            dynos = of(app, process_type)
        runner.run(app, dynos, restart=restarting)


def restart(state: HerokuState, app: App, names: Iterable[str] | None = None) -> None:
    """Restart the named formation dynos (all of them when `names` is None)."""
    with state.lock:
        chosen = [d.name for d in of(app)] if names is None else list(names)
    sync(state, app, restart=chosen, announce="Restarting")


def stop(state: HerokuState, app: App, names: Iterable[str]) -> None:
    """Stop the named formation dynos; the dyno manager starts them again, as Heroku's Common Runtime does."""
    sync(state, app, restart=names)


def set_state(state: HerokuState, app: App, dynos: Iterable[Dyno], new_state: str, *, before: str = "") -> None:
    """Move those of `dynos` that are still the app's to `new_state`, logging `before` (when given) and the
    change for each, as the dyno manager logs it."""
    with state.lock:
        for dyno in dynos:
            if app.dynos.get(dyno.name) is not dyno:
                continue  # replaced or gone since
            if before:
                _log(state, app, dyno, before)
            if dyno.state != new_state:
                old, dyno.state, dyno.updated_at = dyno.state, new_state, now()
                _log(state, app, dyno, f"State changed from {old} to {new_state}")


def observed(app: App) -> None:
    """A client reads the app's dynos: processes due to start do so now (see ProcessRunner.wake)."""
    for runner in list(app.process_runners.values()):
        runner.wake(app)


def _start(state: HerokuState, app: App, item: Formation, number: int, release: Release) -> None:
    dyno = Dyno(f"{item.type}.{number}", item.type, item.command, item.size, formation=True)
    dyno.release_version, dyno.release_id = release.version, release.id
    app.dynos[dyno.name] = dyno
    _log(state, app, dyno, f"Starting process with command `{dyno.command}`")


def _stop(state: HerokuState, app: App, dyno: Dyno, *, then: str) -> None:
    if dyno.state != then:
        _log(state, app, dyno, f"State changed from {dyno.state} to {then}")
    if dyno.state in ("up", "starting"):  # a crashed dyno has no process left to stop
        _log(state, app, dyno, "Stopping all processes with SIGTERM")
        _log(state, app, dyno, f"Process exited with status {STOPPED_BY_SIGTERM}")


def _differs(dyno: Dyno, item: Formation, release: Release) -> bool:
    return (dyno.release_id, dyno.size, dyno.command) != (release.id, item.size, item.command)


def _number(dyno: Dyno) -> int:
    suffix = dyno.name.rpartition(".")[2]
    return int(suffix) if suffix.isdigit() else 0


def _log(state: HerokuState, app: App, dyno: Dyno, message: str) -> None:
    state.log(app, message, source="heroku", dyno=dyno.name)
