"""dandiops.toml environments and secrets from the process environment or .env files.

Non-secret settings live in dandiops.toml, found upward from the working directory (or named
by --config / DANDIOPS_CONFIG). Secrets never do: they come from the process environment,
then `.env.NAME`, then `.env`, both beside dandiops.toml.
"""

from __future__ import annotations

import os
import stat
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from dandiops.core.errors import ConfigError
from dandiops.core.files import read_config_text
from dandiops.core.words import noun

CONFIG_FILE = "dandiops.toml"
DEFAULT_STAGING_WORKFLOW = "backend-staging-deploy.yml"
DEFAULT_PRODUCTION_WORKFLOW = "backend-production-deploy.yml"

# Names whose values are secrets wherever they appear; their values are redacted from output.
SECRET_ENV_NAMES = (
    "HEROKU_API_KEY",
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "DJANGO_SUPERUSER_PASSWORD",
    "DANDIOPS_GITHUB_CLIENT_SECRET",
    "DANDIOPS_FORK_GH_TOKEN",
    "DANDIOPS_SANDBOX_RENDEZVOUS_SECRET",
    "NETLIFY_AUTH_TOKEN",
)

_ENV_KEYS = {
    "heroku_app": str,
    "github_repo": str,
    "workflow": str,
    "api_url": str,
    "web_url": str,
    "bucket": str,
    "production": bool,
    "team": str,
    "region": str,
    "heroku_email": str,
    "iam_user": str,
    "terraform_dir": str,
    "branch": str,
    # the web app's build settings the `fork` step writes into the fork (web/netlify.toml, web/.env.production)
    "web_doi_server": str,
    "sentry_dsn": str,
    "sentry_environment": str,
    "workflow_dispatch": bool,  # the `fork` step adds workflow_dispatch to the deploy workflow
    "netlify_site": str,
    "netlify_team": str,
    "email_domain": str,
}


@dataclass(frozen=True)
class Environment:
    """One deployment (staging, production...) as dandiops.toml describes it."""

    name: str
    heroku_app: str
    github_repo: str | None = None
    workflow: str | None = None
    api_url: str | None = None
    web_url: str | None = None
    bucket: str | None = None
    production: bool = False
    team: str | None = None
    region: str = "us"
    heroku_email: str | None = None
    iam_user: str | None = None
    terraform_dir: str | None = None
    branch: str = "master"
    web_doi_server: str | None = None  # default: upstream's for production or for a test instance
    sentry_dsn: str | None = None  # none: no Sentry for the API, and the fork's Sentry lines are removed
    sentry_environment: str | None = None  # default: the environment's name
    workflow_dispatch: bool = False
    netlify_site: str | None = None  # the web app's Netlify site (its name: NAME.netlify.app)
    netlify_team: str | None = None  # the Netlify team (account slug) that owns the site
    email_domain: str | None = None  # the archive's mail is sent from it; default: the host of api_url

    @property
    def mail_domain(self) -> str | None:
        """The domain the archive sends mail from: email_domain, else the host of api_url."""
        from urllib.parse import urlsplit

        return self.email_domain or (urlsplit(self.api_url).hostname if self.api_url else None)

    @property
    def web_branch(self) -> str:
        """The branch the Netlify site builds: `release` for production (the production workflow resets
        it to each release), the environment's branch otherwise (dandi-archive-facts §8)."""
        return "release" if self.production else self.branch

    @property
    def sentry_environment_name(self) -> str | None:
        """The Sentry environment the API and the web app report as, when there is a DSN."""
        return (self.sentry_environment or self.name) if self.sentry_dsn else None

    @property
    def deploy_workflow(self) -> str:
        if self.workflow:
            return self.workflow
        return DEFAULT_PRODUCTION_WORKFLOW if self.production else DEFAULT_STAGING_WORKFLOW

    def require(self, key: str) -> str:
        value: str | None = getattr(self, key, None)
        if not value:
            raise ConfigError(
                f"environment {self.name!r} has no {key}",
                hint=f'add `{key} = "..."` under [environments.{self.name}] in dandiops.toml',
            )
        return value


