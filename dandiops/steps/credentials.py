"""Credentials: the Heroku account, GitHub repository access and token scopes, the AWS caller identity.

A check-only step: nothing here changes anything. Each credential is probed with one read and
reported by who it belongs to (never by its value).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from dandiops.core.errors import AuthError, DandiopsError, ExitCode
from dandiops.core.words import noun
from dandiops.steps.base import Change, Check, InitStep, Status

if TYPE_CHECKING:
    from dandiops.app.context import Context
    from dandiops.providers.github import TokenAccess

NEEDED_SCOPES = ("repo", "workflow")


@dataclass
class Probe:
    service: str
    status: Status
    detail: str
    hint: str | None = None
    error: DandiopsError | None = None

    def line(self) -> str:
        return f"{self.service}: {self.detail}" + (f" ({self.hint})" if self.hint else "")


def probe_heroku(ctx: "Context") -> Probe:
    account = ctx.heroku().account()
    detail = f"signed in as {account['email']}"
    expected = ctx.env.heroku_email
    if expected and expected != account["email"]:
        return Probe(
            "Heroku",
            Status.OK,
            detail + f"; heroku_email in dandiops.toml says {expected}",
            "the deploy workflows use HEROKU_EMAIL; make sure it matches the key's account",
        )
    return Probe("Heroku", Status.OK, detail)


def probe_aws(ctx: "Context") -> Probe:
    identity = ctx.aws().caller_identity()
    return Probe("AWS", Status.OK, f"{identity['arn']} (account {identity['account']})")


def token_problems(access: "TokenAccess") -> list[str]:
    """What keeps the token from releasing and from setting the deploy workflows' Actions secrets."""
    found = []
    if access.scopes is not None:
        missing = [s for s in NEEDED_SCOPES if s not in access.scopes]
        if missing:
            found.append(f"the token lacks the {', '.join(missing)} {noun(len(missing), 'scope')}")
    if access.permission != "admin":
        found.append(f"the token's account has {access.permission} access; setting Actions secrets needs admin")
    return found


def probe_github(ctx: "Context") -> Probe:
    repo = ctx.env.github_repo
    if not repo:
        return Probe("GitHub", Status.SKIPPED, "no github_repo in dandiops.toml")
    access = ctx.github().token_access(repo)
    problems = token_problems(access)
    scopes = "fine-grained token" if access.scopes is None else "scopes " + (", ".join(access.scopes) or "none")
    detail = f"{access.permission} access to {repo}; {scopes}"
    if problems:
        hint = "; ".join(problems) + " (Settings > Developer settings > Personal access tokens)"
        return Probe("GitHub", Status.FAILED, detail, hint, AuthError(detail, hint=hint))
    return Probe("GitHub", Status.OK, detail)


Probes = tuple[tuple[str, Callable[["Context"], Probe]], ...]  # (service, probe)
PROBES: Probes = (("Heroku", probe_heroku), ("GitHub", probe_github), ("AWS", probe_aws))


class CredentialsStep(InitStep):
    name = "credentials"
    title = "Credentials (Heroku, GitHub, AWS)"

    def __init__(self, probes: Probes = PROBES):
        self.probes = probes

    def probe_all(self, ctx: "Context") -> list[Probe]:
        results = []
        for service, probe in self.probes:
            try:
                results.append(probe(ctx))
            except DandiopsError as exc:
                results.append(Probe(service, Status.FAILED, exc.message, exc.hint, exc))
        return results

    def check(self, ctx: "Context") -> Check:
        """OK when every credential works; otherwise raises, with the first failure's exit code (auth, config...)."""
        probes = self.probe_all(ctx)
        failed = [p for p in probes if p.status == Status.FAILED]
        if failed:
            first = failed[0]
            code = first.error.exit_code if first.error else ExitCode.CHECK_FAILED
            raise DandiopsError(
                "; ".join(f"{p.service}: {p.detail}" for p in failed),
                hint="; ".join(p.hint for p in failed if p.hint) or None,
                exit_code=code,
            )
        return Check(Status.OK, "; ".join(f"{p.service} {p.status.value}" for p in probes), [p.line() for p in probes])

    def plan(self, ctx: "Context") -> list[Change]:
        return []  # credentials are the operator's to fix; the check says how

    def apply(self, ctx: "Context", changes: list[Change]) -> list[Change]:
        return []
