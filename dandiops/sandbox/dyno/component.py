"""The sandbox component for one-off dynos: the rendezvous listener, the runner and their routes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dandiops.sandbox.dyno import database
from dandiops.sandbox.dyno.rendezvous import RendezvousListener
from dandiops.sandbox.dyno.routes import dyno_routes
from dandiops.sandbox.dyno.runner import OneOffRunner

if TYPE_CHECKING:
    from dandiops.sandbox.runtime import Sandbox

CA_FILE_VAR = "DANDIOPS_RENDEZVOUS_CA_FILE"


class DynoComponent:
    def __init__(self) -> None:
        self.listener: RendezvousListener | None = None
        self.runner: OneOffRunner | None = None

    @property
    def heroku_extension(self):
        """Add to the Heroku stand-in's extensions; the routes find the runner once started."""
        return dyno_routes(self._runner)

    def _runner(self) -> OneOffRunner:
        if self.runner is None:
            raise RuntimeError("the dyno component has not been started")
        return self.runner

    def start(self, sandbox: "Sandbox") -> None:
        self.listener = RendezvousListener(sandbox.workdir / "rendezvous").start()
        self.runner = OneOffRunner(sandbox.heroku.state, self.listener, sandbox.workdir)

    def stop(self) -> None:
        if self.runner:
            self.runner.close()
        if self.listener:
            self.listener.stop()

    def halt(self) -> None:
        if self.runner:
            self.runner.close()

    def snapshot(self) -> None:
        return None  # nothing of it lasts beyond a dyno: the apps' databases are files of the workdir

    def restore(self, sandbox: "Sandbox", snapshot: None) -> None:
        """A new runner and listener state; the apps' databases are as the sandbox's restore left them."""
        assert self.listener is not None, "the dyno component has not been started"
        self.listener.reset()
        self.runner = OneOffRunner(sandbox.heroku.state, self.listener, sandbox.workdir)
        database.forget(sandbox.heroku.state.apps.values())

    def environment(self) -> dict[str, str]:
        assert self.listener is not None
        # dandiops and the official Heroku CLI (`heroku run`, through Node's extra CAs) trust the listener.
        return {CA_FILE_VAR: str(self.listener.cert_path), "NODE_EXTRA_CA_CERTS": str(self.listener.cert_path)}

    def environment_settings(self, env_name: str) -> dict[str, Any]:
        return {}
