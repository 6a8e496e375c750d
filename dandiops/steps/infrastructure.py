"""Infrastructure: Terraform when the environment names terraform_dir, else the Platform API.

With terraform_dir (the operator's dandi-infrastructure checkout), the check is
`terraform plan -detailed-exitcode` and apply is `terraform apply` of that saved plan, on
confirmation, streaming progress. A dry run plans in a temporary copy of the folder, so the folder
is left exactly as it was. A folder whose configuration names a Terraform Cloud workspace is
never run here: its runs are applied in Terraform Cloud, and the step only checks that the app
Terraform makes exists (the later steps check the rest of what it made).

Without terraform_dir, dandiops makes through the Heroku Platform API what Terraform's heroku
module would: the app (team, region), the buildpacks in order (the version buildpack before
heroku/python, because settings read SOURCE_VERSION at import) and the add-ons (Postgres,
CloudAMQP, Papertrail). The formation is its own step.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dandiops.app.questions import Answers, Question
from dandiops.archive.deployment import ADDON_SERVICES, BUILDPACKS
from dandiops.archive.infrastructure import addon_plans
from dandiops.core.errors import Aborted, DandiopsError, NotFoundError
from dandiops.core.words import plural
from dandiops.providers.api_json import JsonObject
from dandiops.steps.base import AskingStep, Change, Check, Status

if TYPE_CHECKING:
    from dandiops.app.context import Context
    from dandiops.providers.terraform import CloudWorkspace, RunResult, Terraform

VERSION_BUILDPACK, PYTHON_BUILDPACK = BUILDPACKS


def infrastructure_step(ctx: "Context", answers: Answers) -> "HerokuBootstrapStep | TerraformStep":
    """The infrastructure step that fits the environment."""
    if ctx.env.terraform_dir:
        return TerraformStep(answers)
    return HerokuBootstrapStep(answers)


# --- Platform API bootstrap ----------------------------------------------------------------------
@dataclass
class AppSurvey:
    exists: bool
    team: str | None = None
    region: str | None = None
    buildpacks: list[str] = field(default_factory=list)
    addons: dict[str, str] = field(default_factory=dict)  # service -> plan name


def buildpack_ident(installation: JsonObject) -> str:
    """What the archive's list names: a registry name (heroku/python) or a git URL."""
    url: str = installation["buildpack"]["url"]
    if url.startswith("urn:buildpack:"):
        name: str | None = installation["buildpack"].get("name")
        return name or url.removeprefix("urn:buildpack:")
    return url


def desired_buildpacks(current: list[str]) -> list[str]:
    """The version buildpack first, heroku/python last, any others kept in between in their order."""
    others = [url for url in current if url not in BUILDPACKS]
    return [VERSION_BUILDPACK, *others, PYTHON_BUILDPACK]


def buildpacks_in_order(current: list[str]) -> bool:
    return (
        VERSION_BUILDPACK in current
        and PYTHON_BUILDPACK in current
        and current.index(VERSION_BUILDPACK) < current.index(PYTHON_BUILDPACK)
    )


