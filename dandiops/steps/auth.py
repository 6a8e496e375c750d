"""Sign-in for the archive: the Django Site, GitHub login through allauth, the web app's OAuth application.

One one-off dyno does the whole runbook page in one transaction (dandiops/archive/in_dyno/auth.py).
A plan runs the same script read-only; it never receives the GitHub client secret, only an HMAC of
it under a one-time key, which is enough to say whether the stored secret differs.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets as random_secrets
from typing import TYPE_CHECKING, Any, Callable

from dandiops.app.questions import Question, placeholder
from dandiops.archive.auth import (
    CLIENT_SECRET_VAR,
    DEFAULT_OAUTH_CLIENT_ID,
    OAUTH_CLIENT_ID_MAX,
    SOCIALAPP_FIELD_MAX,
    AuthTargets,
    auth_command,
    oauth_applications_command,
    targets,
    validate_client_id,
    validate_client_secret,
)
from dandiops.archive.management import REQUEST_VAR, encode_request
from dandiops.core.errors import ConflictError
from dandiops.core.words import plural
from dandiops.steps.base import AnsweredStep, Change, Check, Status, Step
from dandiops.steps.oneoff import require_result, run_in_dyno

if TYPE_CHECKING:
    from dandiops.app.context import Context
    from dandiops.core.settings import Environment

# Audit actions, one per object a run changed.
AUDIT_ACTIONS = {
    "site": "auth.site.set",
    "social_app": "auth.github-app.set",
    "oauth_application": "auth.oauth-application.set",
}


def secret_check(secret: str) -> dict[str, str]:
    """What a read-only dyno gets instead of the secret: a one-time key and the HMAC under it."""
    key = random_secrets.token_bytes(16)
    return {"key": key.hex(), "digest": hmac.new(key, secret.encode(), hashlib.sha256).hexdigest()}


def to_changes(items: list[dict[str, Any]]) -> list[Change]:
    changes = []
    for item in items:
        if item["field"] == "created":
            changes.append(Change(target=item["target"], action="create"))
        elif item["field"] == "sites":
            changes.append(Change(target=item["target"], action="attach", after=item["after"]))
        elif item.get("secret"):
            changes.append(Change(target=f"{item['target']} {item['field']}", action="set", secret=True))
        else:
            changes.append(
                Change(
                    target=f"{item['target']} {item['field']}", action="set", before=item["before"], after=item["after"]
                )
            )
    return changes


class AuthStep:
    """check/plan read with one read-only dyno; apply writes with one dyno; `setup` is the command's path."""

    name = "auth"
    title = "Sign-in (Site, GitHub login, web app OAuth application)"

    def __init__(self, wanted: AuthTargets, secret: Callable[[], str]):
        self.wanted = wanted
        self._secret = secret  # read only when a dyno is about to run
        self._read: dict[str, Any] | None = None

    @classmethod
    def from_environment(
        cls, ctx: "Context", *, github_client_id: str, oauth_client_id: str, secret: Callable[[], str]
    ) -> "AuthStep":
        """Validates the ids and the environment's api_url and web_url; raises before any request."""
        github_client_id = validate_client_id(github_client_id, "--github-client-id", max_length=SOCIALAPP_FIELD_MAX)
        oauth_client_id = validate_client_id(oauth_client_id, "--oauth-client-id", max_length=OAUTH_CLIENT_ID_MAX)
        env = ctx.env
        wanted = targets(
            env_name=env.name,
            api_url=env.require("api_url"),
            web_url=env.require("web_url"),
            production=env.production,
            github_client_id=github_client_id,
            oauth_client_id=oauth_client_id,
        )
        return cls(wanted, secret)

    # --- the dyno ------------------------------------------------------------------------------
    def read_secret(self, ctx: "Context") -> str:
        value = self._secret()
        ctx.secret_registry.add(value)
        return value

    def run(self, ctx: "Context", *, apply: bool) -> dict[str, Any]:
        """One dyno: a plan (read-only) or the change; raises ConflictError when the archive refuses."""
        secret = self.read_secret(ctx)
        request = {"mode": "apply" if apply else "plan", **self.wanted.request(), "secret_check": secret_check(secret)}
        env = {REQUEST_VAR: encode_request(request)}
        if apply:
            env[CLIENT_SECRET_VAR] = secret  # in the dyno's env, never in its command text
        what = "setting up sign-in" if apply else "reading the sign-in setup"
        run = run_in_dyno(ctx, auth_command(), env=env, what=what)
        result = require_result(run, what)
        result["dyno"] = run.dyno_name
        if result.get("refused"):
            admin = f"{ctx.env.require('api_url').rstrip('/')}/admin/"
            raise ConflictError(
                f"{what} changed nothing: {result['refused']}",
                hint=f"resolve it in the Django admin ({admin}), then run the command again",
            )
        if apply:
            self._record(ctx, result)
        return result

    def _record(self, ctx: "Context", result: dict[str, Any]) -> None:
        for key, action in AUDIT_ACTIONS.items():
            fields = [item["field"] for item in result["changes"] if item["object"] == key]
            if fields:
                detail = {"fields": fields, "dyno": result["dyno"]}
                detail.update({"site_domain": self.wanted.site_domain} if key == "site" else {})
                detail.update({"client_id": self.wanted.github_client_id} if key == "social_app" else {})
                detail.update(
                    {"client_id": self.wanted.oauth_client_id, "redirect_uri": self.wanted.redirect_uri}
                    if key == "oauth_application"
                    else {}
                )
                ctx.record(action, **detail)

    def setup(self, ctx: "Context", *, dry_run: bool = False) -> dict[str, Any]:
        """The command: with dry_run a read-only dyno reports the plan; otherwise one dyno applies it."""
        return self.run(ctx, apply=not dry_run)

    # --- the step protocol (init) -------------------------------------------------------------
    def read(self, ctx: "Context") -> dict[str, Any]:
        if self._read is None:
            self._read = self.run(ctx, apply=False)
        return self._read

    def check(self, ctx: "Context") -> Check:
        result = self.read(ctx)
        changes = to_changes(result["changes"])
        if not changes:
            return Check(Status.OK, f"sign-in is set up for {self.wanted.site_domain}", result["warnings"])
        return Check(
            Status.PENDING,
            f"{plural(len(changes), 'sign-in setting')} to change",
            [change.describe() for change in changes] + result["warnings"],
        )

    def plan(self, ctx: "Context") -> list[Change]:
        return to_changes(self.read(ctx)["changes"])

    def apply(self, ctx: "Context", changes: list[Change]) -> list[Change]:
        if not changes:
            return []
        self._read = None
        return to_changes(self.run(ctx, apply=True)["changes"])


