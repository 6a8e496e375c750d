"""`dandiops release`: deploy an environment through its GitHub workflow and see the Heroku release land."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Annotated, Any, Optional

import typer
from typer.core import TyperGroup

from dandiops.cli.change import Mutation, Report
from dandiops.cli.common import (
    ChangeOptions,
    EnvOption,
    ReadOptions,
    command,
    command_group,
    flag,
    option,
    option_groups,
)

# steps.release.trigger.DEFAULT_TIMEOUT, repeated: importing the release machinery would slow down every --help
DEFAULT_TIMEOUT = 1800.0


class ReleaseGroup(TyperGroup):
    """`release ENV` for any environment of dandiops.toml, beside `status` and `list`."""

    def get_command(self, ctx: typer.Context, cmd_name: str):
        command = super().get_command(ctx, cmd_name)
        if command is None and not cmd_name.startswith("-"):
            return super().get_command(ctx, "ENV")
        return command

    def resolve_command(self, ctx: typer.Context, args):
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None and command.name == "ENV":
            return args[0], command, args[1:]
        return name, command, rest

    def list_commands(self, ctx: typer.Context):
        return [name for name in super().list_commands(ctx) if name != "ENV"]


app = command_group(
    "release",
    "Release an environment through its GitHub Actions workflow, then wait for the Heroku release "
    "it produces (including the release phase). `dandiops release ENV` works for any environment of "
    "dandiops.toml; exit 0 only when the run and the release both succeeded.",
    cls=ReleaseGroup,
)


@dataclass(frozen=True)
class ReleaseOptions:
    """The options of `dandiops release ENV`: the fields of the release steps' ReleaseRequest, but for
    dry_run, which is ChangeOptions'. `staging` and `production` offer the ones their workflows take."""

    ref: Optional[str] = option(
        "Branch to deploy (dispatch or re-run), or to tag with --tag. Default: the environment's branch."
    )
    rerun: bool = flag("Re-run the latest run on the branch (for workflows without workflow_dispatch).")
    enable_dispatch: bool = flag("Open a pull request that adds workflow_dispatch to the workflow; deploys nothing.")
    tag: Optional[str] = option(
        "Publish a GitHub release with this new tag (vX.Y.Z, or vX.Y.Z-rc.1); the production workflow runs on it."
    )
    pr: Optional[int] = option("Add the `release` label to this open pull request; it is released when merged.")
    wait: bool = flag("With --pr: wait for the merge, the release it publishes, the run and the Heroku release.")
    detach: bool = flag("Print the run (or the re-run's new attempt) and its URL once GitHub has it, and return.")
    timeout: float = option(
        "Seconds (more than 0) to wait for the run and the Heroku release before giving up (exit 8).",
        default=DEFAULT_TIMEOUT,
    )

    def request(self, *, dry_run: bool):
        from dandiops.steps.release.trigger import ReleaseRequest

        return ReleaseRequest(**asdict(self), dry_run=dry_run)


# -e is not among them: the environment is the command's name
CHANGE_OPTIONS = ("dry_run", "yes", "json_output")


@command(app, "staging")
@option_groups(release=("ref", "rerun", "enable_dispatch", "detach", "timeout"), change=CHANGE_OPTIONS)
def staging(ctx: typer.Context, release: ReleaseOptions, change: ChangeOptions) -> None:
    """Deploy staging: dispatch its workflow, or --rerun / --enable-dispatch when it has no workflow_dispatch."""
    _release(ctx, "staging", release, change)


@command(app, "production")
@option_groups(release=("tag", "pr", "wait", "ref", "detach", "timeout"), change=CHANGE_OPTIONS)
def production(ctx: typer.Context, release: ReleaseOptions, change: ChangeOptions) -> None:
    """Release production: --tag vX.Y.Z publishes a release now; --pr N releases N when it is merged.

    The operator confirms by typing the production app name unless --yes.
    """
    _release(ctx, "production", release, change)


