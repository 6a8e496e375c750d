"""The API's own domain on Heroku: the host of api_url as a custom domain of the app, with
Automated Certificate Management on.

Heroku answers a new custom domain with a DNS target (its `cname`); the operator creates a CNAME
record from the host to it, and ACM then issues the certificate. Until it has, the API answers
only on the app's herokuapp.com host, so that host is added to DJANGO_ALLOWED_HOSTS (through the
hosts step, with its lock and read-back). Once the certificate is issued the step no longer asks
for it: removing it is the operator's choice (`dandiops hosts remove`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from dandiops.core.words import plural
from dandiops.providers.api_json import JsonObject
from dandiops.steps.base import Change, Check, InitStep, OperatorTask, Status
from dandiops.steps.hosts import AllowedHostsStep, host_edit

if TYPE_CHECKING:
    from dandiops.app.context import Context

CERT_ISSUED = "cert issued"  # ACM's status of a domain whose certificate is in place
HEROKU_HOST_SUFFIX = ".herokuapp.com"
_DOMAIN = "domain "
_ACM = "certificates (ACM) of "


@dataclass(frozen=True)
class DomainState:
    """What the app has for the API's host, as last read."""

    host: str
    custom: JsonObject | None  # the custom domain for `host`, or None while it is not added
    heroku_host: str | None  # the app's own herokuapp.com host
    acm: bool  # Automated Certificate Management is on

    @property
    def certificate_issued(self) -> bool:
        return self.custom is not None and self.custom.get("acm_status") == CERT_ISSUED

    def findings(self) -> list[str]:
        if self.custom is None:
            return [f"{self.host} is not a domain of the app yet"]
        status = self.custom.get("acm_status") or ("off" if not self.acm else "not requested yet")
        return [
            f"{self.host}: DNS target {self.custom.get('cname')} ({self.custom.get('status')})",
            f"certificate: {status}",
        ]


def api_host(ctx: "Context") -> str | None:
    api_url = ctx.env.api_url
    return urlsplit(api_url).hostname if api_url else None


class DomainStep(InitStep):
    """The host of api_url as a custom domain with ACM, and the herokuapp.com host allowed until its certificate."""

    name = "domain"
    title = "API domain and certificate"

    def __init__(self) -> None:
        self._state: DomainState | None = None

    def read(self, ctx: "Context", host: str) -> DomainState:
        heroku, app = ctx.heroku(), ctx.env.heroku_app
        acm = bool(heroku.app(app).get("acm"))  # a missing app is the engine's NotFoundError
        domains = heroku.domains(app)
        self._state = DomainState(
            host=host,
            custom=next((d for d in domains if d["kind"] == "custom" and d["hostname"] == host), None),
            heroku_host=next((d["hostname"] for d in domains if d["kind"] == "heroku"), None),
            acm=acm,
        )
        return self._state

    def _hosts(self, state: DomainState) -> AllowedHostsStep:
        """While the certificate is not issued, the API is reached on the app's herokuapp.com host."""
        wanted = [state.heroku_host] if state.heroku_host and not state.certificate_issued else []
        return AllowedHostsStep([host_edit(add=wanted)])

    def _changes(self, ctx: "Context", state: DomainState) -> list[Change]:
        app = ctx.env.heroku_app
        changes = []
        if state.custom is None:
            changes.append(Change(f"{_DOMAIN}{state.host}", "add", after=f"a custom domain of {app}"))
        if not state.acm:
            changes.append(Change(f"{_ACM}{app}", "turn on"))
        return changes + self._hosts(state).plan(ctx)

    def check(self, ctx: "Context") -> Check:
        host = api_host(ctx)
        if host is None:
            return Check(Status.SKIPPED, "no api_url in dandiops.toml: no domain to add")
        if host.endswith(HEROKU_HOST_SUFFIX):
            return Check(Status.OK, f"api_url is on {host}, which Heroku serves itself")
        state = self.read(ctx, host)
        changes = self._changes(ctx, state)
        if changes:
            return Check(
                Status.PENDING, f"{plural(len(changes), 'change')} for {host}", [c.describe() for c in changes]
            )
        if state.certificate_issued:
            return Check(Status.OK, f"{host} is served with its certificate", state.findings())
        return Check(Status.OK, f"{host} is added; its certificate waits for the DNS record", state.findings())

    def plan(self, ctx: "Context") -> list[Change]:
        host = api_host(ctx)
        if host is None or host.endswith(HEROKU_HOST_SUFFIX):
            return []
        return self._changes(ctx, self.read(ctx, host))

    def apply(self, ctx: "Context", changes: list[Change]) -> list[Change]:
        if not changes:
            return []
        heroku, app = ctx.heroku(), ctx.env.heroku_app
        applied: list[Change] = []
        host_changes = []
        for change in changes:
            if change.target.startswith(_DOMAIN):
                hostname = change.target.removeprefix(_DOMAIN)
                added = heroku.add_domain(app, hostname)
                ctx.record("domain.add", hostname=hostname, cname=added.get("cname"))
                applied.append(Change(change.target, "add", after=f"DNS target {added.get('cname')}"))
            elif change.target.startswith(_ACM):
                heroku.enable_acm(app)
                ctx.record("acm.enable")
                applied.append(change)
            else:
                host_changes.append(change)
        planned = self._state
        assert planned is not None  # apply follows plan, which read the app
        if host_changes:
            # the hosts step takes the app's lock, plans again under it and reads its write back
            applied += self._hosts(planned).apply(ctx, host_changes)
        self.read(ctx, planned.host)  # read back: the DNS target and the certificate's status for the end of init
        return applied

    def operator_tasks(self, ctx: "Context") -> list[OperatorTask]:
        state = self._state
        if state is None or state.certificate_issued:
            return []
        target = (state.custom.get("cname") if state.custom else None) or "<the DNS target Heroku gives the domain>"
        if state.host.count(".") <= 1:  # a zone's apex (example.org) cannot hold a CNAME
            record = f"{state.host} ALIAS {target} (ANAME at some DNS providers)"
        else:
            record = f"{state.host} CNAME {target}"
        task = f"DNS: create the record {record}; Heroku then issues the certificate"
        env = ctx.env.name
        then = f"`dandiops init -e {env} --only domain` shows the certificate's status"
        if state.heroku_host:
            then += (
                f"; once https://{state.host} answers, `dandiops hosts remove {state.heroku_host} -e {env}` stops "
                "allowing the herokuapp.com host (your choice)"
            )
        return [OperatorTask(task, then)]
