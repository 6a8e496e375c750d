"""`dandiops init`: the whole runbook as a resumable wizard of reusable steps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Optional, Sequence

import typer

from dandiops.cli.change import Mutation, Report
from dandiops.cli.common import ChangeOptions, EnvOption, command, option_groups
from dandiops.core.words import noun, plural

OUTPUT_FORMATS = ("text", "mermaid")


def register(root: typer.Typer) -> None:
    command(root, "init")(init)


# -e leads init's options, as in its synopsis (docs/init.md); the rest of the change group comes last
@option_groups(change=("dry_run", "yes", "json_output"))
def init(
    ctx: typer.Context,
    env: EnvOption = None,
    answers: Annotated[
        Optional[str],
        typer.Option(
            "--answers", help="YAML or TOML file of answers (never secrets: those come from the environment)."
        ),
    ] = None,
    only: Annotated[
        Optional[list[str]],
        typer.Option("--only", help="Run only this step (repeatable, or comma-separated).", metavar="STEP"),
    ] = None,
    start: Annotated[
        Optional[str], typer.Option("--from", help="Run this step and every step after it.", metavar="STEP")
    ] = None,
    non_interactive: Annotated[
        bool, typer.Option("--non-interactive", help="Never prompt: a missing answer is an error naming it.")
    ] = False,
    state_file: Annotated[
        Optional[str],
        typer.Option(
            "--state-file",
            help="Where answers and confirmations are kept between runs "
            "(default: .dandiops/init-ENV.json beside dandiops.toml).",
        ),
    ] = None,
    recheck: Annotated[
        Optional[list[str]],
        typer.Option(
            "--recheck",
            help="Check cachetable, superuser or auth again with a one-off dyno instead of trusting the "
            "state file (repeatable).",
            metavar="STEP",
        ),
    ] = None,
    output_format: Annotated[
        str,
        typer.Option(
            "--format",
            help="text (the default), or mermaid: the clone as a Mermaid diagram, each part marked done, "
            "pending or waiting on you (with --dry-run: nothing changed).",
            metavar="FORMAT",
        ),
    ] = "text",
    *,
    change: ChangeOptions,
) -> None:
    """Check every runbook step and make what is missing; re-running on a finished deployment changes nothing.

    Steps, in order: credentials, infrastructure, aws, config-vars, hosts, domain, release-chain, fork,
    first-deploy, formation, cachetable, superuser, backups, email-alerts, heroku-access, frontend,
    github-oauth-app, auth. Then it runs the checks of `dandiops verify` on the clone (not on a dry run, a
    partial run or after a failure), and ends with what is done, what waits on you (DNS records, apps to
    register) and what to run next.

    Answers come from --answers, then from earlier runs (the state file), then from prompts; secrets from the
    environment or a hidden prompt. Ctrl-C keeps what was answered: run init again to go on from there.

    Exit 0 when every step is done, 6 when some still need attention, 2 for a missing answer or bad input;
    what verify finds never changes it.
    """
    import dataclasses

    from dandiops.core.errors import UsageError

    if output_format not in OUTPUT_FORMATS:
        raise UsageError(f"unknown --format {output_format!r}", hint=f"choose one of: {', '.join(OUTPUT_FORMATS)}")
    if output_format != "text" and change.json_output:
        raise UsageError("--format mermaid and --json both choose the output", hint="pass one of them")
    context = change.context(ctx, env=env)
    if non_interactive:
        # as if nobody were at the keyboard: prompts and production confirmations become errors
        context.terminal = dataclasses.replace(context.terminal, stdin_tty=False)
    change.carry_out(
        context,
        InitRun(
            answers_file=answers,
            only=only or (),
            start=start,
            state_file=state_file,
            recheck=recheck or (),
            output_format=output_format,
        ),
    )


@dataclass(kw_only=True)
class InitRun(Mutation[Any, Any]):
    """The wizard checks, plans and applies step by step, and confirms once before the first step
    that changes something. A dry run checks and plans every step."""

    action = "dandiops init"
    confirms_midway = True

    answers_file: Optional[str]
    only: Sequence[str]
    start: Optional[str]
    state_file: Optional[str]
    recheck: Sequence[str]
    output_format: str = "text"

    def plan(self, context, *, dry_run: bool):
        return self._run(context, dry_run=True) if dry_run else None

    def apply(self, context, plan):
        return self._run(context, dry_run=False)

    def _run(self, context, *, dry_run: bool):
        from dandiops.core.prompting import Interrupted
        from dandiops.wizard.init import run_init, state_path_for

        try:
            return run_init(
                context,
                answers_file=self.answers_file,
                only=self.only,
                start=self.start,
                dry_run=dry_run,
                interactive=context.terminal.interactive,
                state_file=self.state_file,
                recheck=self.recheck,
                verify=self.output_format == "text",  # a diagram of the clone is all mermaid prints
            )
        except Interrupted:
            raise Interrupted(
                "interrupted at a prompt",
                hint=f"the answers given so far are kept in {state_path_for(context, self.state_file)}; "
                "run `dandiops init` again to go on from there",
            ) from None

    def report(self, context, plan, result, *, dry_run: bool) -> Report:
        from dandiops.wizard.init import state_path_for

        reporter = context.reporter
        outcome = plan if result is None else result
        if outcome.resumed_from and not dry_run:
            reporter.info(f"resumed: the previous init stopped at {outcome.resumed_from}; its answers were kept")
        return Report(
            {
                "environment": context.env.name,
                "app": context.env.heroku_app,
                "state_file": str(state_path_for(context, self.state_file)),
                **outcome.to_dict(),
            },
            (lambda: render_diagram(context, outcome))
            if self.output_format == "mermaid"
            else lambda: render(reporter, outcome),
        )

    def conclude(self, context, plan, result, *, dry_run: bool) -> None:
        from dandiops.core.errors import ExitCode

        reporter = context.reporter
        outcome = plan if result is None else result
        env = context.env
        if dry_run:
            if outcome.error is not None:
                raise outcome.error
            reporter.info("dry run: nothing was changed")
            return
        # what the steps came to, then what verify found; the exit status is the steps' alone
        if outcome.error is not None:
            say_verification(reporter, outcome.verification)
            raise outcome.error
        incomplete = outcome.incomplete
        if incomplete:
            count = len(incomplete)
            names = ", ".join(o.name for o in incomplete)
            reporter.warn(f"{plural(count, 'step')} still {noun(count, 'needs', 'need')} attention: {names}")
            say_verification(reporter, outcome.verification)
            raise typer.Exit(int(ExitCode.CHECK_FAILED))
        if outcome.not_selected:
            ran = ", ".join(o.name for o in outcome.outcomes)
            reporter.success(f"done on {env.name} ({env.heroku_app}): {ran}")
            reporter.info(
                f"not run ({len(outcome.not_selected)} of "
                f"{len(outcome.outcomes) + len(outcome.not_selected)} steps): "
                f"{', '.join(outcome.not_selected)}; run `dandiops init -e {env.name}` to check them all"
            )
        else:
            reporter.success(f"{env.name} ({env.heroku_app}) is set up")
        say_verification(reporter, outcome.verification)


def say_verification(reporter, verification) -> None:
    """One line on stderr: what verify found after the steps, or why it did not run."""
    from dandiops.cli.verify import verdicts_summary

    if verification is None:
        return  # not asked for (--format mermaid)
    if verification.not_run:
        reporter.info(f"verify not run: {verification.not_run}")
    elif verification.passed:
        reporter.success(f"verify: {verdicts_summary(verification.verdicts)}")
    else:
        reporter.warn(f"verify: {verdicts_summary(verification.verdicts)}; init's exit status is that of its steps")


def render(reporter, result) -> None:
    from dandiops.cli.verify import render_verdicts
    from dandiops.wizard.ending import render_end

    render_table(reporter, result)
    if result.verification is not None and result.verification.verdicts:
        render_verdicts(reporter, result.env_name, result.verification.verdicts)
    render_end(reporter, result.end())


def render_table(reporter, result) -> None:
    if result.dry_run:
        rows = []
        for outcome in result.outcomes:
            if outcome.changes:
                for index, change in enumerate(outcome.changes):
                    rows.append(
                        (
                            outcome.name if index == 0 else "",
                            outcome.status.value if index == 0 else "",
                            change.describe(),
                        )
                    )
            else:
                rows.append((outcome.name, outcome.status.value, outcome.detail))
        reporter.table(["step", "status", "plan"], rows, title="Plan (dry run: nothing is changed)")
        return
    reporter.table(
        ["step", "status", "detail"], [(o.name, o.status.value, o.detail) for o in result.outcomes], title="Summary"
    )


def render_diagram(context, result) -> None:
    """The clone as a Mermaid flowchart (docs/init.md shows the same for any environment)."""
    from dandiops.wizard.diagram import mermaid
    from dandiops.wizard.steps import STEP_NAMES

    statuses = {outcome.name: outcome.status for outcome in result.outcomes}
    context.reporter.line(mermaid(context.env, STEP_NAMES, statuses).rstrip("\n"))