@command(app, "ENV", hidden=True)
@option_groups(change=CHANGE_OPTIONS)
def any_environment(ctx: typer.Context, release: ReleaseOptions, change: ChangeOptions) -> None:
    """Release the environment ENV of dandiops.toml the way its workflow is triggered."""
    _release(ctx, ctx.info_name, release, change)


def _release(ctx: typer.Context, env_name: str, release: ReleaseOptions, change: ChangeOptions) -> None:
    change.carry_out(change.context(ctx, env=env_name), ReleaseChange(release))


class ReleaseChange(Mutation[Any, Any]):
    """A release plans, confirms and triggers in one flow: what it confirms depends on what it reads (a
    live run is followed, not re-run). A dry run goes through that flow up to the first write."""

    action = "releasing"
    confirms_midway = True

    def __init__(self, options: ReleaseOptions):
        self.options = options

    def plan(self, context, *, dry_run: bool):
        from dandiops.steps.release.trigger import Release

        self.observer = _observer(context)
        # Release checks the options before it reads anything
        self.release = Release(context, self.options.request(dry_run=dry_run), self.observer)
        return self._run() if dry_run else None

    def apply(self, context, plan):
        return self._run()

    def _run(self):
        try:
            return self.release.run()
        finally:
            self.observer.done()

    def report(self, context, plan, result, *, dry_run: bool) -> Report:
        outcome = plan if result is None else result
        return Report(outcome.to_dict(), lambda: _show_outcome(context, outcome))

    def conclude(self, context, plan, result, *, dry_run: bool) -> None:
        outcome = plan if result is None else result
        if outcome.problem is not None:
            raise outcome.problem
        if outcome.heroku_release is not None:
            context.reporter.success(
                f"{outcome.app} is at v{outcome.heroku_release.version} ({(outcome.heroku_release.commit or '')[:8]})"
            )


def _show_outcome(context, outcome) -> None:
    reporter = context.reporter
    for line in outcome.planned:
        reporter.info(f"would {line}")
    if outcome.pull_request:
        pull = outcome.pull_request
        reporter.line(f"pull request #{pull['number']}: {pull['title']}  {pull['url']}")
    if outcome.tag:
        reporter.line(f"release {outcome.tag}")
    if outcome.run is not None:
        reporter.line(f"{outcome.run.summary()}  {outcome.run.url}")
    if outcome.heroku_release is not None:
        release = outcome.heroku_release
        reporter.line(
            f"heroku {outcome.app} v{release.version} {release.status}  commit {release.commit or '-'}"
            f"  ({release.description})"
        )


def _observer(context):
    terminal = context.terminal
    if terminal.stderr_tty and not terminal.ci:
        return LiveObserver(context.reporter)
    return LineObserver(context.reporter)


class LineObserver:
    """One line per state change, for logs and CI."""

    def __init__(self, reporter):
        self.reporter = reporter

    def info(self, message: str) -> None:
        self.reporter.info(message)

    def run_update(self, run, changes: list[str]) -> None:
        for change in changes:
            self.reporter.info(change)

    def heroku_update(self, release) -> None:
        self.reporter.info(f"heroku v{release.version} {release.status} ({release.description})")

    def done(self) -> None:
        pass


