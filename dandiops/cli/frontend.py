"""`dandiops frontend`: the web app on Netlify: what its site is, setting it up, and deploying it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import typer

from dandiops.cli.change import Mutation, Report, StepMutation
from dandiops.cli.common import (
    ChangeOptions,
    EnvOption,
    ReadOptions,
    command,
    command_group,
    option,
    option_groups,
)

app = command_group(
    "frontend",
    "The web app on Netlify: its site, linked to the fork, built against this clone's API, on web_url over HTTPS.",
)

# steps.frontend.DEFAULT_DEPLOY_TIMEOUT, repeated: importing the steps would slow down every --help
DEFAULT_TIMEOUT = 900.0
# archive.auth.DEFAULT_OAUTH_CLIENT_ID, repeated for the same reason
DEFAULT_OAUTH_CLIENT_ID = "Dk0zosgt1GAAKfN8LT4STJmLJXwMDPbYWYzfNtAl"


@dataclass(frozen=True)
class FrontendOptions:
    """What the frontend's step is built from; each command offers the options it uses."""

    oauth_client_id: str = option(
        "Client ID of the web app's OAuth application (VITE_APP_OAUTH_CLIENT_ID); default: the archive's "
        "own, which `auth setup` keeps unless given another.",
        default=DEFAULT_OAUTH_CLIENT_ID,
    )
    timeout: float = option(
        "Seconds (more than 0) to wait for the deploy before giving up (exit 8).", default=DEFAULT_TIMEOUT
    )

    def checked_timeout(self) -> float:
        from dandiops.core.errors import UsageError
        from dandiops.core.names import check_duration

        try:
            check_duration(self.timeout, "--timeout")
        except ValueError as exc:
            raise UsageError(str(exc), hint="pass --timeout SECONDS, e.g. 900; nothing was changed") from None
        return self.timeout

    def step(self, context):
        from dandiops.archive.auth import OAUTH_CLIENT_ID_MAX, validate_client_id
        from dandiops.steps.frontend import FrontendStep, FrontendTarget

        oauth_client_id = validate_client_id(self.oauth_client_id, "--oauth-client-id", max_length=OAUTH_CLIENT_ID_MAX)
        timeout = self.checked_timeout()  # bad input fails before the settings are read
        return FrontendStep(FrontendTarget.of(context.env, oauth_client_id=oauth_client_id), timeout=timeout)


@command(app, "status")
@option_groups(frontend=("oauth_client_id",), read=("json_output",))
def status(ctx: typer.Context, env: EnvOption = None, *, frontend: FrontendOptions, read: ReadOptions) -> None:
    """The site as Netlify has it: its build settings, where each variable of the build comes from (the
    fork's netlify.toml or the site), the custom domain and its DNS record, HTTPS, and the latest
    production deploy. Read-only; exit 0 when nothing is left to do, 6 otherwise."""
    from dandiops.core.errors import DandiopsError, ExitCode
    from dandiops.core.words import plural

    context = read.context(ctx, env=env)
    step = frontend.step(context)
    view = step.read(context)
    changes = step.plan(context)
    findings = step.findings(view)
    data = _status_document(step, view, changes, findings)
    reporter = context.reporter

    def human() -> None:
        site = data["site"]
        reporter.line(f"site        {site['name']}  {site.get('admin_url') or '(not created)'}")
        link = data["build_settings"]
        reporter.line(
            f"builds      {link.get('repo_path') or '-'} {link.get('repo_branch') or '-'}"
            f"  base {link.get('base') or '-'}  command {link.get('cmd') or '-'!r}  publish {link.get('dir') or '-'}"
        )
        reporter.table(
            ["variable", "value", "from", ""],
            [
                (v["key"], v["value"] or "-", v["source"], "ok" if v["ok"] else f"needs {v['wanted']}")
                for v in data["variables"]
            ],
        )
        reporter.line(f"domain      {data['custom_domain'] or '-'}  (DNS: {data['dns_record']})")
        reporter.line(f"https       {data['https']}")
        deploy = data["deploy"]
        reporter.line(
            "deploy      -"
            if deploy is None
            else f"deploy      {deploy['id']} {deploy['state']}  {deploy.get('branch')} @ "
            f"{str(deploy.get('commit_ref') or '')[:7]}  {deploy.get('published_at') or ''}"
        )
        for change in changes:
            reporter.info(f"to do: {change.describe()}")
        for finding in findings:
            reporter.warn(finding)

    reporter.result(data, human)
    if changes or findings:
        raise DandiopsError(
            f"the web app's site needs {plural(len(changes), 'change')}"
            + (" and an edit of the fork" if findings else ""),
            hint="run `dandiops frontend setup`" + (" after the fork's web/netlify.toml is fixed" if findings else ""),
            exit_code=ExitCode.CHECK_FAILED,
        )


