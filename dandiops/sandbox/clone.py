"""The running clone a sandbox holds unless it starts empty: built by `dandiops init` from the empty world.

For each environment, init runs as an operator would run it against a new Heroku team, an empty AWS
account and an unmodified fork (`dandiops -e ENV init --non-interactive --yes --answers
$DANDIOPS_SANDBOX_ANSWERS`, its secrets from Sandbox.init_environment), so what the sandbox holds and
what init builds cannot drift apart. init's state file and audit log stay out of the workdir: the
clone is what the services hold, not what a dandiops run remembers. Workflow runs move at a quick
pace while it builds, and everything they started has finished before the clone goes live: AWS
grants the SES production access init had the operator request, and a few people sign up and wait
for approval (sandbox.signups). Then the sandbox takes its snapshot (see runtime.Sandbox), which
every reset restores.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dandiops.sandbox.runtime import Sandbox
    from dandiops.wizard.engine import WizardResult

BUILD_PACE_SECONDS = 0.02  # each workflow run's time queued and each of its steps, while the clone is built
BUILD_POLL_SECONDS = "0.05"  # how often init looks at a run, a release or a build while the clone is built
SETTLE_SECONDS = 120.0  # how long the runs and builds init started may take to finish


class CloneBuildFailed(RuntimeError):
    """init did not build the sandbox's clone: what stopped it, and where its output is."""


def build_clone(sandbox: "Sandbox") -> None:
    """Run init for every environment of the sandbox, then wait until nothing it started still runs."""
    from dandiops.sandbox.github.component import GitHubComponent
    from dandiops.sandbox.github.state import RunPace

    github = next((c for c in sandbox.components if isinstance(c, GitHubComponent)), None)
    paced = github.state.pace if github is not None else None
    if github is not None:
        github.state.set_pace(RunPace(queue_seconds=BUILD_PACE_SECONDS, step_seconds=BUILD_PACE_SECONDS))
    try:
        with tempfile.TemporaryDirectory(prefix="dandiops-clone-") as folder:
            # init's memory (state files, confirmations beside dandiops.toml, audit log) stays in this folder
            config = Path(folder) / "dandiops.toml"
            shutil.copyfile(sandbox.config_path, config)
            for env_name in sandbox.ENVIRONMENTS:
                _init(sandbox, env_name, config)
        _settle(sandbox)
        _live(sandbox)
    finally:
        if github is not None and paced is not None:
            github.state.set_pace(paced)


def _init(sandbox: "Sandbox", env_name: str, config: Path) -> None:
    from dandiops.app.context import Context
    from dandiops.core.output import Terminal
    from dandiops.sandbox.runtime import ANSWERS_VAR
    from dandiops.wizard.init import run_init
    from dandiops.wizard.prompter import NonInteractivePrompter

    answers = sandbox.init_environment()
    environ = {
        **sandbox.environment(),
        **answers,
        "DANDIOPS_CONFIG": str(config),
        "DANDIOPS_AUDIT_LOG": str(config.parent / "audit.log"),
        "DANDIOPS_GITHUB_WRITE_INTERVAL": "0",
        "DANDIOPS_POLL_INTERVAL": BUILD_POLL_SECONDS,
        "NO_COLOR": "1",
    }
    output = io.StringIO()
    context = Context(
        config_path=str(config),
        env_name=env_name,
        yes=True,
        terminal=Terminal(stdin_tty=False, stdout_tty=False, stderr_tty=False, color=False, ci=True),
        environ=environ,
        prompter=NonInteractivePrompter(),
        stdout=output,
        stderr=output,
    )
    try:
        result = run_init(
            context,
            answers_file=answers[ANSWERS_VAR],
            interactive=False,
        )
    finally:
        context.close()
    stopped = why_not_built(result)
    if stopped is not None:
        raise CloneBuildFailed(
            f"`dandiops -e {env_name} init` did not build the sandbox's clone: {stopped}\n{output.getvalue()}"
        )


def why_not_built(result: "WizardResult") -> str | None:
    """What kept an init from building the clone (its error, else its first step left undone), or None."""
    if result.error is not None:
        return result.error.message
    if result.incomplete:
        first = result.incomplete[0]
        return f"{first.name}: {first.detail}"
    return None


def _settle(sandbox: "Sandbox") -> None:
    """Wait until the workflow runs and release phases init started have finished (it follows its Netlify
    builds to the end itself)."""
    from dandiops.sandbox.github.component import GitHubComponent
    from dandiops.sandbox.github.state import GitHubState

    for component in sandbox.components:
        if isinstance(component, GitHubComponent):
            state = component.state

            def finished_runs(state: GitHubState = state) -> bool:
                return all(run.status == "completed" for repo in state.repos.values() for run in repo.runs.values())

            if not state.wait_for(finished_runs, timeout=SETTLE_SECONDS):
                raise CloneBuildFailed("the workflow runs init started did not finish")
            if component.deploys is not None:
                component.deploys.wait(SETTLE_SECONDS)


def _live(sandbox: "Sandbox") -> None:
    """What happens to the clone once it is live, beyond dandiops: AWS grants the SES production access
    init's `ses-production-access` item had the operator request (the sandbox's answers confirm it),
    and people sign up to each environment and wait for approval."""
    from dandiops.sandbox.aws import AwsComponent
    from dandiops.sandbox.signups import SignUpFailed, sign_up

    for component in sandbox.components:
        if isinstance(component, AwsComponent):
            component.set_ses_production_access(True)
    for env_name in sandbox.ENVIRONMENTS:
        try:
            sign_up(sandbox, env_name)
        except SignUpFailed as exc:
            raise CloneBuildFailed(f"users did not sign up to the sandbox's {env_name} clone: {exc}") from None
