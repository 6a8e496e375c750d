"""The web app on Netlify: the site, linked to the fork, built with this clone's settings, on web_url over HTTPS.

What must be true (dandi-archive-facts §8, frontend-email-domains §1): the site `netlify_site` exists in
the team `netlify_team`; it builds the fork from its base directory `web` with the build command and
publish directory of the fork's web/netlify.toml, from the branch that carries the environment
(`release` for production, the environment's branch otherwise) and no other; the variables the build
needs (API root, OAuth API root and client id, Sentry when configured) are the site's own unless
netlify.toml sets them for that branch (netlify.toml wins on Netlify, so a different value there is
reported for the fork to change: no API call can fix it); the custom domain is web_url's host, with
the DNS record it needs printed; HTTPS is provisioned and enforced; and a production deploy of the
branch's head with the current settings is published. A build runs when the branch's newest production
deploy is of another commit (a release moved `release` on), ended in error, or there is none, and
when this run changed what a build reads (the site, its build settings, its variables); a deploy of
the head still under way is followed, not started again.

A certificate Netlify cannot issue yet (DNS not pointing at Netlify) leaves the step pending with the
record to create; running it again finishes it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable
from urllib.parse import urlsplit

from dandiops.app.questions import placeholder
from dandiops.archive.fork import NETLIFY_TOML
from dandiops.archive.frontend import (
    BASE_DIRECTORY,
    DEFAULT_BUILD_COMMAND,
    DEFAULT_PUBLISH,
    ConfiguredValue,
    NetlifyConfig,
    dns_record,
    web_variables,
)
from dandiops.core.errors import ConfigError, DandiopsError, ExitCode, TimeoutExpired
from dandiops.core.words import plural
from dandiops.providers.netlify import ALL_SCOPES, DEPLOY_DONE, EnvVarCreation, RepoLink
from dandiops.steps.auth import OAUTH_CLIENT_ID, WebAppClientIdStep
from dandiops.steps.base import Change, Check, InitStep, OperatorTask, ReadUntilWrite, Status

if TYPE_CHECKING:
    from dandiops.app.context import Context
    from dandiops.app.questions import Question
    from dandiops.core.settings import Environment
    from dandiops.providers.api_json import JsonObject
    from dandiops.providers.netlify import NetlifyClient

DEFAULT_DEPLOY_TIMEOUT = 900.0  # seconds: a real build of the web app takes a few minutes


@dataclass(frozen=True)
class FrontendTarget:
    """What one environment's site must be, from dandiops.toml and the OAuth client id."""

    env_name: str
    site: str
    team: str | None
    repo: str
    branch: str
    web_url: str
    variables: dict[str, str]

    @property
    def host(self) -> str:
        return urlsplit(self.web_url).hostname or ""

    @classmethod
    def of(cls, env: "Environment", *, oauth_client_id: str) -> "FrontendTarget":
        """Raises ConfigError naming the key dandiops.toml lacks."""
        return cls(
            env_name=env.name,
            site=env.require("netlify_site"),
            team=env.netlify_team,
            repo=env.require("github_repo"),
            branch=env.web_branch,
            web_url=env.require("web_url"),
            variables=web_variables(env, oauth_client_id=oauth_client_id),
        )


@dataclass
class Variable:
    """One variable the build needs: what it must be and where the build would take it from now."""

    key: str
    wanted: str
    configured: ConfiguredValue | None  # netlify.toml's, for this branch: it wins
    site_value: str | None  # the site's own value for a production build of the branch

    @property
    def source(self) -> str:
        if self.configured is not None:
            return f"netlify.toml {self.configured.where}"
        return "site variable" if self.site_value is not None else "unset"

    @property
    def value(self) -> str | None:
        return self.configured.value if self.configured is not None else self.site_value

    @property
    def fixed_in_fork(self) -> bool:
        """netlify.toml sets it to something else: only an edit of the fork changes it."""
        return self.configured is not None and self.configured.value != self.wanted

    @property
    def to_set(self) -> bool:
        return self.configured is None and self.site_value != self.wanted


@dataclass
class SiteView:
    """The site as Netlify and the fork have it now."""

    team: str
    site: "JsonObject | None"
    head: str | None  # the branch's head commit; None when the fork has no such branch
    config: NetlifyConfig | None  # web/netlify.toml on the branch; None when there is none
    variables: list[Variable]
    site_vars: dict[str, "JsonObject"]
    certificate: "JsonObject | None"
    deploy: "JsonObject | None"  # the newest production deploy
    notes: list[str] = field(default_factory=list)


