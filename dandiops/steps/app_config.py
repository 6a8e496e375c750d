"""Required config vars: set the missing ones, asking only for what dandiops cannot know.

DJANGO_SETTINGS_MODULE is fixed; DJANGO_SECRET_KEY is generated when absent; the API and web
URLs and the bucket come from dandiops.toml; add-ons provide DATABASE_URL and CLOUDAMQP_URL;
DJANGO_ALLOWED_HOSTS is the hosts step's. Everything else is asked for, secrets with a hidden
prompt (or read from an environment variable when there is no terminal). Values already set
are never changed, but for the optional Sentry settings, which dandiops.toml alone gives
(sentry_dsn, sentry_environment): those follow it.
"""

from __future__ import annotations

import secrets as random_secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from dandiops.app import questions as q
from dandiops.app.questions import Answers, Question
from dandiops.archive.deployment import (
    ALLOWED_HOSTS_VAR,
    REQUIRED_CONFIG_VARS,
    SETTINGS_MODULE,
    is_secret_config_var,
    secret_config_values,
)
from dandiops.archive.email import EMAIL_URL_SCHEMES, EMAIL_URL_VAR, FROM_EMAIL_VAR
from dandiops.core.errors import NotFoundError
from dandiops.steps.base import AskingStep, Change, Check, Status

if TYPE_CHECKING:
    from dandiops.app.context import Context
    from dandiops.core.settings import Environment

SECRET_KEY_VAR = "DJANGO_SECRET_KEY"
AWS_KEY_VARS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
EMAIL_VARS = (EMAIL_URL_VAR, FROM_EMAIL_VAR)
# The operator's own AWS_SECRET_ACCESS_KEY is not the app's: the app's comes from this variable.
APP_AWS_SECRET_ENV = "DANDIOPS_APP_AWS_SECRET_ACCESS_KEY"


@dataclass(frozen=True)
class VarSource:
    question: Question | None = None
    known: Callable[["Environment"], str | None] | None = None  # a fact from dandiops.toml


def _question(
    name: str,
    message: str,
    *,
    kind: str = "text",
    default: str | None = None,
    validate: q.Validator | None = None,
    env_var: str | None = None,
) -> Question:
    return Question(
        f"config.{name}",
        message,
        kind=kind,
        default=default,
        validate=validate,
        env_var=env_var or (name if kind == "secret" else None),
    )


SOURCES: dict[str, VarSource] = {
    "AWS_DEFAULT_REGION": VarSource(
        _question("AWS_DEFAULT_REGION", "AWS region of the dandiset bucket", default="us-east-2")
    ),
    "AWS_ACCESS_KEY_ID": VarSource(_question("AWS_ACCESS_KEY_ID", "Access key id of the app's IAM user")),
    "AWS_SECRET_ACCESS_KEY": VarSource(
        _question(
            "AWS_SECRET_ACCESS_KEY",
            "Secret access key of the app's IAM user",
            kind="secret",
            env_var=APP_AWS_SECRET_ENV,
        )
    ),
    "DJANGO_STORAGE_BUCKET_NAME": VarSource(
        _question("DJANGO_STORAGE_BUCKET_NAME", "Dandiset bucket name"), known=lambda env: env.bucket
    ),
    "DJANGO_DANDI_DEV_EMAIL": VarSource(
        _question("DJANGO_DANDI_DEV_EMAIL", "Developer email (bcc on unembargo failures)", validate=q.email)
    ),
    "DJANGO_DANDI_ADMIN_EMAIL": VarSource(
        _question("DJANGO_DANDI_ADMIN_EMAIL", "Admin email (receives new-user reviews)", validate=q.email)
    ),
    "DJANGO_EMAIL_URL": VarSource(
        _question(
            "DJANGO_EMAIL_URL",
            "Outgoing mail URL (smtp+tls://user:pass@host:587)",
            kind="secret",
            validate=q.url_with_scheme(*EMAIL_URL_SCHEMES),
        )
    ),
    "DJANGO_DEFAULT_FROM_EMAIL": VarSource(
        _question("DJANGO_DEFAULT_FROM_EMAIL", "Sender address of the archive's mail", validate=q.email)
    ),
    "DJANGO_DANDI_WEB_APP_URL": VarSource(
        _question("DJANGO_DANDI_WEB_APP_URL", "Web app URL", validate=q.https_url),
        known=lambda env: env.web_url.rstrip("/") if env.web_url else None,
    ),
    "DJANGO_DANDI_API_URL": VarSource(
        _question("DJANGO_DANDI_API_URL", "API origin (no /api suffix)", validate=q.https_url),
        known=lambda env: env.api_url.rstrip("/") if env.api_url else None,
    ),
    "DJANGO_DANDI_JUPYTERHUB_URL": VarSource(
        _question("DJANGO_DANDI_JUPYTERHUB_URL", "JupyterHub URL", validate=q.https_url)
    ),
    "DJANGO_DANDI_INSTANCE_NAME": VarSource(
        _question(
            "DJANGO_DANDI_INSTANCE_NAME",
            "Instance name (e.g. DANDI-CLONE)",
            validate=q.pattern(r"[A-Z][-A-Z]*", "DANDI-SANDBOX"),
        )
    ),
    "DJANGO_DANDI_INSTANCE_IDENTIFIER": VarSource(
        _question(
            "DJANGO_DANDI_INSTANCE_IDENTIFIER",
            "Instance identifier (RRID:...)",
            validate=q.pattern(r"RRID:\S+", "RRID:SCR_017571"),
        )
    ),
    "DJANGO_DANDI_DOI_API_PREFIX": VarSource(
        _question("DJANGO_DANDI_DOI_API_PREFIX", "DOI prefix (10.NNNN)", validate=q.pattern(r"10\.\d{4,}", "10.80507"))
    ),
}
SENTRY_DSN_VAR = "DJANGO_SENTRY_DSN"
SENTRY_ENVIRONMENT_VAR = "DJANGO_SENTRY_ENVIRONMENT"