def _status_document(step, view, changes, findings) -> dict[str, Any]:
    site = view.site or {}
    deploy = view.deploy
    certificate = view.certificate or {}
    return {
        "site": {"name": step.target.site, "id": site.get("id"), "admin_url": site.get("admin_url"), "team": view.team},
        "build_settings": site.get("build_settings") or {},
        "branch": step.target.branch,
        "head": view.head,
        "variables": [
            {
                "key": v.key,
                "value": v.value,
                "wanted": v.wanted,
                "source": v.source,
                "ok": v.value == v.wanted,
            }
            for v in view.variables
        ],
        "custom_domain": site.get("custom_domain"),
        "dns_record": step.record(),
        "https": (
            f"certificate {certificate.get('state')} for {', '.join(certificate.get('domains') or [])}"
            + ("; http redirects to https" if site.get("force_ssl") else "")
            if certificate
            else "no certificate"
        ),
        "deploy": None
        if deploy is None
        else {
            key: deploy.get(key)
            for key in ("id", "state", "branch", "commit_ref", "error_message", "published_at", "ssl_url")
        },
        "changes": [c.to_dict() for c in changes],
        "findings": findings,
    }


@command(app, "setup")
def setup(ctx: typer.Context, frontend: FrontendOptions, change: ChangeOptions) -> None:
    """Make the site what this environment needs, then publish a deploy of it.

    Creates the site netlify_site in netlify_team if it is missing and links it to github_repo: base
    directory web, build command and publish directory as the fork's web/netlify.toml says, building
    only the branch that carries the environment (release for production, the environment's branch
    otherwise). Sets the variables the build needs (VITE_APP_DANDI_API_ROOT, VITE_APP_OAUTH_API_ROOT,
    VITE_APP_OAUTH_CLIENT_ID, and the Sentry ones when sentry_dsn is set) unless netlify.toml sets them,
    sets web_url's host as the custom domain and prints the DNS record it needs, provisions HTTPS and
    turns on the https redirect. A build runs when the branch's head has no production deploy that
    succeeded (a new commit, a failed build) or the settings changed; one under way is followed.
    A value netlify.toml sets differently is reported (exit 6): only an edit of the fork changes it.
    """
    context = change.context(ctx)
    change.carry_out(context, SetupChange(frontend.step(context)))


class SetupChange(StepMutation):
    def __init__(self, step):
        super().__init__(step, action=f"setting up Netlify site {step.target.site}", nothing="")
        self.nothing = f"{step.target.site} already serves https://{step.target.host}"

    def report(self, context, plan, result, *, dry_run: bool) -> Report:
        self.report_changes(context, plan, result)
        return Report(
            {
                "site": self.step.target.site,
                "dns_record": self.step.record(),
                "changes": [c.to_dict() for c in (plan if result is None else result)],
            }
        )

    def conclude(self, context, plan, result, *, dry_run: bool) -> None:
        from dandiops.core.errors import DandiopsError, ExitCode

        context.reporter.info(f"DNS: {self.step.record()}")
        findings = self.step.findings(self.step.read(context))
        for finding in findings:
            context.reporter.warn(finding)
        if findings:
            raise DandiopsError(
                "the fork's web/netlify.toml builds the web app with other values than this clone's",
                hint="the fork step edits it: run `dandiops init`, merge its pull request, then "
                "`dandiops frontend deploy`",
                exit_code=ExitCode.CHECK_FAILED,
            )