class HerokuBootstrapStep(AskingStep):
    name = "infrastructure"
    title = "Heroku app, buildpacks and add-ons"

    def _plan_question(self, ctx: "Context", service: str) -> Question:
        default = addon_plans(ctx.env.production)[service]
        return Question(f"addons.{service}", f"Plan for the {service} add-on", default=default)

    def addon_plan(self, ctx: "Context", service: str) -> str:
        """Terraform's plan for this size of environment unless the answers file names another."""
        question = self._plan_question(ctx, service)
        assert question.default is not None  # _plan_question offers Terraform's plan
        chosen: str = self.answers.known(question) or question.default
        return chosen if ":" in chosen else f"{service}:{chosen}"

    def survey(self, ctx: "Context") -> AppSurvey:
        heroku = ctx.heroku()
        name = ctx.env.heroku_app
        try:
            app = heroku.app(name)
        except NotFoundError:
            return AppSurvey(exists=False)
        installations = heroku.buildpack_installations(name)
        addons = heroku.addons(name)
        return AppSurvey(
            exists=True,
            team=(app.get("team") or {}).get("name"),
            region=app["region"]["name"],
            buildpacks=[buildpack_ident(item) for item in sorted(installations, key=lambda i: i["ordinal"])],
            addons={a["addon_service"]["name"]: a["plan"]["name"] for a in addons},
        )

    def _conflicts(self, ctx: "Context", survey: AppSurvey) -> list[str]:
        env = ctx.env
        problems = []
        if env.team and survey.team != env.team:
            problems.append(
                f"app {env.heroku_app} belongs to {survey.team or 'a personal account'}, "
                f"dandiops.toml says team {env.team}"
            )
        if survey.region and survey.region != env.region:
            problems.append(f"app {env.heroku_app} is in region {survey.region}, dandiops.toml says {env.region}")
        return problems

    def _changes(self, ctx: "Context", survey: AppSurvey) -> list[Change]:
        env = ctx.env
        changes = []
        if not survey.exists:
            owner = f"team {env.team}" if env.team else "your personal account"
            changes.append(Change(f"app {env.heroku_app}", "create", after=f"{owner}, region {env.region}"))
        if not buildpacks_in_order(survey.buildpacks):
            changes.append(
                Change(
                    f"buildpacks of {env.heroku_app}",
                    "set",
                    before=", ".join(survey.buildpacks) if survey.exists else None,
                    after=", ".join(desired_buildpacks(survey.buildpacks)),
                )
            )
        for service in ADDON_SERVICES:
            if service not in survey.addons:
                changes.append(Change(f"add-on {service}", "create", after=self.addon_plan(ctx, service)))
        return changes

    def check(self, ctx: "Context") -> Check:
        survey = self.survey(ctx)
        conflicts = self._conflicts(ctx, survey) if survey.exists else []
        if conflicts:
            return Check(
                Status.FAILED,
                conflicts[0],
                conflicts,
                hint="Heroku cannot move an app between teams or regions here: fix dandiops.toml or use a new app",
            )
        changes = self._changes(ctx, survey)
        notes = [
            f"add-on {service} is on plan {plan}, Terraform's is {self.addon_plan(ctx, service)}"
            for service, plan in survey.addons.items()
            if service in ADDON_SERVICES and plan != self.addon_plan(ctx, service)
        ]
        if not changes:
            return Check(Status.OK, "app, buildpacks and add-ons are in place", notes)
        summary = (
            f"app {ctx.env.heroku_app} does not exist"
            if not survey.exists
            else f"{plural(len(changes), 'change')} to make"
        )
        return Check(Status.PENDING, summary, [c.describe() for c in changes] + notes)

    def plan(self, ctx: "Context") -> list[Change]:
        survey = self.survey(ctx)
        if survey.exists and self._conflicts(ctx, survey):
            raise DandiopsError(self._conflicts(ctx, survey)[0], hint="fix dandiops.toml or use a new app")
        return self._changes(ctx, survey)

    def apply(self, ctx: "Context", changes: list[Change]) -> list[Change]:
        heroku = ctx.heroku()
        env = ctx.env
        name = env.heroku_app
        done = []
        for change in changes:
            assert change.after is not None  # plan() says what each change makes
            if change.target == f"app {name}":
                heroku.create_app(name, region=env.region, team=env.team)
                ctx.record("app.create", team=env.team, region=env.region)
            elif change.target.startswith("buildpacks of "):
                urls = change.after.split(", ")
                heroku.set_buildpacks(name, urls)
                ctx.record("buildpacks.set", buildpacks=urls)
            elif change.target.startswith("add-on "):
                heroku.create_addon(name, change.after)
                ctx.record("addon.create", plan=change.after)
            else:  # pragma: no cover - plan() makes only the kinds above
                raise ValueError(f"unknown change {change.target}")
            done.append(change)
        return done