@dataclass(frozen=True)
class Settings:
    path: Path | None
    environments: Mapping[str, Environment]
    default_env: str | None = None
    notices: tuple[str, ...] = ()

    @property
    def root(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    def environment(self, name: str | None) -> Environment:
        if not self.environments:
            where = str(self.path) if self.path else f"no {CONFIG_FILE} found from {Path.cwd()} upward"
            raise ConfigError(
                f"no environments are defined ({where})",
                hint=f"create {CONFIG_FILE} with an [environments.staging] table, or pass --config PATH",
            )
        chosen = name or self.default_env
        if chosen is None:
            if len(self.environments) == 1:
                return next(iter(self.environments.values()))
            names = ", ".join(sorted(self.environments))
            raise ConfigError(
                f"no environment chosen (defined: {names})",
                hint="pass -e/--env NAME or set DANDIOPS_ENV",
            )
        try:
            return self.environments[chosen]
        except KeyError:
            names = ", ".join(sorted(self.environments))
            raise ConfigError(
                f"environment {chosen!r} is not defined in {self.path} (defined: {names})",
                hint=f"add [environments.{chosen}] to {CONFIG_FILE} or pick one of the defined names",
            ) from None


def find_config(start: Path | None = None) -> Path | None:
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_FILE
        if candidate.is_file():
            return candidate
    return None


def load_settings(config: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    environ = os.environ if environ is None else environ
    explicit = config or environ.get("DANDIOPS_CONFIG")
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise ConfigError(
                f"config file {path} does not exist" + (" (it is a folder)" if path.is_dir() else ""),
                hint="check --config / DANDIOPS_CONFIG, or run from a folder holding dandiops.toml",
            )
    else:
        found = find_config()
        if found is None:
            return Settings(path=None, environments={})
        path = found
    text = read_config_text(path, name=str(path))
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}", hint="fix the syntax error it names") from None
    unknown = sorted(set(data) - {"environments", "default_env"})
    if unknown:
        raise ConfigError(
            f"{path}: unknown top-level {noun(len(unknown), 'key')} {', '.join(unknown)}",
            hint="dandiops.toml holds `default_env` and [environments.NAME] tables only",
        )
    notices: list[str] = []
    environments = _parse_environments(path, data, notices)
    default_env = data.get("default_env")
    if default_env is not None and (not isinstance(default_env, str) or default_env not in environments):
        names = ", ".join(sorted(environments)) or "none"
        raise ConfigError(
            f"{path}: default_env must name a defined environment (defined: {names})",
            hint='write e.g. default_env = "staging"',
        )
    return Settings(path=path, environments=environments, default_env=default_env, notices=tuple(notices))


def _doi_server(value: object) -> str:
    from dandiops.core import names

    return names.check_public_url(value).url + "/"  # the web app appends the DOI to it


def _check_value(key: str, value: Any) -> Any:
    """The value of one environment key as dandiops uses it; ValueError says why it is refused."""
    from dandiops.core import names

    checks = {
        "heroku_app": names.HEROKU_APP.check,
        "github_repo": names.check_github_repo,
        "workflow": names.WORKFLOW_FILE.check,
        "bucket": names.S3_BUCKET.check,
        "team": names.HEROKU_TEAM.check,
        "region": names.HEROKU_REGION.check,
        "iam_user": names.IAM_USER.check,
        "heroku_email": names.EMAIL.check,
        "branch": names.check_branch,
        "web_doi_server": _doi_server,
        "netlify_site": names.NETLIFY_SITE.check,
        "netlify_team": names.NETLIFY_TEAM.check,
        "sentry_dsn": names.SENTRY_DSN.check,
        "sentry_environment": names.SENTRY_ENVIRONMENT.check,
        "email_domain": names.DOMAIN.check,
    }
    check = checks.get(key)
    return check(value) if check else value


def _parse_environments(path: Path, data: Mapping[str, Any], notices: list[str]) -> dict[str, Environment]:
    from dandiops.core import names

    tables = data.get("environments", {})
    if not isinstance(tables, dict):
        raise ConfigError(f"{path}: `environments` must be a table", hint="use [environments.NAME] tables")
    environments = {}
    for name, table in tables.items():
        if not names.ENVIRONMENT_NAME.fullmatch(name):
            raise ConfigError(
                f"{path}: environment name {name!r} is not allowed",
                hint="use letters, digits, dashes and underscores, e.g. [environments.staging]",
            )
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: environments.{name} must be a table", hint=f"use [environments.{name}]")
        if "heroku_app" not in table:
            raise ConfigError(
                f"{path}: environment {name!r} has no heroku_app",
                hint=f'add `heroku_app = "your-app"` under [environments.{name}]',
            )
        unknown = sorted(set(table) - set(_ENV_KEYS))
        if unknown:
            raise ConfigError(
                f"{path}: environments.{name} has unknown {noun(len(unknown), 'key')} {', '.join(unknown)}",
                hint=f"known keys: {', '.join(sorted(_ENV_KEYS))}",
            )
        known: dict[str, Any] = {}
        for key, value in table.items():
            expected = _ENV_KEYS[key]
            if not isinstance(value, expected):
                raise ConfigError(
                    f"{path}: environments.{name}.{key} must be a {expected.__name__}",
                    hint=f"got a {type(value).__name__}",
                )
            try:
                if key in ("api_url", "web_url"):
                    checked = names.check_public_url(value)
                    if checked.dropped_port:
                        notices.append(
                            f"environments.{name}.{key}: the default port is dropped ({checked.url}), "
                            "as browsers send it"
                        )
                    value = checked.url
                else:
                    value = _check_value(key, value)
            except ValueError as exc:
                raise ConfigError(
                    f"{path}: environments.{name}.{key} is not valid: {exc}",
                    hint=f"fix {key} under [environments.{name}] in dandiops.toml",
                ) from None
            known[key] = value
        environments[name] = Environment(name=name, **known)
    return environments


@dataclass
class Secrets:
    """Secret values by name: the process environment first, then .env.NAME, then .env."""

    values: dict[str, str]
    warnings: list[str]

    def get(self, name: str) -> str | None:
        value = self.values.get(name)
        return value if value else None

    def first(self, *names: str) -> str | None:
        for name in names:
            if value := self.get(name):
                return value
        return None


def load_secrets(root: Path, env_name: str | None, environ: Mapping[str, str] | None = None) -> Secrets:
    from dotenv import dotenv_values

    environ = os.environ if environ is None else environ
    merged: dict[str, str] = {}
    warnings: list[str] = []
    files = [root / ".env"] + ([root / f".env.{env_name}"] if env_name else [])
    for file in files:
        if not file.is_file():
            continue
        mode = file.stat().st_mode
        if mode & (stat.S_IRGRP | stat.S_IROTH):
            warnings.append(f"{file} is readable by other users; run `chmod 600 {file}`")
        try:
            values = dotenv_values(file, encoding="utf-8")
        except UnicodeDecodeError:
            raise ConfigError(f"{file} is not UTF-8 text", hint=f"save {file} as UTF-8") from None
        except OSError as exc:
            raise ConfigError(
                f"{file} cannot be read ({exc.strerror or exc})", hint=f"check the permissions of {file}"
            ) from None
        merged.update({k: v for k, v in values.items() if v is not None})
    merged.update(environ)
    return Secrets(values=merged, warnings=warnings)


def connect_origin(url: str, environ: Mapping[str, str] | None = None) -> str:
    """Where to send HTTP requests for `url`: DANDIOPS_CONNECT_TO (`HOST=ORIGIN,...`, like curl's
    --connect-to) reroutes an API host, e.g. to the sandbox's loopback router, while dandiops.toml
    keeps the public URL. Returns `url` with its origin replaced, or `url` unchanged."""
    from urllib.parse import urlsplit

    environ = os.environ if environ is None else environ
    host = urlsplit(url).hostname
    for entry in (environ.get("DANDIOPS_CONNECT_TO") or "").split(","):
        name, sep, origin = entry.strip().partition("=")
        if sep and host and name.lower() == host.lower():
            parts = urlsplit(url)
            return origin.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")
    return url
