"""The GitHub stand-in as a sandbox component: a fork of dandi-archive whose deploy workflows release
to the Heroku stand-in's apps.

Environment knobs for `dandiops sandbox serve`:
- DANDIOPS_SANDBOX_STAGING_DISPATCH=1: the staging workflow also declares workflow_dispatch
  (upstream deploys staging on push to master only).
- DANDIOPS_SANDBOX_STEP_SECONDS / DANDIOPS_SANDBOX_QUEUE_SECONDS: how long each workflow step takes
  and how long a run stays queued (defaults 1.5 s and 2 s).
"""

from __future__ import annotations

import os
import secrets as random_secrets
from typing import TYPE_CHECKING, Any

from dandiops.core.names import seconds_from
from dandiops.sandbox.github import actions, seed
from dandiops.sandbox.github.api import create_app
from dandiops.sandbox.github.state import GitHubState, Repo, RunPace, Snapshot
from dandiops.sandbox.server import ServerThread

if TYPE_CHECKING:
    from dandiops.sandbox.runtime import Sandbox

WORKFLOWS = {"staging": seed.STAGING_WORKFLOW, "production": seed.PRODUCTION_WORKFLOW}


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


class GitHubComponent:
    def __init__(self, *, staging_dispatch: bool | None = None, pace: RunPace | None = None):
        self.token = "ghp_sandbox" + random_secrets.token_hex(16)
        self.staging_dispatch = (
            _flag("DANDIOPS_SANDBOX_STAGING_DISPATCH") if staging_dispatch is None else staging_dispatch
        )
        self.state = GitHubState(
            self.token,
            pace=pace
            or RunPace(
                queue_seconds=seconds_from(os.environ, "DANDIOPS_SANDBOX_QUEUE_SECONDS", 2.0, allow_zero=True),
                step_seconds=seconds_from(os.environ, "DANDIOPS_SANDBOX_STEP_SECONDS", 1.5, allow_zero=True),
            ),
        )
        self.server: ServerThread | None = None
        self.repo: Repo | None = None
        self.deploys: actions.HerokuDeploys | None = None
        self._apps: dict[str, str] = {}

    def start(self, sandbox: "Sandbox") -> None:
        self._seed(sandbox)
        self._run_workflows(sandbox)
        self.server = ServerThread(create_app(self.state)).start()
        self.state.start()

    def _seed(self, sandbox: "Sandbox") -> None:
        """The fork as a fresh sandbox has it: unmodified in the empty world, else prepared and deployed."""
        import dataclasses

        from dandiops.archive.auth import DEFAULT_OAUTH_CLIENT_ID
        from dandiops.archive.fork import target_for
        from dandiops.core.settings import Environment

        heroku = sandbox.heroku
        keys = {f.name for f in dataclasses.fields(Environment)}
        targets = []
        for env_name in sandbox.ENVIRONMENTS:
            self._apps[env_name] = heroku.environment_settings(env_name)["heroku_app"]
            settings = {**heroku.environment_settings(env_name), **self.environment_settings(env_name)}
            env = Environment(name=env_name, **{key: value for key, value in settings.items() if key in keys})
            # the archive's OAuth application keeps the client id its migration gives it (demo-answers.yaml's)
            targets.append(target_for(env, oauth_client_id=DEFAULT_OAUTH_CLIENT_ID))
        secrets = {
            "HEROKU_API_KEY": heroku.api_key,
            "HEROKU_EMAIL": heroku.state.account_email,
            "GH_TOKEN": self.token,
        }
        if not sandbox.seeded:
            seed.unmodified_fork(self.state)
        else:
            seed.seed(self.state, targets=targets, secrets=secrets)

    def _run_workflows(self, sandbox: "Sandbox") -> None:
        """What the fork's workflow steps do from now on (the seed's history was deployed before)."""
        self.repo = self.state.find_repo(seed.OWNER, seed.NAME)
        self.deploys = actions.HerokuDeploys(sandbox.heroku.state)
        self.state.step_effects += [
            actions.checkout,
            self.deploys,
            actions.reset_release_branch,
            actions.auto_shipit,
        ]

    def stop(self) -> None:
        self.state.stop()
        if self.deploys is not None:
            self.deploys.wait()  # a release phase already running finishes: none of its processes outlives the sandbox
        if self.server:
            self.server.stop()
        self.state.close()

    def halt(self) -> None:
        self.state.stop()
        if self.deploys is not None:
            self.deploys.wait()  # a release phase already running finishes; none starts any more

    def snapshot(self) -> Snapshot:
        """The repositories (their git history, pull requests, releases, secrets, runs) as they are now."""
        return self.state.snapshot()

    def restore(self, sandbox: "Sandbox", snapshot: Snapshot) -> None:
        """The repositories as `snapshot` saw them; no run in progress, requests, faults or scripts."""
        self.state.reset()
        self.state.restore(snapshot)
        self._run_workflows(sandbox)
        self.state.start()

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url

    def environment(self) -> dict[str, str]:
        return {"DANDIOPS_GITHUB_API_URL": self.url, "GITHUB_TOKEN": self.token}

    def init_environment(self) -> dict[str, str]:
        """The token `init` stores as the fork's GH_TOKEN secret: one that can push to the fork."""
        return {"DANDIOPS_FORK_GH_TOKEN": self.token}

    def environment_settings(self, env_name: str) -> dict[str, Any]:
        settings: dict[str, Any] = {"github_repo": seed.FULL_NAME, "branch": "master"}
        if env_name in WORKFLOWS:
            settings["workflow"] = WORKFLOWS[env_name].rsplit("/", 1)[-1]
        if env_name == "staging" and self.staging_dispatch:
            settings["workflow_dispatch"] = True  # what the fork step keeps in the staging workflow
        return settings
