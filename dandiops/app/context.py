"""The objects every command and step receives: an Application and a Context per environment.

The Application is what one command run shares whatever environments it touches: the terminal, the
Reporter (so a command that reports on several environments still writes one JSON document), the
secret registry, the Prompter, --yes and the once-per-run announcement and confirmation. A Context
holds the Application and what belongs to one environment: the settings, the chosen environment, its
secrets, its audit log and API clients built lazily, so that a command pays only for the clients it
uses. A Context reads (and sets) the application-wide attributes as its own: `ctx.reporter`.
"""

from __future__ import annotations

import os
from functools import cached_property
from typing import IO, TYPE_CHECKING, Any, Generic, Mapping, TypedDict, TypeVar, Unpack, overload

from dandiops.core.audit import AuditLog, default_audit_path, operator_name
from dandiops.core.errors import Aborted, ConfigError, UsageError
from dandiops.core.output import Reporter, Terminal
from dandiops.core.prompting import Prompter
from dandiops.core.redact import SecretRegistry
from dandiops.core.settings import SECRET_ENV_NAMES, Environment, Secrets, Settings, load_secrets, load_settings
from dandiops.providers.writes import WriteCounter

if TYPE_CHECKING:
    from dandiops.providers.aws import AwsClient
    from dandiops.providers.github import GitHubClient
    from dandiops.providers.heroku import HerokuClient
    from dandiops.providers.heroku_data import HerokuDataClient
    from dandiops.providers.http import ApiClient
    from dandiops.providers.netlify import NetlifyClient


_ApiClientT = TypeVar("_ApiClientT", bound="ApiClient")
_Value = TypeVar("_Value")


class ApplicationOptions(TypedDict, total=False):
    """What an Application is built from; a Context built without one takes them to build its own."""

    config_path: str | None
    json_mode: bool
    yes: bool
    terminal: Terminal | None
    environ: Mapping[str, str] | None
    prompter: Prompter | None
    stdout: IO[str] | None
    stderr: IO[str] | None


class Application:
    def __init__(
        self,
        *,
        config_path: str | None = None,
        json_mode: bool = False,
        yes: bool = False,
        terminal: Terminal | None = None,
        environ: Mapping[str, str] | None = None,
        prompter: Prompter | None = None,
        stdout: IO[str] | None = None,
        stderr: IO[str] | None = None,
    ):
        self.environ = dict(os.environ if environ is None else environ)
        self.config_path = config_path
        self.yes = yes
        self.terminal = terminal or Terminal.detect(self.environ)
        self.secret_registry = SecretRegistry()
        self.reporter = Reporter(
            self.terminal, json_mode=json_mode, secrets=self.secret_registry, stdout=stdout, stderr=stderr
        )
        self._prompter = prompter
        self.announced = False
        self.confirmed = False
        for name in SECRET_ENV_NAMES:
            self.secret_registry.add(self.environ.get(name))

    @property
    def prompter(self) -> Prompter:
        if self._prompter is None:
            raise RuntimeError("no Prompter was given to this Application")  # the CLI always injects one
        return self._prompter

    def context(self, env_name: str | None = None, *, subject_of_result: bool = True) -> "Context":
        return Context(app=self, env_name=env_name, subject_of_result=subject_of_result)


class _ApplicationWide(Generic[_Value]):
    """An attribute of the Application that a Context reads as its own (and, where settable, sets)."""

    def __init__(self, *, settable: bool = False):
        self.settable = settable
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, ctx: None, owner: type) -> "_ApplicationWide[_Value]": ...

    @overload
    def __get__(self, ctx: "Context", owner: type) -> _Value: ...

    def __get__(self, ctx: "Context | None", owner: type) -> "_Value | _ApplicationWide[_Value]":
        if ctx is None:
            return self
        value: _Value = getattr(ctx.app, self.name)
        return value

    def __set__(self, ctx: "Context", value: _Value) -> None:
        if not self.settable:
            raise AttributeError(f"{self.name} belongs to the Application and cannot be set through a Context")
        setattr(ctx.app, self.name, value)


