"""The runbook in order, as the steps `dandiops init` runs.

Each step declares its part of the contract (dandiops.steps.base.InitStep): its questions,
whether it waits for a ready app, whether its check is remembered. The engine does the rest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dandiops.app.context import Context
    from dandiops.app.questions import Answers
    from dandiops.steps.base import InitStep

STEP_NAMES = (
    "credentials",
    "infrastructure",
    "aws",
    "email",
    "ses-production-access",
    "config-vars",
    "hosts",
    "domain",
    "release-chain",
    "fork",
    "first-deploy",
    "formation",
    "cachetable",
    "superuser",
    "backups",
    "email-alerts",
    "heroku-access",
    "frontend",
    "github-oauth-app",
    "auth",
)

# The steps whose check is remembered in the state file (`remembered = True`): what --recheck accepts.
REMEMBERED_STEPS = ("cachetable", "superuser", "auth")


def build_steps(ctx: "Context", answers: "Answers") -> list["InitStep"]:
    from dandiops.steps.app_config import RequiredConfigStep
    from dandiops.steps.auth import AuthInitStep
    from dandiops.steps.aws import AwsStep
    from dandiops.steps.backups import BackupScheduleStep
    from dandiops.steps.cachetable import CacheTableStep
    from dandiops.steps.checklist import checklist_steps
    from dandiops.steps.credentials import CredentialsStep
    from dandiops.steps.domain import DomainStep
    from dandiops.steps.email import EmailStep, SesProductionAccessStep
    from dandiops.steps.first_deploy import FirstDeployStep
    from dandiops.steps.fork import ForkInitStep
    from dandiops.steps.formation import FormationStep
    from dandiops.steps.frontend import FrontendInitStep
    from dandiops.steps.hosts import AllowedHostsStep
    from dandiops.steps.infrastructure import infrastructure_step
    from dandiops.steps.release_chain import ReleaseChainStep
    from dandiops.steps.superuser import SuperuserInitStep

    terraform = bool(ctx.env.terraform_dir)
    checklist = {step.name: step for step in checklist_steps(answers)}
    steps: list[InitStep] = [
        CredentialsStep(),
        infrastructure_step(ctx, answers),
        AwsStep(answers, manage=not terraform),
        EmailStep(answers, manage=not terraform),
        SesProductionAccessStep(answers),
        RequiredConfigStep(answers, aws_keys_from_iam=not terraform, email_from_ses=not terraform),
        AllowedHostsStep.from_environment(ctx),
        DomainStep(),
        # before the fork's pull request: merging it starts workflows that need the branch, label and secrets
        ReleaseChainStep(answers),
        ForkInitStep(answers),
        FirstDeployStep(),  # the steps after it that run the app's code wait for its build
        FormationStep(answers),
        CacheTableStep(),
        SuperuserInitStep(answers),
        BackupScheduleStep.for_init(answers),
        checklist["email-alerts"],
        checklist["heroku-access"],
        FrontendInitStep(answers),  # the web app's variables name the OAuth client id auth sets up
        checklist["github-oauth-app"],
        AuthInitStep(answers),  # after github-oauth-app: its client id exists only once the OAuth App is made
    ]
    assert tuple(step.name for step in steps) == STEP_NAMES, [step.name for step in steps]
    return steps