def _site_value(var: "JsonObject | None", branch: str) -> str | None:
    """The value a production build of `branch` takes: the branch's own, else production's, else all's."""
    if var is None:
        return None
    values = [v for v in var.get("values") or [] if isinstance(v, dict)]
    for context, parameter in (("branch", branch), ("production", None), ("all", None)):
        for value in values:
            if value.get("context") == context and (parameter is None or value.get("context_parameter") == parameter):
                return str(value.get("value", ""))
    return None


def _winning_context(var: "JsonObject") -> str:
    """The context whose value a production build takes, so a change of it is the one that counts."""
    contexts = {v.get("context") for v in var.get("values") or [] if isinstance(v, dict)}
    return "production" if "production" in contexts else "all"


class FrontendStep(InitStep):
    name = "frontend"
    title = "Web app on Netlify (site, build settings, variables, domain, HTTPS)"

    def __init__(self, target: FrontendTarget, *, timeout: float = DEFAULT_DEPLOY_TIMEOUT):
        self.target = target
        self.timeout = timeout
        self._view = ReadUntilWrite(self._read)
        self._needs_dns = False  # the certificate waits for the web host's DNS record, as last seen

    # --- reading -------------------------------------------------------------------------------
    def team(self, ctx: "Context") -> str:
        if self.target.team:
            return self.target.team
        teams = [str(account.get("slug")) for account in ctx.netlify().accounts()]
        if len(teams) == 1:
            return teams[0]
        raise ConfigError(
            f"the Netlify token's user belongs to {plural(len(teams), 'team')} ({', '.join(teams) or 'none'})",
            hint=f'add `netlify_team = "SLUG"` under [environments.{self.target.env_name}] in dandiops.toml',
        )

    def read(self, ctx: "Context") -> SiteView:
        """The site and the fork as they are now: read again once this run has written anything (in
        init, the steps before this one create the release branch and merge the fork's edits)."""
        return self._view.get(ctx)

    def _read(self, ctx: "Context") -> SiteView:
        netlify, github, target = ctx.netlify(), ctx.github(), self.target
        team = self.team(ctx)
        site = netlify.find_site(target.site)
        head = github.ref_sha(target.repo, f"heads/{target.branch}")
        notes = []
        config = None
        if head is None:
            notes.append(
                f"{target.repo} has no branch {target.branch} yet: the site is built once it has"
                + (" (the production workflow makes it at the first release)" if target.branch == "release" else "")
            )
        else:
            found = github.find_file(target.repo, NETLIFY_TOML, head)
            if found is not None and found.content is not None:
                config = NetlifyConfig.parse(found.content.decode("utf-8", "replace"), where=f"{NETLIFY_TOML}")
        site_vars: dict[str, JsonObject] = {}
        certificate = deploy = None
        if site is not None:
            site_vars = {str(v.get("key")): v for v in netlify.env_vars(team, str(site["id"]))}
            certificate = netlify.certificate(str(site["id"]))
            deploys = netlify.deploys(str(site["id"]), branch=target.branch, limit=10)
            deploy = next((d for d in deploys if d.get("context") == "production"), None)
        configured = config.environment(target.branch) if config is not None else {}
        variables = [
            Variable(key, wanted, configured.get(key), _site_value(site_vars.get(key), target.branch))
            for key, wanted in target.variables.items()
        ]
        return SiteView(team, site, head, config, variables, site_vars, certificate, deploy, notes)

    def wanted_link(self, view: SiteView) -> RepoLink:
        config = view.config
        return {
            "provider": "github",
            "repo_path": self.target.repo,
            "repo_url": f"https://github.com/{self.target.repo}",
            "repo_branch": self.target.branch,
            "base": BASE_DIRECTORY,
            "cmd": (config.command if config else None) or DEFAULT_BUILD_COMMAND,
            "dir": (config.publish if config else None) or DEFAULT_PUBLISH,
            "allowed_branches": [self.target.branch],
        }

    def link_changes(self, view: SiteView) -> list[Change]:
        wanted = self.wanted_link(view)
        current = (view.site or {}).get("build_settings") or {}
        labels = {
            "repo_path": "repository",
            "repo_branch": "production branch",
            "base": "base directory",
            "cmd": "build command",
            "dir": "publish directory",
            "allowed_branches": "branches built",
        }
        changes = []
        for key, label in labels.items():
            have, want = current.get(key), wanted[key]  # type: ignore[literal-required]
            if have != want:
                shown = ", ".join(want) if isinstance(want, list) else str(want)
                before = None if have is None else (", ".join(have) if isinstance(have, list) else str(have))
                changes.append(Change(f"{self.target.site} {label}", "set", before=before, after=shown))
        return changes

    def record(self) -> str:
        return dns_record(self.target.web_url, self.target.site).describe()

    def https_ready(self, view: SiteView) -> bool:
        cert = view.certificate or {}
        return cert.get("state") == "issued" and self.target.host in (cert.get("domains") or [])

    # --- the step ----------------------------------------------------------------------------------
    def plan(self, ctx: "Context") -> list[Change]:
        view = self.read(ctx)
        target, site = self.target, view.site
        changes: list[Change] = []
        if site is None:
            changes.append(Change(f"Netlify site {target.site}", "create", after=f"team {view.team}"))
        changes += self.link_changes(view)
        for var in view.variables:
            if var.to_set:
                changes.append(
                    Change(f"{target.site} variable {var.key}", "set", before=var.site_value, after=var.wanted)
                )
        if (site or {}).get("custom_domain") != target.host:
            changes.append(
                Change(
                    f"{target.site} custom domain", "set", before=(site or {}).get("custom_domain"), after=target.host
                )
            )
        if not self.https_ready(view):
            changes.append(Change(f"{target.site} HTTPS certificate for {target.host}", "provision"))
        if not (site or {}).get("force_ssl"):
            changes.append(Change(f"{target.site} HTTPS redirect", "set", after="on"))
        # what a build reads: a new site, its build settings, its variables
        settings_change = site is None or bool(self.link_changes(view)) or any(v.to_set for v in view.variables)
        due = self.deploy_due(view, settings_changed=settings_change)
        if due is not None and view.head is not None:
            changes.append(Change(f"{target.site} production deploy", due, after=f"{target.branch} @ {view.head[:7]}"))
        return changes

    def deploy_due(self, view: SiteView, *, settings_changed: bool) -> str | None:
        """What the branch's head needs: `build` when it has no production deploy with the current settings,
        `follow` when its deploy is under way, None when it is published (or the branch does not exist yet)."""
        if view.head is None:
            return None
        last = view.deploy
        if settings_changed or last is None:
            return "build"
        state, commit = last.get("state"), last.get("commit_ref")
        if state in DEPLOY_DONE:
            return None if state == "ready" and commit == view.head else "build"
        # a build names its commit once it has checked the branch out: until then it builds the head
        return "follow" if commit in (None, view.head) else "build"

    def operator_tasks(self, ctx: "Context") -> list[OperatorTask]:
        if not self._needs_dns:
            return []
        return [
            OperatorTask(
                f"DNS: create the record {self.record()} (the web app's host at Netlify); Netlify then issues the "
                "certificate",
                then=f"`dandiops init -e {ctx.env.name} --only frontend` provisions HTTPS once the record resolves",
            )
        ]

    def findings(self, view: SiteView) -> list[str]:
        """What dandiops cannot change through Netlify: values the fork's netlify.toml sets, and notes."""
        found = list(view.notes)
        for var in view.variables:
            if var.fixed_in_fork:
                found.append(
                    f"{NETLIFY_TOML} sets {var.key} = {var.configured.value!r} in {var.configured.where}"  # type: ignore[union-attr]
                    f" (needs {var.wanted!r}); netlify.toml beats the site's variables, so the fork must change"
                )
        return found

    def check(self, ctx: "Context") -> Check:
        view = self.read(ctx)
        self._needs_dns = not self.https_ready(view)
        changes = self.plan(ctx)
        findings = self.findings(view)
        record = f"DNS: {self.record()}"
        if not changes and not findings:
            return Check(
                Status.OK,
                f"{self.target.site} builds {self.target.repo} {self.target.branch} and serves "
                f"https://{self.target.host}",
                [record],
            )
        summary = f"{plural(len(changes), 'change')} to make" if changes else "waits for the fork"
        hint = None
        if findings:
            hint = "the fork's web/netlify.toml is the fork step's to edit: run `dandiops init` (its fork step)"
        return Check(Status.PENDING, summary, [c.describe() for c in changes] + findings + [record], hint=hint)

    def apply(self, ctx: "Context", changes: list[Change]) -> list[Change]:
        if not changes:
            return []
        view = self.read(ctx)
        self._view.forget()
        netlify, target = ctx.netlify(), self.target
        applied: list[Change] = []
        site = view.site
        link = self.wanted_link(view)
        settings_changed = site is None  # what a build reads changed: the next build must run
        if site is None:
            site = netlify.create_site(view.team, target.site, link)
            ctx.record("netlify.site.create", site=target.site, team=view.team, repo=target.repo)
            applied.append(Change(f"Netlify site {target.site}", "create", after=f"team {view.team}"))
        else:
            link_changes = self.link_changes(view)
            if link_changes:
                site = netlify.update_site(str(site["id"]), {"repo": dict(link)}, name=target.site)
                ctx.record("netlify.site.build-settings", site=target.site, repo=target.repo, branch=target.branch)
                applied += link_changes
                settings_changed = True
        site_id = str(site["id"])
        variables = self._set_variables(ctx, netlify, view, site_id)
        applied += variables
        settings_changed = settings_changed or bool(variables)
        if site.get("custom_domain") != target.host:
            site = netlify.update_site(site_id, {"custom_domain": target.host}, name=target.site)
            ctx.record("netlify.site.domain", site=target.site, domain=target.host)
            applied.append(Change(f"{target.site} custom domain", "set", after=target.host))
            ctx.reporter.info(f"frontend: point {target.host} at Netlify with the DNS record {self.record()}")
        applied += self._https(ctx, netlify, view, site)
        due = self.deploy_due(view, settings_changed=settings_changed)
        if due is not None:
            if due == "follow":
                assert view.deploy is not None  # deploy_due follows only a deploy it found
                deploy = follow_under_way(ctx, site_id, view.deploy, target.branch, timeout=self.timeout)
            else:
                deploy = deploy_and_follow(ctx, site_id, target.branch, timeout=self.timeout)
            built = f"{target.branch} @ {str(deploy.get('commit_ref') or '')[:7]}"
            applied.append(Change(f"{target.site} production deploy", due, after=built))
        return applied

    def _set_variables(self, ctx: "Context", netlify: "NetlifyClient", view: SiteView, site_id: str) -> list[Change]:
        applied, created = [], []
        for var in view.variables:
            if not var.to_set:
                continue
            existing = view.site_vars.get(var.key)
            if existing is None:
                created.append(
                    EnvVarCreation(
                        key=var.key,
                        scopes=list(ALL_SCOPES),
                        values=[{"context": "all", "value": var.wanted}],
                        is_secret=False,
                    )
                )
            else:
                context = _winning_context(existing)
                netlify.set_env_var_value(view.team, site_id, var.key, {"context": context, "value": var.wanted})
            applied.append(
                Change(f"{self.target.site} variable {var.key}", "set", before=var.site_value, after=var.wanted)
            )
        if created:
            netlify.create_env_vars(view.team, site_id, created)
        if applied:
            ctx.record(
                "netlify.env.set", site=self.target.site, keys=sorted(c.target.rsplit(" ", 1)[-1] for c in applied)
            )
        return applied

    def _https(self, ctx: "Context", netlify: "NetlifyClient", view: SiteView, site: "JsonObject") -> list[Change]:
        target, applied = self.target, list[Change]()
        site_id = str(site["id"])
        if not self.https_ready(view):
            certificate, refused = netlify.provision_certificate(site_id)
            self._needs_dns = certificate is None
            if certificate is None:
                ctx.reporter.warn(
                    f"frontend: Netlify cannot issue a certificate for {target.host} yet ({refused}): create the "
                    f"DNS record {self.record()}, then run this again"
                )
                return applied
            ctx.record("netlify.site.certificate", site=target.site, domains=certificate.get("domains"))
            applied.append(Change(f"{target.site} HTTPS certificate for {target.host}", "provision"))
        if not site.get("force_ssl"):
            netlify.update_site(site_id, {"force_ssl": True}, name=target.site)
            ctx.record("netlify.site.force-ssl", site=target.site)
            applied.append(Change(f"{target.site} HTTPS redirect", "set", after="on"))
        return applied