def sentry_config(env: "Environment") -> dict[str, str]:
    """The API's Sentry config vars as dandiops.toml sets them; none without sentry_dsn."""
    if not env.sentry_dsn:
        return {}
    return {SENTRY_DSN_VAR: env.sentry_dsn, SENTRY_ENVIRONMENT_VAR: env.sentry_environment_name or env.name}


# What existing values must look like (a value set by hand can be wrong; it is reported, not changed)
FORMATS = {
    name: source.question.validate for name, source in SOURCES.items() if source.question and source.question.validate
}


class RequiredConfigStep(AskingStep):
    name = "config-vars"
    title = "Required config vars"

    def __init__(self, answers: Answers, *, aws_keys_from_iam: bool = False, email_from_ses: bool = False):
        super().__init__(answers)
        self.aws_keys_from_iam = aws_keys_from_iam  # the aws step makes the app's key and sets both vars
        self.email_from_ses = email_from_ses  # the email step sets the mail URL and sender from SES
        self._secret_values: dict[str, str] = {}

    def read(self, ctx: "Context") -> dict[str, str]:
        config = ctx.heroku().config_vars(ctx.env.heroku_app)
        for value in secret_config_values(config):
            ctx.secret_registry.add(value)
        return config

    def missing(self, config: dict[str, str]) -> list[str]:
        return [var.name for var in REQUIRED_CONFIG_VARS if not config.get(var.name) and var.name != ALLOWED_HOSTS_VAR]

    def _notes(self, config: dict[str, str]) -> list[str]:
        notes = []
        for var in REQUIRED_CONFIG_VARS:
            if var.provided_by and not config.get(var.name):
                notes.append(f"{var.name} is missing: the {var.provided_by} provides it (infrastructure step)")
        for name, validate in FORMATS.items():
            value = config.get(name)
            if value and not is_secret_config_var(name) and (problem := validate(value)):
                notes.append(f"{name}={value!r} looks wrong: {problem} (not changed)")
        module = config.get("DJANGO_SETTINGS_MODULE")
        if module and module != SETTINGS_MODULE:
            notes.append(
                f"DJANGO_SETTINGS_MODULE is {module!r}; Heroku deployments use {SETTINGS_MODULE} (not changed)"
            )
        return notes

    def settable(self, missing: list[str]) -> list[str]:
        provided = {var.name for var in REQUIRED_CONFIG_VARS if var.provided_by}
        skip = (set(AWS_KEY_VARS) if self.aws_keys_from_iam else set()) | (
            set(EMAIL_VARS) if self.email_from_ses else set()
        )
        return [name for name in missing if name not in provided and name not in skip]

    def questions(self, ctx: "Context") -> list[Question]:
        """What a run would ask, for failing fast before any change when nobody can answer."""
        try:
            config = self.read(ctx)
        except NotFoundError:
            config = {}
        found = []
        for name in self.settable(self.missing(config)):
            source = SOURCES.get(name)
            if source and source.question and not (source.known and source.known(ctx.env)):
                found.append(source.question)
        return found

    def sentry_differs(self, ctx: "Context", config: dict[str, str]) -> dict[str, str]:
        """The Sentry config vars dandiops.toml sets that the app does not have as it says."""
        return {name: value for name, value in sentry_config(ctx.env).items() if config.get(name) != value}

    def check(self, ctx: "Context") -> Check:
        config = self.read(ctx)
        missing = self.missing(config)
        notes = self._notes(config)
        sentry = self.sentry_differs(ctx, config)
        if not missing and not sentry:
            return Check(Status.OK, "every required config var is set", notes)
        if not missing:
            return Check(Status.PENDING, f"Sentry settings to set from dandiops.toml: {', '.join(sentry)}", notes)
        return Check(Status.PENDING, f"{len(missing)} missing: {', '.join(missing)}", notes)

    def value_for(self, ctx: "Context", name: str) -> tuple[str, bool]:
        """(value, secret) for a missing var: fixed, generated, known from dandiops.toml, or asked."""
        if name == "DJANGO_SETTINGS_MODULE":
            return SETTINGS_MODULE, False
        if name == SECRET_KEY_VAR:
            return random_secrets.token_urlsafe(50), True
        source = SOURCES[name]
        if source.known and (value := source.known(ctx.env)):
            return value, False
        assert source.question is not None
        return self.answers.ask(source.question), source.question.secret

    def plan(self, ctx: "Context") -> list[Change]:
        try:
            config = self.read(ctx)
        except NotFoundError:
            config = {}  # the app is made by the infrastructure step first
        self._secret_values.clear()
        changes = []
        for name in self.settable(self.missing(config)):
            value, secret = self.value_for(ctx, name)
            if secret:
                if not self.answers.dry_run:
                    ctx.secret_registry.add(value)
                self._secret_values[name] = value
                changes.append(Change(f"config var {name}", "set", secret=True))
            else:
                changes.append(Change(f"config var {name}", "set", after=value))
        for name, value in self.sentry_differs(ctx, config).items():
            changes.append(Change(f"config var {name}", "set", before=config.get(name), after=value))
        return changes

    def apply(self, ctx: "Context", changes: list[Change]) -> list[Change]:
        if not changes:
            return []
        body = {}
        for change in changes:
            name = change.target.removeprefix("config var ")
            body[name] = self._secret_values[name] if change.secret else change.after
        ctx.heroku().update_config_vars(ctx.env.heroku_app, body)
        ctx.record("config-vars.set", keys=sorted(body))
        self._secret_values.clear()
        return changes
