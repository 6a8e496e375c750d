"""`init` as a library call: load the answers and the state, assemble the steps, run the engine."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from dandiops.app.questions import Answers
from dandiops.wizard.answers import load_answers_file
from dandiops.wizard.engine import Wizard, WizardResult, select_steps, validate_selection
from dandiops.wizard.state import InitState, default_state_path
from dandiops.wizard.steps import REMEMBERED_STEPS, STEP_NAMES, build_steps

if TYPE_CHECKING:
    from dandiops.app.context import Context


def state_path_for(ctx: "Context", explicit: str | Path | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    return default_state_path(ctx.settings.root, ctx.env.name)


def check_state_file_option(path: Path, env_name: str) -> None:
    """--state-file must name a file that is, or can become, a file: a UsageError before anything runs."""
    from dandiops.core.errors import UsageError

    example = f"--state-file {path / f'init-{env_name}.json'}"
    if path.is_dir():
        raise UsageError(f"--state-file {path} is a folder", hint=f"name a file, e.g. {example}")
    folder = next((p for p in path.parents if p.exists()), None)
    if folder is not None and not folder.is_dir():
        raise UsageError(
            f"--state-file {path}: {folder} is a file, not a folder",
            hint="name a file in an existing folder, or in one dandiops can create",
        )


def run_init(
    ctx: "Context",
    *,
    answers_file: str | Path | None = None,
    only: Sequence[str] = (),
    start: str | None = None,
    dry_run: bool = False,
    interactive: bool | None = None,
    state_file: str | Path | None = None,
    recheck: Sequence[str] = (),
    verify: bool = False,
) -> WizardResult:
    """Run the runbook's steps for ctx.env, then, with `verify`, verify's checks of the clone (see
    wizard/verification.py). Raises UsageError for bad input before anything runs."""
    from dandiops.core.errors import UsageError

    for name in recheck:
        if name not in REMEMBERED_STEPS:
            raise UsageError(
                f"--recheck {name}: only {', '.join(REMEMBERED_STEPS)} are remembered between runs",
                hint="other steps are checked on every run",
            )
    validate_selection(STEP_NAMES, only, start)
    file_answers = load_answers_file(answers_file) if answers_file else {}
    env = ctx.env  # fails early, with the config error, when the environment is not defined
    if state_file:
        check_state_file_option(state_path_for(ctx, state_file), env.name)
    state = InitState.load(
        state_path_for(ctx, state_file), environment=env.name, app=env.heroku_app, secrets=ctx.secret_registry
    )
    if interactive is None:
        interactive = ctx.terminal.interactive
    answers = Answers(
        ctx,
        store=state,
        file_answers=file_answers,
        interactive=interactive,
        dry_run=dry_run,
        source=f"answers file {answers_file}" if answers_file else "the answers file",
    )
    every_step = build_steps(ctx, answers)
    steps = select_steps(every_step, only, start)
    writes_before = ctx.writes.total
    deploy_step = next((step for step in every_step if step.deploys), None)
    result = Wizard(ctx, steps, answers, state, dry_run=dry_run, recheck=recheck, deploy_step=deploy_step).run()
    result.writes = ctx.writes.total - writes_before
    result.env_name = env.name
    selected = {step.name for step in steps}
    result.not_selected = [step.name for step in every_step if step.name not in selected]
    if verify:
        from dandiops.wizard.verification import verify_after_init

        result.verification = verify_after_init(ctx, result, answers)
    return result