class Context:
    """One environment's view of a command run.

    subject_of_result=False is for a command that reports on several environments: choosing this
    Context's environment must not label the one result (the Reporter's subject) with it."""

    def __init__(
        self,
        *,
        app: Application | None = None,
        env_name: str | None = None,
        subject_of_result: bool = True,
        **options: Unpack[ApplicationOptions],
    ):
        if app is None:
            app = Application(**options)
        elif options:
            raise TypeError("pass the application-wide options to the Application, not to a Context built from it")
        self.app = app
        self.env_name = env_name
        self.subject_of_result = subject_of_result
        self._clients: dict[str, Any] = {}
        self.writes = WriteCounter()  # every client of this Context counts the write requests it sends here

    # --- the application-wide part, read through the Context ----------------------------
    environ = _ApplicationWide[dict[str, str]]()
    config_path = _ApplicationWide[str | None]()
    yes = _ApplicationWide[bool](settable=True)
    terminal = _ApplicationWide[Terminal](settable=True)
    reporter = _ApplicationWide[Reporter]()
    secret_registry = _ApplicationWide[SecretRegistry]()
    prompter = _ApplicationWide[Prompter]()

    # --- configuration -------------------------------------------------------------------
    @cached_property
    def settings(self) -> Settings:
        settings = load_settings(self.config_path, self.environ)
        for notice in settings.notices:
            self.reporter.warn(notice)
        return settings

    @cached_property
    def env(self) -> Environment:
        env = self.settings.environment(self.env_name)
        if self.subject_of_result:
            self.reporter.subject = {"env": env.name, "app": env.heroku_app}
        return env

    @cached_property
    def secrets(self) -> Secrets:
        env_name = self.env_name or self.settings.default_env
        secrets = load_secrets(self.settings.root, env_name, self.environ)
        for name in SECRET_ENV_NAMES:
            self.secret_registry.add(secrets.get(name))
        for warning in secrets.warnings:
            self.reporter.warn(warning)
        return secrets

    def setting(self, name: str, default: str | None = None) -> str | None:
        """A non-secret setting: the process environment, then the .env files."""
        return self.environ.get(name) or self.secrets.get(name) or default

    def endpoint(self, name: str, default: str) -> str:
        """An API base URL, overridable by `name` (e.g. to point at the sandbox); a malformed one is exit 3."""
        from urllib.parse import urlsplit

        value = self.setting(name, default) or default
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - raises ValueError on a malformed port
        except ValueError:
            parts = None
        if (
            parts is None
            or parts.scheme not in ("http", "https")
            or not parts.hostname
            or parts.query
            or parts.fragment
            or not value.isascii()
            or any(c.isspace() for c in value)
        ):
            raise ConfigError(f"{name} is not an http(s) URL", hint=f"fix or unset {name}, e.g. {default}")
        return value.rstrip("/")

    def credential(self, *names: str) -> str | None:
        """The first of `names` that is set; a value that cannot be sent in a header is exit 3, never echoed."""
        for name in names:
            value = self.secrets.get(name)
            if value is None:
                continue
            if not value.isascii() or not value.isprintable() or value != value.strip():
                raise ConfigError(
                    f"{name} is malformed: it holds a line break, a space at either end, a control "
                    "or a non-ASCII character",
                    hint=f"set {name} again from the provider, without quotes or line breaks",
                )
            return value
        return None

    def retry_policy(self):
        from dandiops.providers.http import RetryPolicy

        return RetryPolicy.from_env({**self.secrets.values, **self.environ})

    @cached_property
    def audit(self) -> AuditLog:
        # per environment, not application-wide: DANDIOPS_AUDIT_LOG may come from this environment's .env file
        path = self.environ.get("DANDIOPS_AUDIT_LOG") or self.secrets.get("DANDIOPS_AUDIT_LOG")
        return AuditLog(
            default_audit_path({"DANDIOPS_AUDIT_LOG": path} if path else self.environ),
            self.secret_registry,
            operator_name(self.environ),
        )

    def record(self, action: str, result: str = "ok", **detail: Any) -> None:
        env = self.env
        self.audit.record(env=env.name, app=env.heroku_app, action=action, result=result, **detail)

    # --- clients -------------------------------------------------------------------------
    def heroku(self) -> "HerokuClient":
        from dandiops.providers.heroku import HerokuClient

        return self._api_client(HerokuClient)

    def heroku_data(self) -> "HerokuDataClient":
        """The Heroku Data API (Postgres backups): same key, its own host (DANDIOPS_HEROKU_DATA_API_URL)."""
        from dandiops.providers.heroku_data import HerokuDataClient

        return self._api_client(HerokuDataClient)

    def github(self) -> "GitHubClient":
        """PyGithub behind GitHubClient; token GITHUB_TOKEN or GH_TOKEN, DANDIOPS_GITHUB_API_URL for a stand-in."""
        from dandiops.providers.github import GitHubClient

        return self._api_client(GitHubClient)

    def netlify(self) -> "NetlifyClient":
        """The Netlify API; token NETLIFY_AUTH_TOKEN, DANDIOPS_NETLIFY_API_URL for a stand-in."""
        from dandiops.providers.netlify import NetlifyClient

        return self._api_client(NetlifyClient)

    def _api_client(self, client_class: "type[_ApiClientT]") -> "_ApiClientT":
        """One client per run for each API: its credential, its host (overridable), the retry policy and
        the settings of this environment's .env."""
        key = client_class.__name__
        if key not in self._clients:
            env_name = self.env.name  # an unknown or missing environment is the first thing to report
            self._clients[key] = client_class(
                self.credential(*client_class.credential_names),
                base_url=self.endpoint(client_class.url_setting, client_class.default_url),
                env_name=env_name,
                retry=self.retry_policy(),
                environ={**self.secrets.values, **self.environ},
                writes=self.writes,
            )
        client: _ApiClientT = self._clients[key]
        return client

    def aws(self) -> "AwsClient":
        """boto3 clients for S3, IAM and STS; AWS_ENDPOINT_URL points them at a stand-in such as moto."""
        if "aws" not in self._clients:
            from dandiops.providers.aws import AwsClient

            endpoint = (
                self.endpoint("AWS_ENDPOINT_URL", "https://aws.invalid") if self.setting("AWS_ENDPOINT_URL") else None
            )
            self._clients["aws"] = AwsClient(
                endpoint_url=endpoint,
                region=self.aws_region(),
                access_key_id=self.credential("AWS_ACCESS_KEY_ID"),
                secret_access_key=self.credential("AWS_SECRET_ACCESS_KEY"),
                session_token=self.credential("AWS_SESSION_TOKEN"),
                profile=self.setting("AWS_PROFILE"),
                writes=self.writes,
            )
        return self._clients["aws"]

    def aws_region(self) -> str | None:
        from dandiops.core.names import AWS_REGION

        for name in ("AWS_DEFAULT_REGION", "AWS_REGION"):
            value = self.setting(name)
            if value is not None:
                if not AWS_REGION.fullmatch(value):
                    raise ConfigError(
                        f"{name} is not an AWS region name",
                        hint=f"set {name} to a region such as us-east-2, or unset it",
                    )
                return value
        return None

    def close(self) -> None:
        for client in self._clients.values():
            close = getattr(client, "close", None)
            if close:
                close()
        self._clients.clear()

    # --- announcing and confirming (once per command run) -------------------------------
    def announce(self, action: str) -> None:
        """Say once, on stderr, which environment and app this run changes."""
        if self.app.announced:
            return
        self.app.announced = True
        env = self.env
        kind = "PRODUCTION " if env.production else ""
        self.reporter.info(f"{action}: environment {env.name}, {kind}app {env.heroku_app}")

    def prepare_change(self, action: str) -> None:
        """Before the first remote change of a run: name the target and make sure the change can be audited."""
        self.announce(action)
        self.audit.ensure_writable()

    def confirm_change(self, action: str) -> None:
        """prepare_change, then on production have the app name typed back (or --yes)."""
        env = self.env
        self.prepare_change(action)
        if not env.production or self.yes or self.app.confirmed:
            return
        if not self.terminal.interactive:
            raise UsageError(
                f"{action} on production app {env.heroku_app} needs confirmation",
                hint="pass --yes to confirm without a prompt",
            )
        answer = self.prompter.text(f"{action} on PRODUCTION. Type the app name ({env.heroku_app}) to continue:")
        if (answer or "").strip() != env.heroku_app:
            raise Aborted("confirmation did not match the app name; nothing was changed")
        self.app.confirmed = True

    def require_secret(self, name: str, hint: str) -> str:
        value = self.secrets.get(name)
        if not value:
            raise ConfigError(f"{name} is not set", hint=hint)
        return value