# --- deploys -------------------------------------------------------------------------------------
StateObserver = Callable[["JsonObject"], None]


def deploy_and_follow(
    ctx: "Context",
    site_id: str,
    branch: str,
    *,
    timeout: float = DEFAULT_DEPLOY_TIMEOUT,
    on_state: StateObserver | None = None,
) -> "JsonObject":
    """Start a build of `branch` and follow its deploy to ready; raises when it ends in error (exit 1) or
    outlasts `timeout` (exit 8). Each new state is reported (and handed to `on_state`)."""
    netlify = ctx.netlify()
    build = netlify.create_build(site_id, branch=branch, title="Deployed with dandiops")
    ctx.record("netlify.build.create", site_id=site_id, branch=branch, build=build.get("id"))
    return _ready(follow_deploy(ctx, site_id, build, timeout=timeout, on_state=on_state), branch)


def follow_under_way(
    ctx: "Context", site_id: str, deploy: "JsonObject", branch: str, *, timeout: float = DEFAULT_DEPLOY_TIMEOUT
) -> "JsonObject":
    """Follow a deploy already under way (a build started earlier) as deploy_and_follow follows its own."""
    build = {"id": deploy.get("build_id"), "deploy_id": deploy.get("id")}
    return _ready(follow_deploy(ctx, site_id, build, timeout=timeout), branch)