@command(app, "deploy")
@option_groups(frontend=("timeout",))
def deploy(ctx: typer.Context, frontend: FrontendOptions, change: ChangeOptions) -> None:
    """Build the branch that carries the environment and follow its deploy to ready (exit 0) or error
    (exit 1, with Netlify's message); the states show as they change. Exit 8 when --timeout passes first."""
    timeout = frontend.checked_timeout()
    change.carry_out(change.context(ctx), DeployChange(timeout))


class DeployChange(Mutation[Any, Any]):
    def __init__(self, timeout: float):
        self.timeout = timeout
        self.states: list[str] = []

    def plan(self, context, *, dry_run: bool):
        from dandiops.core.errors import ConfigError, NotFoundError

        env = context.env
        name = env.require("netlify_site")
        site = context.netlify().find_site(name)
        if site is None:
            raise NotFoundError(
                f"Netlify has no site {name}", hint="create and link it with `dandiops frontend setup` first"
            )
        settings = site.get("build_settings") or {}
        if not settings.get("repo_path"):
            raise ConfigError(
                f"Netlify site {name} is not linked to a repository", hint="link it with `dandiops frontend setup`"
            )
        branch = env.web_branch
        self.action = f"deploying {branch} to Netlify site {name}"
        return {"site": site, "branch": branch, "repo": settings["repo_path"]}

    def apply(self, context, plan):
        from dandiops.steps.frontend import follow_deploy

        netlify = context.netlify()
        site_id = str(plan["site"]["id"])
        build = netlify.create_build(site_id, branch=plan["branch"], title="Deployed with dandiops")
        context.record("netlify.build.create", site=plan["site"]["name"], branch=plan["branch"], build=build.get("id"))
        deploy = follow_deploy(
            context, site_id, build, timeout=self.timeout, on_state=lambda d: self.states.append(str(d.get("state")))
        )
        context.record(
            "netlify.deploy", result="ok" if deploy.get("state") == "ready" else "failed", deploy=deploy.get("id")
        )
        return deploy

    def report(self, context, plan, result, *, dry_run: bool) -> Report:
        site = plan["site"]
        if result is None:
            context.reporter.info(f"would build {plan['repo']} {plan['branch']} and publish it on {site['name']}")
        deploy = None
        if result is not None:
            deploy = {
                key: result.get(key)
                for key in ("id", "state", "branch", "commit_ref", "error_message", "published_at", "ssl_url")
            }

        def human() -> None:
            if deploy is not None:
                context.reporter.line(
                    f"deploy {deploy['id']} {deploy['state']}  {deploy['branch']} @ "
                    f"{str(deploy.get('commit_ref') or '')[:7]}  {deploy.get('ssl_url') or ''}"
                )

        return Report(
            {"site": site["name"], "branch": plan["branch"], "deploy": deploy, "states": list(self.states)}, human
        )

    def conclude(self, context, plan, result, *, dry_run: bool) -> None:
        from dandiops.core.errors import DandiopsError, ExitCode

        if result is None:
            return
        if result.get("state") != "ready":
            raise DandiopsError(
                f"the Netlify deploy {result.get('id')} failed: {result.get('error_message') or 'no message'}",
                hint="fix the fork or the site's variables (`dandiops frontend status`), then deploy again",
                exit_code=ExitCode.FAILURE,
            )
        context.reporter.success(
            f"{plan['site']['name']} published {plan['branch']} @ {str(result.get('commit_ref'))[:7]}"
        )
