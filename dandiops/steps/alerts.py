"""Alerts: what the Heroku API can set is a step; what only the dashboard can set is a checklist.

Through the API, dandiops turns on the log-runtime-metrics app feature, so every dyno's memory
and load appear in the logs (and Papertrail, the archive's log add-on, can alert on them).
Heroku's threshold alerts and who receives its emails have no public API: they are printed as
a checklist with links, and recorded as done (beside dandiops.toml) when the operator says so.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

from dandiops.app.confirmations import Confirmations
from dandiops.core.errors import UsageError
from dandiops.core.words import plural
from dandiops.steps.base import Change, Check, Status

if TYPE_CHECKING:
    from dandiops.app.context import Context

RUNTIME_METRICS_FEATURE = "log-runtime-metrics"
MANUAL_ITEM_IDS = ("threshold-alerts", "alert-recipients", "papertrail-alerts")
THRESHOLD_ALERTING_DOCS = "https://devcenter.heroku.com/articles/metrics#threshold-alerting"
# The alert settings only the Heroku dashboard offers, by checklist item: its title, how to set it,
# and the tab of the app's dashboard page it is set on. The first is offered on some dyno sizes only.
DASHBOARD_SETTINGS = {
    "threshold-alerts": (
        "Threshold alerts on the web dynos' response time and failed requests",
        "Dashboard, the app, Metrics, Configure Alerts: alert on response time and on failed requests (5xx), with "
        "email notification.",
        "metrics/web",
    ),
    "alert-recipients": (
        "Who receives Heroku's alert emails",
        "Access tab: the people who must hear about incidents are on the app; in the alert settings, pick them (or "
        "a shared address or PagerDuty) as recipients.",
        "access",
    ),
}
# Heroku's threshold alerting is offered on Standard and Performance dynos only.
SIZES_WITHOUT_ALERTS = ("eco", "basic", "free", "hobby")


def threshold_alerts_offered(web_size: str | None) -> bool:
    """Whether Heroku offers threshold alerts for web dynos of this size (the one place that decides)."""
    return (web_size or "").lower() not in SIZES_WITHOUT_ALERTS


def web_dyno_size(ctx: "Context") -> str | None:
    """The size of the app's web dynos, or None when the app or its web process type does not exist yet."""
    from dandiops.core.errors import NotFoundError

    try:
        formation = {f["type"]: f for f in ctx.heroku().formation(ctx.env.heroku_app)}
    except NotFoundError:
        return None
    size: str | None = (formation.get("web") or {}).get("size")
    return size


@dataclass
class ManualItem:
    id: str
    title: str
    how: str
    links: list[str]
    available: bool = True
    note: str | None = None
    status: str = Status.MANUAL.value
    confirmed_at: str | None = None
    confirmed_by: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class AlertsReport:
    app: str
    changes: list[Change] = field(default_factory=list)
    checklist: list[ManualItem] = field(default_factory=list)

    @property
    def unconfirmed(self) -> list[ManualItem]:
        return [item for item in self.checklist if item.available and item.status != Status.CONFIRMED.value]

    def to_dict(self) -> dict[str, Any]:
        return {
            "app": self.app,
            "changes": [c.to_dict() for c in self.changes],
            "checklist": [item.to_dict() for item in self.checklist],
        }


def parse_confirm_ids(values: Iterable[str] | None) -> list[str]:
    """`--confirm ID` values, checked before any request; `all` stands for every item."""
    ids = [value.strip() for value in values or [] if value.strip()]
    unknown = sorted(set(ids) - set(MANUAL_ITEM_IDS) - {"all"})
    if unknown:
        raise UsageError(
            f"unknown checklist item {', '.join(unknown)}", hint=f"choose from {', '.join(MANUAL_ITEM_IDS)}, or all"
        )
    return ids


