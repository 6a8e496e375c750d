"""`dandiops branding logo FILE.svg`: propose a new web app logo as a pull request."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from dandiops.cli.change import Mutation, Report
from dandiops.cli.common import ChangeOptions, command, command_group

app = command_group("branding", "The web app's branding, changed through pull requests on the archive repository.")


@command(app, "logo")
def logo(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="The new logo: a plain SVG file (at most 1 MiB).", show_default=False, dir_okay=False)
    ],
    branch: Annotated[
        Optional[str],
        typer.Option("--branch", help="Branch to commit on (default: dandiops/logo-<first 8 of the file's git sha>)."),
    ] = None,
    *,
    change: ChangeOptions,
) -> None:
    """Replace web/src/assets/logo.svg through a branch, a commit and a pull request against the default branch.

    The file is checked first: UTF-8, well-formed SVG parsed safely, at most 1 MiB, and only
    static SVG elements and attributes from an allow-list (no script, animation, links, embedded
    documents or images, event attributes, or elements from other namespaces), with references and
    CSS url() only to elements of the same file (#id). A file that fails is refused by name, changes
    nothing and makes no request. If the default branch already has this logo, or an open pull request from the branch
    already proposes it, nothing changes (the pull request's URL is printed). --dry-run compares the
    current and the new file (size, sha, viewBox) and writes nothing.
    """
    from dandiops.archive.branding import validate_logo
    from dandiops.steps.branding import validate_branch

    data = validate_logo(file)
    if branch is not None:
        validate_branch(branch)
    change.carry_out(change.context(ctx), LogoChange(data, branch))


class LogoChange(Mutation[Any, Any]):
    """The plan and the result are both a steps.branding plan: what is on the repository, and what is left to do."""

    action = "opening a pull request that replaces the logo"

    def __init__(self, logo: bytes, branch: Optional[str]):
        self.logo = logo
        self.branch = branch

    def plan(self, context, *, dry_run: bool):
        from dandiops.steps.branding import plan_logo

        with context.reporter.progress(f"reading {context.env.github_repo or 'the repository'}"):
            return plan_logo(context, self.logo, branch=self.branch)

    def pending(self, plan) -> bool:
        return bool(plan.actions)

    def apply(self, context, plan):
        from dandiops.steps.branding import apply_logo

        return apply_logo(context, plan, self.logo)

    def report(self, context, plan, result, *, dry_run: bool) -> Report:
        from dandiops.archive.branding import LOGO_PATH

        reporter = context.reporter
        plan = plan if result is None else result
        where = f"{plan.repo} ({plan.base})"
        if plan.in_place:
            reporter.success(f"this logo is already in place on {where}; nothing to change")
        elif plan.status == "opened":
            reporter.success(f"opened pull request #{plan.pull_number} on {plan.repo} from {plan.branch}")
        elif plan.status == "updated":
            reporter.success(
                f"committed the new logo on {plan.branch}; open pull request #{plan.pull_number} now proposes it"
            )
        elif plan.status == "proposed":
            reporter.success(
                f"an open pull request already proposes this logo (#{plan.pull_number} from "
                f"{plan.branch}); nothing to change"
            )
        elif dry_run:
            steps = {
                "create-branch": f"create branch {plan.branch} from {plan.base}",
                "commit": f"commit the new {LOGO_PATH} on {plan.branch}",
                "open-pull-request": f"open a pull request from {plan.branch} against {plan.base}",
            }
            reporter.info("would " + ", then ".join(steps[action] for action in plan.actions))

        def human() -> None:
            reporter.line(f"{LOGO_PATH} on {where}")
            reporter.line(f"  current: {plan.current.describe() if plan.current else 'none'}")
            reporter.line(f"  new:     {plan.new.describe()}")
            if plan.pull_url:
                reporter.line(f"pull request: {plan.pull_url}")

        return Report({**plan.to_dict(), "changed": result is not None}, human)