def _ready(deploy: "JsonObject", branch: str) -> "JsonObject":
    """The deploy once it is ready; an error naming Netlify's message (exit 1) when it failed."""
    if deploy.get("state") != "ready":
        raise DandiopsError(
            f"the Netlify deploy {deploy.get('id')} of {branch} failed: {deploy.get('error_message') or 'no message'}",
            hint="read the deploy's log in Netlify (the deploy's page), fix the fork or the site's settings, "
            "then run `dandiops frontend deploy` again",
            exit_code=ExitCode.FAILURE,
        )
    return deploy


def follow_deploy(
    ctx: "Context",
    site_id: str,
    build: "JsonObject",
    *,
    timeout: float,
    on_state: StateObserver | None = None,
) -> "JsonObject":
    """The build's deploy once it is ready or in error: polled quickly at first, then every
    DANDIOPS_POLL_INTERVAL seconds, each new state reported on stderr."""
    from dandiops.steps.release.watch import POLL_INTERVAL_SETTING, poll_interval

    netlify = ctx.netlify()
    interval = poll_interval(ctx.setting(POLL_INTERVAL_SETTING))
    deadline = time.monotonic() + timeout
    pause = min(interval, 0.25)
    deploy_id = build.get("deploy_id")
    last_state = None
    with ctx.reporter.waiting() as wait:
        while True:
            if not deploy_id:  # a build may name its deploy only once it has started
                deploy_id = netlify.build(str(build["id"])).get("deploy_id")
            if deploy_id:
                deploy = netlify.deploy(site_id, str(deploy_id))
                state = str(deploy.get("state"))
                if state != last_state:
                    last_state = state
                    ctx.reporter.info(f"deploy {deploy_id}: {state}")
                    wait.start(f"deploy {deploy_id} {state}")
                    if on_state is not None:
                        on_state(deploy)
                if state in DEPLOY_DONE:
                    wait.finish(state)
                    return deploy
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutExpired(
                    f"timed out after {timeout:g} s waiting for the Netlify deploy {deploy_id or ''} "
                    f"(last state {last_state or 'unknown'})",
                    hint="the build goes on at Netlify: see it with `dandiops frontend status`, or run again "
                    "with a longer --timeout",
                )
            time.sleep(min(pause, remaining))
            pause = min(pause * 2, interval)


# --- for `dandiops init`: the step with the OAuth client id as its question ------------------------
class FrontendInitStep(WebAppClientIdStep, builds=FrontendStep):
    """FrontendStep with the web app's OAuth client id as its question."""

    def with_client_id(self, ctx: "Context", oauth_client_id: str) -> FrontendStep:
        return FrontendStep(FrontendTarget.of(ctx.env, oauth_client_id=oauth_client_id))

    def missing_setting(self, env: "Environment") -> str | None:
        if env.netlify_site:
            return None
        return "no netlify_site in dandiops.toml: add it (and netlify_team) to set up the web app on Netlify"

    def questions(self, ctx: "Context") -> list["Question"]:
        return [] if self.missing_setting(ctx.env) else super().questions(ctx)

    def placeholder_plan(self) -> list[Change]:
        return [Change("Netlify site", "set up", after=f"OAuth client id {placeholder(OAUTH_CLIENT_ID)}")]