class AlertsStep:
    name = "alerts"
    title = "Alerts and notifications"

    def plan(self, ctx: "Context") -> list[Change]:
        app = ctx.env.heroku_app
        feature = ctx.heroku().app_feature(app, RUNTIME_METRICS_FEATURE)
        if feature.get("enabled"):
            return []
        return [
            Change(target=f"app feature {RUNTIME_METRICS_FEATURE}", action="enable", before="disabled", after="enabled")
        ]

    def apply(self, ctx: "Context", changes: list[Change]) -> list[Change]:
        app = ctx.env.heroku_app
        for change in changes:
            feature = change.target.removeprefix("app feature ")
            ctx.heroku().enable_app_feature(app, feature)
            ctx.record("alerts.feature.enable", feature=feature)
        return changes

    def checklist(self, ctx: "Context") -> list[ManualItem]:
        heroku = ctx.heroku()
        app = ctx.env.heroku_app
        web_size = web_dyno_size(ctx) or ""
        addons = heroku.addons(app)
        alerts_possible = threshold_alerts_offered(web_size)
        items = [
            ManualItem(item_id, title, how, [f"https://dashboard.heroku.com/apps/{app}/{tab}", THRESHOLD_ALERTING_DOCS])
            for item_id, (title, how, tab) in DASHBOARD_SETTINGS.items()
        ]
        if not alerts_possible:
            threshold_alerts = items[0]
            threshold_alerts.available = False
            threshold_alerts.note = (
                f"Heroku offers threshold alerts on Standard and Performance dynos; web runs on {web_size}"
            )
        papertrail = next((a for a in addons if a["addon_service"]["name"] == "papertrail"), None)
        if papertrail is not None:
            items.append(
                ManualItem(
                    id="papertrail-alerts",
                    title="Papertrail alerts on Heroku error codes",
                    how='In Papertrail, save a search such as `"at=error" OR "Error R14" OR "Error R15"` and '
                    "attach an email alert to it.",
                    links=[
                        papertrail["web_url"],
                        "https://devcenter.heroku.com/articles/papertrail",
                        "https://devcenter.heroku.com/articles/error-codes",
                    ],
                )
            )
        store = Confirmations.for_context(ctx)
        for item in items:
            if not item.available:
                item.status = Status.UNAVAILABLE.value
                continue
            entry = store.get(app, f"alerts.{item.id}")
            if entry:
                item.status = Status.CONFIRMED.value
                item.confirmed_at, item.confirmed_by = entry.get("confirmed_at"), entry.get("by")
        return items

    def report(self, ctx: "Context") -> AlertsReport:
        return AlertsReport(app=ctx.env.heroku_app, changes=self.plan(ctx), checklist=self.checklist(ctx))

    def check(self, ctx: "Context") -> Check:
        report = self.report(ctx)
        details = [c.describe() for c in report.changes] + [f"not confirmed: {i.title}" for i in report.unconfirmed]
        if report.changes:
            return Check(Status.PENDING, f"{plural(len(report.changes), 'change')} to make", details)
        if report.unconfirmed:
            return Check(Status.MANUAL, f"{plural(len(report.unconfirmed), 'manual item')} not confirmed", details)
        return Check(Status.OK, "alerts are set up")


def select_items(report: AlertsReport, ids: list[str]) -> list[ManualItem]:
    """The checklist items `ids` name; naming one that does not apply here is a usage error."""
    if "all" in ids:
        return report.unconfirmed
    by_id = {item.id: item for item in report.checklist}
    chosen = []
    for ident in ids:
        item = by_id.get(ident)
        if item is None:
            raise UsageError(
                f"checklist item {ident} does not apply to {report.app}", hint=f"this app's items: {', '.join(by_id)}"
            )
        if not item.available:
            raise UsageError(f"checklist item {ident} cannot be done on {report.app}: {item.note}", hint="leave it out")
        if item.status != Status.CONFIRMED.value and item not in chosen:
            chosen.append(item)
    return chosen


def record_confirmations(ctx: "Context", items: list[ManualItem]) -> None:
    from dandiops.core.audit import operator_name

    store = Confirmations.for_context(ctx)
    by = operator_name(ctx.environ)
    for item in items:
        entry = store.confirm(ctx.env.heroku_app, f"alerts.{item.id}", by)
        item.status = Status.CONFIRMED.value
        item.confirmed_at, item.confirmed_by = entry["confirmed_at"], entry["by"]
        ctx.record("alerts.confirm", item=item.id)


def ask_for_confirmations(ctx: "Context", report: AlertsReport) -> list[ManualItem]:
    """On a terminal, ask about each item not yet confirmed; returns those the operator says are done."""
    if not ctx.terminal.interactive or ctx.reporter.json_mode:
        return []
    done = []
    for item in report.unconfirmed:
        if ctx.prompter.confirm(f"Done: {item.title}?", default=False, flag=f"--confirm {item.id}"):
            done.append(item)
    return done
