"""`dandiops init`: the whole runbook as a resumable wizard of reusable steps."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from dandiops.cli.common import DryRunOption, EnvOption, JsonOption, YesOption, get_context


def register(root: typer.Typer) -> None:
    root.command("init")(init)


def init(
    ctx: typer.Context,
    env: EnvOption = None,
    answers: Annotated[Optional[str], typer.Option(
        "--answers", help="YAML or TOML file of answers (never secrets: those come from the environment).")] = None,
    only: Annotated[Optional[list[str]], typer.Option(
        "--only", help="Run only this step (repeatable, or comma-separated).", metavar="STEP")] = None,
    start: Annotated[Optional[str], typer.Option(
        "--from", help="Run this step and every step after it.", metavar="STEP")] = None,
    non_interactive: Annotated[bool, typer.Option(
        "--non-interactive", help="Never prompt: a missing answer is an error naming it.")] = False,
    state_file: Annotated[Optional[str], typer.Option(
        "--state-file", help="Where answers and confirmations are kept between runs "
                             "(default: .dandiops/init-ENV.json beside dandiops.toml).")] = None,
    recheck: Annotated[Optional[list[str]], typer.Option(
        "--recheck", help="Check cachetable, superuser or auth again with a one-off dyno instead of trusting the "
                          "state file (repeatable).", metavar="STEP")] = None,
    dry_run: DryRunOption = False,
    yes: YesOption = False,
    json_output: JsonOption = False,
) -> None:
    """Check every runbook step and make what is missing; re-running on a finished deployment changes nothing.

    Steps, in order: credentials, infrastructure, aws, config-vars, hosts, formation, cachetable, superuser,
    backups, github-secrets, email-alerts, heroku-access, netlify-site, github-oauth-app, auth.

    Answers come from --answers, then from earlier runs (the state file), then from prompts; secrets from the
    environment or a hidden prompt. Ctrl-C keeps what was answered: run init again to go on from there.

    Exit 0 when every step is done, 6 when some still need attention, 2 for a missing answer or bad input.
    """
    import dataclasses

    from dandiops.core.errors import ExitCode
    from dandiops.wizard.init import run_init, state_path_for
    from dandiops.wizard.prompter import Interrupted

    context = get_context(ctx, env=env, json_mode=json_output, yes=yes)
    if non_interactive:
        # as if nobody were at the keyboard: prompts and production confirmations become errors
        context.terminal = dataclasses.replace(context.terminal, stdin_tty=False)
    reporter = context.reporter
    try:
        result = run_init(context, answers_file=answers, only=only or (), start=start, dry_run=dry_run,
                          interactive=context.terminal.interactive, state_file=state_file, recheck=recheck or ())
    except Interrupted:
        raise Interrupted("interrupted at a prompt",
                          hint=f"the answers given so far are kept in {state_path_for(context, state_file)}; "
                               "run `dandiops init` again to go on from there") from None
    if result.resumed_from and not dry_run:
        reporter.info(f"resumed: the previous init stopped at {result.resumed_from}; its answers were kept")
    data = {"environment": context.env.name, "app": context.env.heroku_app,
            "state_file": str(state_path_for(context, state_file)), **result.to_dict()}
    reporter.result(data, lambda: render(reporter, result))
    if result.error is not None:
        raise result.error
    if dry_run:
        reporter.info("dry run: nothing was changed")
        return
    incomplete = result.incomplete
    if incomplete:
        reporter.warn(f"{len(incomplete)} step(s) still need attention: {', '.join(o.name for o in incomplete)}")
        raise typer.Exit(int(ExitCode.CHECK_FAILED))
    if result.not_selected:
        ran = ", ".join(o.name for o in result.outcomes)
        reporter.success(f"done on {context.env.name} ({context.env.heroku_app}): {ran}")
        reporter.info(f"not run ({len(result.not_selected)} of {len(result.outcomes) + len(result.not_selected)} "
                      f"steps): {', '.join(result.not_selected)}; run `dandiops init -e {context.env.name}` "
                      "to check them all")
        return
    reporter.success(f"{context.env.name} ({context.env.heroku_app}) is set up")


def render(reporter, result) -> None:
    if result.dry_run:
        rows = []
        for outcome in result.outcomes:
            if outcome.changes:
                for index, change in enumerate(outcome.changes):
                    rows.append((outcome.name if index == 0 else "", outcome.status.value if index == 0 else "",
                                 change.describe()))
            else:
                rows.append((outcome.name, outcome.status.value, outcome.detail))
        reporter.table(["step", "status", "plan"], rows, title="Plan (dry run: nothing is changed)")
        return
    reporter.table(["step", "status", "detail"], [(o.name, o.status.value, o.detail) for o in result.outcomes],
                   title="Summary")