# --- Terraform ---------------------------------------------------------------------------------
class TerraformStep(AskingStep):
    name = "infrastructure"
    title = "Terraform plan and apply"

    def __init__(self, answers: Answers):
        super().__init__(answers)
        self._workspace: tempfile.TemporaryDirectory[str] | None = None
        self._plan_file: Path | None = None
        self._result: RunResult | None = None

    def directory(self, ctx: "Context") -> Path:
        assert ctx.env.terraform_dir is not None  # infrastructure_step() picks this step only then
        directory = Path(ctx.env.terraform_dir).expanduser()
        return directory if directory.is_absolute() else ctx.settings.root / directory

    def cloud(self, ctx: "Context") -> "CloudWorkspace | None":
        from dandiops.providers.terraform import cloud_workspace

        return cloud_workspace(self.directory(ctx))

    def terraform(self, ctx: "Context", *, stream: bool) -> "Terraform":
        from dandiops.providers.terraform import Terraform

        reporter = ctx.reporter

        def progress(level: str, message: str) -> None:
            if not stream:
                return
            {"error": reporter.error, "warning": reporter.warn}.get(level, reporter.info)(f"terraform: {message}")

        # Terraform's providers read HEROKU_API_KEY, HEROKU_EMAIL and AWS_* from the environment or .env.
        return Terraform(self.directory(ctx), environ=ctx.secrets.values, on_progress=progress)

    def _plan(self, ctx: "Context") -> "RunResult":
        from dandiops.providers.terraform import CHANGES, NO_CHANGES

        terraform = self.terraform(ctx, stream=False)
        self.discard()
        self._workspace = tempfile.TemporaryDirectory(prefix="dandiops-tfplan-")
        if self.answers.dry_run:
            # `terraform init` would write .terraform/ and .terraform.lock.hcl into the operator's folder
            terraform = terraform.scratch_copy(Path(self._workspace.name) / "copy")
        if not terraform.initialized():
            ctx.reporter.info(f"terraform init in {terraform.directory}")
            terraform.init()
        self._plan_file = Path(self._workspace.name) / "init.tfplan"
        result = terraform.plan(self._plan_file)
        if self.answers.dry_run or result.exit_code not in (NO_CHANGES, CHANGES):
            self.discard()  # nothing will apply it
        self._result = result
        return result

    def discard(self) -> None:
        """Plan files can hold sensitive values: keep them only until applied."""
        if self._workspace is not None:
            self._workspace.cleanup()
        self._workspace = None
        self._plan_file = None

    def check(self, ctx: "Context") -> Check:
        from dandiops.providers.terraform import CHANGES, NO_CHANGES

        cloud = self.cloud(ctx)
        if cloud is not None:
            return self._check_cloud(ctx, cloud)
        result = self._plan(ctx)
        if result.exit_code == NO_CHANGES:
            return Check(Status.OK, "terraform plan: no changes")
        if result.exit_code == CHANGES:
            return Check(
                Status.PENDING,
                result.summary or plural(len(result.changes), "change"),
                [c.describe() for c in result.changes],
            )
        details = result.errors or result.raw_output[-10:] or [f"terraform exited with {result.exit_code}"]
        return Check(
            Status.FAILED,
            f"terraform plan failed: {details[0]}",
            details,
            hint=f"fix what Terraform reports in {ctx.env.terraform_dir}, then run `dandiops init` again",
        )

    def _check_cloud(self, ctx: "Context", cloud: "CloudWorkspace") -> Check:
        """Terraform Cloud applies this configuration: dandiops checks that the app Terraform makes is there."""
        app = ctx.env.heroku_app
        where = cloud.runs_url or f"the workspace's runs page on {cloud.hostname}"
        said = f"{ctx.env.terraform_dir} uses {cloud.describe()} ({cloud.declared_by} in {cloud.file})"
        try:
            ctx.heroku().app(app)
        except NotFoundError:
            return Check(
                Status.FAILED,
                f"{said}: its runs are applied in Terraform Cloud, not from the command line, "
                f"and app {app} does not exist yet",
                [f"confirm and apply the workspace's run in Terraform Cloud: {where}"],
                hint=f"apply the run in Terraform Cloud ({where}), then run `dandiops init` again: it then "
                "only checks what Terraform made",
            )
        return Check(
            Status.OK,
            f"{said}, which applies it; app {app} exists, and the steps below check what else Terraform made",
            [f"change the infrastructure through a run in Terraform Cloud: {where}"],
        )

    def plan(self, ctx: "Context") -> list[Change]:
        from dandiops.providers.terraform import CHANGES

        if self.cloud(ctx) is not None:
            return []  # Terraform Cloud applies it
        if self._result is not None and (self._plan_file is not None or self.answers.dry_run):
            result = self._result  # the check's plan: its file is kept until applied (a dry run keeps none)
        else:
            result = self._plan(ctx)
        if result.exit_code not in (0, CHANGES):
            raise DandiopsError(
                f"terraform plan failed: {(result.errors or ['see above'])[0]}",
                hint=f"run `terraform plan` in {ctx.env.terraform_dir} to see the whole output",
            )
        return [Change(target=c.address, action=c.action) for c in result.changes]

    def confirmation(self, ctx: "Context", count: int | None = None) -> Question:
        what = plural(count, "Terraform change") if count is not None else "the Terraform changes"
        return Question(
            "infrastructure.terraform_apply",
            f"Apply {what} in {ctx.env.terraform_dir}?",
            kind="confirm",
            remember=False,
        )

    def questions(self, ctx: "Context") -> list[Question]:
        return [] if ctx.yes else [self.confirmation(ctx)]

    def apply(self, ctx: "Context", changes: list[Change]) -> list[Change]:
        if not changes:
            return []
        if not ctx.yes:
            if not self.answers.ask(self.confirmation(ctx, len(changes))):
                self.discard()
                raise Aborted(
                    "Terraform changes were not applied; nothing was changed",
                    hint="review them with `dandiops init --dry-run`, then run again and confirm",
                )
        if self._plan_file is None:
            self._plan(ctx)
        terraform = self.terraform(ctx, stream=True)
        try:
            result = terraform.apply(self._plan_file)
        finally:
            self.discard()
        if result.exit_code != 0:
            ctx.record("terraform.apply", "failed", errors=result.errors[:5])
            raise DandiopsError(
                f"terraform apply failed: {(result.errors or result.raw_output[-1:] or ['?'])[0]}",
                hint="fix what Terraform reports, then run `dandiops init` again (it re-plans)",
            )
        ctx.record("terraform.apply", summary=result.summary, changes=len(changes))
        return changes