def read_oauth_applications(ctx: "Context") -> list[dict[str, Any]]:
    """The archive's OAuth applications as its database holds them ({"client_id", "name",
    "redirect_uris"} each): one read-only one-off dyno."""
    what = "reading the OAuth applications"
    run = run_in_dyno(ctx, oauth_applications_command(), echo=False, what=what)
    return list(require_result(run, what)["applications"])


# --- for `dandiops init`: the same step with its inputs as questions ---------------------------------
def _client_id_problem(option: str, max_length: int) -> Callable[[str], str | None]:
    def problem(value: str) -> str | None:
        from dandiops.core.errors import UsageError

        try:
            validate_client_id(value, option, max_length=max_length)
        except UsageError as exc:
            return exc.message
        return None

    return problem


# the confirmation of the checklist item that registers the GitHub OAuth App (steps/checklist.py)
OAUTH_APP_REGISTERED = "checklist.github-oauth-app"

GITHUB_CLIENT_ID = Question(
    "auth.github_client_id",
    "Client ID of the GitHub OAuth App users sign in with",
    validate=_client_id_problem("auth.github_client_id", SOCIALAPP_FIELD_MAX),
)
OAUTH_CLIENT_ID = Question(
    "auth.oauth_client_id",
    "Client ID of the web app's OAuth application (the frontend's VITE_APP_OAUTH_CLIENT_ID)",
    default=DEFAULT_OAUTH_CLIENT_ID,
    validate=_client_id_problem("auth.oauth_client_id", OAUTH_CLIENT_ID_MAX),
)
GITHUB_CLIENT_SECRET = Question(
    "auth.github_client_secret", "Client secret of the GitHub OAuth App", kind="secret", env_var=CLIENT_SECRET_VAR
)