class LiveObserver:
    """Jobs and steps redrawn in place on a terminal."""

    ICONS = {
        "success": "[green]✓[/green]",
        "failure": "[red]✗[/red]",
        "cancelled": "[yellow]⊘[/yellow]",
        "skipped": "[dim]-[/dim]",
        "in_progress": "[cyan]…[/cyan]",
        "queued": "[dim]·[/dim]",
    }

    def __init__(self, reporter):
        from rich.live import Live

        self.reporter = reporter
        self.run = None
        self.release = None
        self.live = Live(console=reporter.err, refresh_per_second=8, transient=False)
        self.started = False

    def _render(self):
        from rich.table import Table
        from rich.text import Text

        table = Table.grid(padding=(0, 1))
        if self.run is not None:
            table.add_row(
                Text.from_markup(self._icon(self.run.status, self.run.conclusion)),
                Text(f"{self.run.summary()}  {self.run.url or ''}"),
            )
            for job in self.run.jobs:
                table.add_row(Text.from_markup(self._icon(job.status, job.conclusion)), Text(job.name, style="bold"))
                for step in job.steps:
                    table.add_row(
                        "", Text.from_markup(f"{self._icon(step.status, step.conclusion)} ") + Text(step.name)
                    )
        if self.release is not None:
            state = {"succeeded": "success", "failed": "failure"}.get(self.release.status, "in_progress")
            table.add_row(
                Text.from_markup(self._icon("completed" if state != "in_progress" else state, state)),
                Text(f"heroku v{self.release.version} {self.release.status} ({self.release.description})"),
            )
        return table

    def _icon(self, status, conclusion) -> str:
        key = conclusion if status == "completed" and conclusion else status
        return self.ICONS.get(key or "", "·")

    def _refresh(self) -> None:
        if not self.started:
            self.live.start()
            self.started = True
        self.live.update(self._render(), refresh=True)

    def info(self, message: str) -> None:
        if self.started:
            self.live.console.print(message, markup=False)
        else:
            self.reporter.info(message)

    def run_update(self, run, changes: list[str]) -> None:
        self.run = run
        self._refresh()

    def heroku_update(self, release) -> None:
        self.release = release
        self._refresh()

    def done(self) -> None:
        if self.started:
            self.live.stop()
            self.started = False


@command(app, "status")
def status(
    ctx: typer.Context,
    env_name: Annotated[Optional[str], typer.Argument(help="Environment (default: all with a github_repo).")] = None,
    *,
    read: ReadOptions,
) -> None:
    """The latest deploy run and Heroku release of each environment."""
    from dandiops.steps.release.history import environments_with_releases
    from dandiops.steps.release.history import status as env_status

    context = read.context(ctx, env=env_name, subject_of_result=False)
    environments = environments_with_releases(context, env_name or read.env)
    # one Context per environment: its clients carry that environment's name into error hints
    data = [
        env_status(read.context(ctx, env=environment.name, subject_of_result=False), environment)
        for environment in environments
    ]
    reporter = context.reporter

    def human() -> None:
        rows = []
        for item in data:
            run, release = item["last_run"], item["last_release"]
            rows.append(
                (
                    item["env"],
                    item["app"],
                    "-"
                    if run is None
                    else f"#{run['number']} {run['conclusion'] or run['status']} {run['branch']} "
                    f"@ {(run['sha'] or '')[:7]}",
                    "-"
                    if release is None
                    else f"v{release['version']} {release['status']} {(release['commit'] or '')[:8]}",
                    "deploying" if item["deploying"] else "",
                )
            )
        reporter.table(["env", "app", "last run", "last release", ""], rows)

    reporter.result({"environments": data}, human)


@command(app, "list")
@option_groups(read=("json_output",))
def list_releases(
    ctx: typer.Context,
    env: EnvOption = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=100, help="How many of each.")] = 10,
    *,
    read: ReadOptions,
) -> None:
    """Recent deploy runs and Heroku releases side by side, paired by commit."""
    from dandiops.steps.release.history import environments_with_releases, history

    context = read.context(ctx, env=env, subject_of_result=False)
    data = [
        history(
            read.context(ctx, env=environment.name, subject_of_result=False),
            environment,
            limit=limit,
        )
        for environment in environments_with_releases(context, env)
    ]
    reporter = context.reporter

    def human() -> None:
        for item in data:
            rows = []
            for row in item["rows"]:
                run, release = row["run"], row["heroku_release"]
                rows.append(
                    (
                        "" if run is None else f"#{run['number']}",
                        "" if run is None else run["event"],
                        "" if run is None else (run["conclusion"] or run["status"]),
                        "" if run is None else f"{run['branch']} @ {(run['sha'] or '')[:7]}",
                        "" if run is None else run["created_at"],
                        "" if release is None else f"v{release['version']}",
                        "" if release is None else release["status"],
                        "" if release is None else release["description"],
                    )
                )
            reporter.table(
                ["run", "event", "result", "commit", "started", "release", "status", "description"],
                rows,
                title=f"{item['env']}: {item['workflow']} -> {item['app']}",
            )

    reporter.result({"environments": data}, human)