class WebAppClientIdStep(AnsweredStep):
    """The init step of a step the web app's OAuth client id is built into (the fork's edits, the
    Netlify site): the id is its question, the answer the auth step registers too. A subclass names
    the step it builds (`class ForkInitStep(WebAppClientIdStep, builds=ForkStep)`), whose name and
    title it takes, and says when dandiops.toml lacks what that step needs (`missing_setting`)."""

    inputs = (OAUTH_CLIENT_ID,)
    # the built step's, set by __init_subclass__
    name: str
    title: str

    def __init_subclass__(cls, *, builds: type[Step], **settings: Any) -> None:
        super().__init_subclass__(**settings)
        cls.name, cls.title = builds.name, builds.title

    def build(self, ctx: "Context", values: list[Any]) -> Step:
        (oauth_client_id,) = values
        return self.with_client_id(ctx, oauth_client_id)

    def with_client_id(self, ctx: "Context", oauth_client_id: str) -> Step:
        raise NotImplementedError

    def missing_setting(self, env: "Environment") -> str | None:
        """Why the step is skipped in `env` (the dandiops.toml setting it lacks), or None."""
        raise NotImplementedError

    def check(self, ctx: "Context") -> Check:
        missing = self.missing_setting(ctx.env)
        return Check(Status.SKIPPED, missing) if missing else super().check(ctx)

    def unanswered(self) -> Check:
        return Check(Status.PENDING, f"the web app's OAuth client id is not answered yet ({OAUTH_CLIENT_ID.key})")


class AuthInitStep(AnsweredStep):
    """AuthStep with its client ids as questions; the client secret is read only when a dyno is about to run."""

    name = AuthStep.name
    title = AuthStep.title
    needs_ready_app = True  # it runs the app's code in a dyno
    needs_deploy = True
    remembered = True
    inputs = (GITHUB_CLIENT_ID, OAUTH_CLIENT_ID)
    later = (GITHUB_CLIENT_SECRET,)

    def build(self, ctx: "Context", values: list[Any]) -> AuthStep:
        github_client_id, oauth_client_id = values
        return AuthStep.from_environment(
            ctx,
            github_client_id=github_client_id,
            oauth_client_id=oauth_client_id,
            secret=lambda: validate_client_secret(self.answers.ask(GITHUB_CLIENT_SECRET), GITHUB_CLIENT_SECRET.key),
        )

    def ready_to_ask(self, ctx: "Context") -> bool:
        """Its client id exists only once the operator has registered the GitHub OAuth App (the
        github-oauth-app item tells how): asked after that item is confirmed, never before."""
        from dandiops.app.confirmations import Confirmations

        return Confirmations.for_context(ctx).get(ctx.env.heroku_app, OAUTH_APP_REGISTERED) is not None

    def questions(self, ctx: "Context") -> list[Question]:
        return super().questions(ctx) if self.ready_to_ask(ctx) else []

    def unanswered(self) -> Check:
        return Check(
            Status.PENDING,
            f"the client ids are not answered yet ({GITHUB_CLIENT_ID.key}, {OAUTH_CLIENT_ID.key}); "
            "they are asked once the GitHub OAuth App is registered (github-oauth-app)",
        )

    def placeholder_plan(self) -> list[Change]:
        return [Change(f"sign-in with {placeholder(GITHUB_CLIENT_ID)}", "set up")]
