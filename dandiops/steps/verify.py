"""`dandiops verify`: the running clone checked from outside, the way its users reach it.

Every check runs at once (threads: each is mostly waiting on a network answer), and each says
what it saw and, when it did not pass, what fixes it. A check that waits on the operator (DNS not
pointing at Heroku yet, the GitHub OAuth App not registered) is `waiting`, not failed. Nothing
here changes the clone: the checks that reuse init's steps run their read-only `check`, and what
only the archive's database knows (its OAuth application) is read by one read-only one-off dyno
per run, shared by the checks that need it, unless the caller already knows it (init, see
ArchiveDatabase).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import ssl
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence
from urllib.parse import parse_qs, urlsplit

from dandiops.core.errors import DandiopsError

if TYPE_CHECKING:
    from dandiops.app.context import Context

PASS, FAIL, WAITING, SKIPPED = "pass", "fail", "waiting", "skipped"
BACKUP_MAX_AGE = dt.timedelta(hours=26)
GITHUB_AUTHORIZE = "https://github.com/login/oauth/authorize"
# a web dyno that has just been restarted may take this long to answer its first request
HTTP_TIMEOUT = 30.0


@dataclass(frozen=True)
class Verdict:
    name: str
    state: str
    detail: str
    fix: str | None = None
    seconds: float = 0.0  # how long the check took
    # init's steps whose own items already tell the operator what this wait needs (init lists it once)
    covered_by: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.state in (PASS, SKIPPED)

    def to_dict(self) -> dict[str, Any]:
        # covered_by is for init's ending only: the JSON document has every other field, and ok
        shown = {item.name: getattr(self, item.name) for item in dataclasses.fields(self) if item.name != "covered_by"}
        return {"name": self.name, "ok": self.ok, **shown, "seconds": round(self.seconds, 3)}


class ArchiveDatabase:
    """What verify takes from the archive's database: the client ids of the OAuth application the web
    app signs in with. Read once per run, however many checks ask, by one read-only one-off dyno;
    or given by a caller that has just read it (init: its auth step checked it with a dyno, or
    remembers that check for this database), or not to be read at all (`unread`: init before its
    auth step is done, when no dyno should start only to report what the steps already say)."""

    def __init__(self, web_oauth_client_ids: Sequence[str] | None = None, *, unread: str | None = None):
        self._lock = threading.Lock()
        self._ids = None if web_oauth_client_ids is None else tuple(web_oauth_client_ids)
        self._error: DandiopsError | None = None
        self.unread = unread  # why it is not read, when it is not

    def web_oauth_client_ids(self, ctx: "Context") -> tuple[str, ...] | None:
        """The client ids (usually one), or None when not to be read; raises DandiopsError when the
        dyno could not read them."""
        from dandiops.archive.auth import web_app_client_ids
        from dandiops.steps.auth import read_oauth_applications

        with self._lock:
            if self._ids is None and self._error is None and self.unread is None:
                try:
                    self._ids = tuple(web_app_client_ids(read_oauth_applications(ctx), ctx.env.web_url or ""))
                except DandiopsError as exc:
                    self._error = exc
            if self._error is not None:
                raise DandiopsError(self._error.message, hint=self._error.hint, exit_code=self._error.exit_code)
            return self._ids


# init's own read-only checks of the named steps: (done, summary) each. The caller (init, or the verify
# command) gives them, with the answers and state file init keeps: see wizard.verification.init_checks.
InitChecks = Callable[["Context", tuple[str, ...], "VerifyOptions"], dict[str, tuple[bool, str]]]


@dataclass(frozen=True)
class VerifyOptions:
    init_checks: InitChecks
    superuser_email: str | None = None
    superuser_password: str | None = None  # from --password-stdin only
    send_test_email: str | None = None  # send one now (a one-off dyno) instead of reading the last
    # the answers init ran with (its answers file), taken before its state file's by the checks that reuse its steps
    answers: Mapping[str, Any] = field(default_factory=dict)
    database: ArchiveDatabase | None = None  # None: read once in this run


Check = Callable[["Context", VerifyOptions], Verdict]


def verify(ctx: "Context", options: VerifyOptions) -> list[Verdict]:
    checks = [
        api_info,
        certificate,
        frontend,
        frontend_build,
        github_login,
        cors,
        superuser_login,
        email,
        release_chain,
        backups,
    ]
    if options.database is None:
        options = dataclasses.replace(options, database=ArchiveDatabase())
    with ThreadPoolExecutor(max_workers=len(checks)) as pool:
        running = [(check, pool.submit(_guarded, check, ctx, options)) for check in checks]
        return [future.result() for _, future in running]


def archive_database(options: VerifyOptions) -> ArchiveDatabase:
    return options.database if options.database is not None else ArchiveDatabase()


def _guarded(check: Check, ctx: "Context", options: VerifyOptions) -> Verdict:
    """A check that cannot be made is a failed row naming why, never the end of the others."""
    import time

    started = time.monotonic()
    try:
        verdict = check(ctx, options)
    except DandiopsError as exc:
        verdict = Verdict(check.__name__.replace("_", "-"), FAIL, exc.message, exc.hint)
    return dataclasses.replace(verdict, seconds=time.monotonic() - started)


def _api_url(ctx: "Context") -> str | None:
    return ctx.env.api_url.rstrip("/") if ctx.env.api_url else None


def _rerouted(ctx: "Context", url: str) -> bool:
    from dandiops.core.settings import connect_origin

    return connect_origin(url, ctx.environ) != url


# --- the checks ----------------------------------------------------------------------------------
def api_info(ctx: "Context", options: VerifyOptions) -> Verdict:
    from dandiops.providers.archive_api import probe_info

    api = _api_url(ctx)
    if api is None:
        return Verdict("api", SKIPPED, "no api_url in dandiops.toml", "add api_url to the environment")
    probe = probe_info(api, timeout=HTTP_TIMEOUT, environ=ctx.environ)
    if not probe.ok:
        return Verdict("api", FAIL, f"{probe.url}: {probe.error}", "`dandiops status` shows the dynos and release")
    expected = ctx.heroku().config_vars(ctx.env.heroku_app).get("DJANGO_DANDI_INSTANCE_NAME")
    if expected and probe.instance_name != expected:
        return Verdict(
            "api",
            FAIL,
            f"{probe.url} names instance {probe.instance_name!r}, the app's DJANGO_DANDI_INSTANCE_NAME is {expected!r}",
            "api_url points at another instance: check api_url and the domain's DNS record",
        )
    return Verdict("api", PASS, f"{probe.url} answered 200 in {probe.latency_ms} ms: instance {probe.instance_name}")


def certificate(ctx: "Context", options: VerifyOptions) -> Verdict:
    api = _api_url(ctx)
    if api is None:
        return Verdict("certificate", SKIPPED, "no api_url in dandiops.toml")
    if _rerouted(ctx, api):
        return Verdict("certificate", SKIPPED, "the sandbox serves the API on loopback: no certificate to check")
    host = urlsplit(api).hostname or ""
    import socket

    try:
        with socket.create_connection((host, 443), timeout=HTTP_TIMEOUT) as raw:
            with ssl.create_default_context().wrap_socket(raw, server_hostname=host) as tls:
                expires = (tls.getpeercert() or {}).get("notAfter")
    except ssl.SSLCertVerificationError as exc:
        return Verdict(
            "certificate",
            FAIL,
            f"{host}: {exc.verify_message}",
            "Heroku's ACM issues it once DNS points at the app (`dandiops init --only domain`)",
        )
    except OSError as exc:
        return Verdict(
            "certificate",
            WAITING,
            f"{host}:443 not reached ({type(exc).__name__})",
            "create the DNS record init printed for the API domain, then run verify again",
            covered_by=("domain",),
        )
    return Verdict("certificate", PASS, f"{host}: valid until {expires}")


def frontend(ctx: "Context", options: VerifyOptions) -> Verdict:
    """web_url/server-info answers the API's own info: the frontend was built against this API."""
    import httpx

    from dandiops.core.settings import connect_origin

    api, web = _api_url(ctx), ctx.env.web_url
    if api is None or not web:
        return Verdict("frontend", SKIPPED, "needs api_url and web_url in dandiops.toml")
    url = f"{web.rstrip('/')}/server-info"
    try:
        with httpx.Client(timeout=HTTP_TIMEOUT, follow_redirects=True) as client:
            answer = client.get(connect_origin(url, ctx.environ), headers={"Accept": "application/json"})
        info = answer.json() if answer.status_code == 200 else None
    except httpx.HTTPError as exc:
        return Verdict(
            "frontend",
            WAITING,
            f"{url} not reached ({type(exc).__name__})",
            f"create the DNS record for {urlsplit(web).hostname} (`dandiops frontend status -e {ctx.env.name}`)",
            covered_by=("frontend",),
        )
    except ValueError:
        info = None
    served = ((info or {}).get("services") or {}).get("api", {}).get("url") if isinstance(info, dict) else None
    if served is None:
        return Verdict(
            "frontend",
            FAIL,
            f"{url} answered {answer.status_code} without the API's info",
            f"`dandiops frontend deploy -e {ctx.env.name}`",
        )
    if served.rstrip("/") != f"{api}/api":
        return Verdict(
            "frontend",
            FAIL,
            f"{url} shows the API {served}, not {api}/api",
            f"the frontend was built against another API: `dandiops init -e {ctx.env.name} --only fork,frontend`",
        )
    return Verdict("frontend", PASS, f"{url} answers this API's info ({served})")


_CLIENT_ID_SHOWN = re.compile(r'"VITE_APP_OAUTH_CLIENT_ID"\s*:\s*"([^"]*)"')
_SCRIPT_SOURCE = re.compile(r'<script[^>]+src="(/[^"]+\.js)"')


def frontend_build(ctx: "Context", options: VerifyOptions) -> Verdict:
    """The web app carries this clone's API root and the client id of the OAuth application the
    archive's database holds for it: otherwise the archive refuses the web app's sign-in."""
    import httpx

    from dandiops.core.settings import connect_origin

    api, web = _api_url(ctx), ctx.env.web_url
    if api is None or not web:
        return Verdict("frontend-build", SKIPPED, "needs api_url and web_url in dandiops.toml")
    origin = web.rstrip("/")
    try:
        with httpx.Client(timeout=HTTP_TIMEOUT, follow_redirects=True) as client:
            index = client.get(connect_origin(f"{origin}/", ctx.environ)).text
            # a real build inlines its settings into the scripts the index loads; the sandbox's into the index
            texts = [index] + [
                client.get(connect_origin(f"{origin}{source}", ctx.environ)).text
                for source in _SCRIPT_SOURCE.findall(index)[:5]
            ]
    except httpx.HTTPError as exc:
        return Verdict(
            "frontend-build",
            WAITING,
            f"{origin}/ not reached ({type(exc).__name__})",
            "create the DNS record for the web host",
            covered_by=("frontend",),
        )
    bundle = "\n".join(texts)
    shown = _CLIENT_ID_SHOWN.search(bundle)
    built_id = shown.group(1) if shown else None
    problems = []
    if f"{api}/api/" not in bundle and f"{api}/api" not in bundle:
        problems.append(f"its API root is not {api}/api/")
    database = archive_database(options)
    expected = database.web_oauth_client_ids(ctx)
    if expected is None:  # not read: sign-in is not set up yet, and init's steps say so
        if problems:
            return _wrong_build(ctx, origin, problems)
        return Verdict(
            "frontend-build",
            WAITING,
            f"{origin} was built with {api}/api/; its OAuth client id{f' {built_id}' if built_id else ''} is "
            f"compared with the database's once sign-in is set up ({database.unread})",
            f"`dandiops init -e {ctx.env.name}` sets up sign-in (its auth step)",
            covered_by=("auth",),
        )
    matched = _client_id_built_in(bundle, built_id, expected)
    if not expected:
        problems.append("the archive's database holds no OAuth application for it to sign in with")
    elif matched is None:
        problems.append(
            f"its OAuth client id{f' {built_id}' if built_id else ''} is not the client id of the OAuth "
            f"application in the archive's database, {' or '.join(expected)}"
        )
    if problems:
        return _wrong_build(ctx, origin, problems)
    return Verdict(
        "frontend-build",
        PASS,
        f"{origin} was built with {api}/api/ and OAuth client {matched}, the database's OAuth application",
    )


def _client_id_built_in(bundle: str, named: str | None, expected: tuple[str, ...]) -> str | None:
    """Which of the database's client ids the build carries: the one its index names (the sandbox's
    does), else the first found in its scripts (a real build inlines the value alone)."""
    if named is not None:
        return named if named in expected else None
    return next((client_id for client_id in expected if client_id in bundle), None)


def _wrong_build(ctx: "Context", origin: str, problems: list[str]) -> Verdict:
    env = ctx.env.name
    return Verdict(
        "frontend-build",
        FAIL,
        f"the web app at {origin}: " + "; ".join(problems),
        f"the fork's web/netlify.toml must carry this clone's values: `dandiops init -e {env} --only fork`, then "
        f"`dandiops frontend deploy -e {env}` (or, if the database is what is wrong, `dandiops auth setup -e {env}`)",
    )


def github_login(ctx: "Context", options: VerifyOptions) -> Verdict:
    import httpx

    from dandiops.core.settings import connect_origin

    api = _api_url(ctx)
    if api is None:
        return Verdict("github-login", SKIPPED, "no api_url in dandiops.toml")
    start = f"{api}/accounts/github/login/"
    connected = connect_origin(start, ctx.environ)
    waiting_fix = "register the GitHub OAuth App and run `dandiops auth setup` (init's github-oauth-app item says how)"
    try:
        with httpx.Client(timeout=HTTP_TIMEOUT, follow_redirects=False) as client:
            page = client.get(connected)
            answer = page
            if page.status_code == 200 and "csrfmiddlewaretoken" in page.text:
                # allauth asks to confirm a GET (SOCIALACCOUNT_LOGIN_ON_GET off): the form posts back here
                token = re.search(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"', page.text)
                answer = client.post(
                    connected,
                    data={"csrfmiddlewaretoken": token.group(1) if token else ""},
                    headers={"Referer": start},
                )
    except httpx.HTTPError as exc:
        return Verdict("github-login", FAIL, f"{start} not reached ({type(exc).__name__})")
    location = answer.headers.get("location", "")
    if answer.status_code not in (301, 302, 303) or not location.startswith(GITHUB_AUTHORIZE):
        return Verdict(
            "github-login",
            WAITING,
            f"{start} answered {answer.status_code}, not a redirect to GitHub",
            waiting_fix,
            covered_by=("github-oauth-app", "auth"),
        )
    query = parse_qs(urlsplit(location).query)
    client_id = (query.get("client_id") or [""])[0]
    callback = (query.get("redirect_uri") or [""])[0]
    # The app builds the callback from the scheme its router says the request came in with: https
    # through Heroku's; http through the sandbox's, which stands in for it in plain HTTP on loopback.
    expected_callback = f"{urlsplit(connected).scheme}://{urlsplit(api).netloc}/accounts/github/login/callback/"
    if not client_id or callback != expected_callback:
        return Verdict(
            "github-login",
            FAIL,
            f"GitHub would be asked for client {client_id or '(none)'} with callback {callback or '(none)'}",
            f"the callback must be {expected_callback}: check the Site's domain (`dandiops auth setup`)",
        )
    return Verdict("github-login", PASS, f"redirects to GitHub with client {client_id} and callback {callback}")


def cors(ctx: "Context", options: VerifyOptions) -> Verdict:
    """A preflight from web_url is answered, and a write from it may be read: the archive lets any
    origin read (GET, HEAD, OPTIONS) but only DJANGO_CORS_ALLOWED_ORIGINS write, so the preflight
    alone passes for every origin."""
    import httpx

    from dandiops.core.settings import connect_origin

    api, web = _api_url(ctx), ctx.env.web_url
    if api is None or not web:
        return Verdict("cors", SKIPPED, "needs api_url and web_url in dandiops.toml")
    origin = web.rstrip("/")
    url = connect_origin(f"{api}/api/info/", ctx.environ)
    try:
        with httpx.Client(timeout=HTTP_TIMEOUT) as client:
            preflight = client.options(url, headers={"Origin": origin, "Access-Control-Request-Method": "POST"})
            write = client.post(url, headers={"Origin": origin})
    except httpx.HTTPError as exc:
        return Verdict("cors", FAIL, f"{api}/api/info/ not reached from {origin} ({type(exc).__name__})")
    fix = f"`dandiops hosts add --cors-origin {origin} -e {ctx.env.name}`"
    if preflight.headers.get("access-control-allow-origin") not in (origin, "*"):
        return Verdict("cors", FAIL, f"a preflight from {origin} got {preflight.status_code}, not allowed", fix)
    if write.headers.get("access-control-allow-origin") not in (origin, "*"):
        return Verdict("cors", FAIL, f"the API does not let {origin} read the answers to its writes", fix)
    return Verdict("cors", PASS, f"{origin} may call the API, writes included")


def superuser_login(ctx: "Context", options: VerifyOptions) -> Verdict:
    from dandiops.providers.archive_admin import verify_admin_login

    api = _api_url(ctx)
    if api is None:
        return Verdict("superuser-login", SKIPPED, "no api_url in dandiops.toml")
    if options.superuser_password is None or not options.superuser_email:
        return Verdict(
            "superuser-login",
            SKIPPED,
            f"not checked: `dandiops verify -e {ctx.env.name} --superuser EMAIL --password-stdin` signs in with "
            "the superuser's password on stdin",
        )
    verify_admin_login(api, options.superuser_email, options.superuser_password)
    return Verdict("superuser-login", PASS, f"{options.superuser_email} signs in to {api}/admin/")


def email(ctx: "Context", options: VerifyOptions) -> Verdict:
    """The last `dandiops email test` of this environment was delivered, or one sent now is."""
    from dandiops.steps.email import EmailTests, send_test_email

    fix = f"`dandiops email test -e {ctx.env.name} --to YOU@EXAMPLE.ORG` (or verify --send-test-email ADDRESS)"
    if options.send_test_email:
        sent = send_test_email(ctx, options.send_test_email)
        last: dict[str, Any] | None = EmailTests.for_context(ctx).last(ctx.env.name) or {
            "result": "delivered" if sent.get("delivered") else "failed",
            "to": options.send_test_email,
            "detail": str(sent.get("error") or ""),
            "at": "now",
        }
    else:
        last = EmailTests.for_context(ctx).last(ctx.env.name)
    if last is None:
        return Verdict("email", WAITING, "no email test recorded for this environment", fix)
    seen = f"to {last.get('to')} on {last.get('at')}: {last.get('detail')}"
    if last.get("result") != "delivered":
        return Verdict("email", FAIL, f"the last test message was not delivered ({seen})", fix)
    return Verdict("email", PASS, f"the last test message was delivered ({seen})")


def release_chain(ctx: "Context", options: VerifyOptions) -> Verdict:
    """The fork's deploy workflows name this environment's app and the release chain is ready:
    init's own read-only checks of `release-chain` and `fork`."""
    if not ctx.env.github_repo:
        return Verdict("github", SKIPPED, "no github_repo in dandiops.toml")
    statuses = options.init_checks(ctx, ("release-chain", "fork"), options)
    waiting = [f"{name}: {detail}" for name, (done, detail) in statuses.items() if not done]
    if waiting:
        return Verdict(
            "github", FAIL, "; ".join(waiting), f"`dandiops init -e {ctx.env.name} --only release-chain,fork`"
        )
    return Verdict("github", PASS, f"{ctx.env.github_repo}: " + "; ".join(detail for _, detail in statuses.values()))


def backups(ctx: "Context", options: VerifyOptions) -> Verdict:
    from dandiops.providers.heroku_data import backup_name

    schedule = options.init_checks(ctx, ("backups",), options)["backups"]
    if not schedule[0]:
        return Verdict("backups", FAIL, schedule[1], f"`dandiops backups schedule -e {ctx.env.name}`")
    taken = [b for b in ctx.heroku_data().backups(ctx.env.heroku_app) if b.get("succeeded") and b.get("finished_at")]
    if not taken:
        return Verdict("backups", PASS, f"{schedule[1]}; no backup taken yet")
    newest = max(taken, key=lambda b: b["finished_at"])
    finished = dt.datetime.fromisoformat(newest["finished_at"].replace("Z", "+00:00"))
    age = dt.datetime.now(dt.timezone.utc) - finished
    if age > BACKUP_MAX_AGE:
        return Verdict(
            "backups",
            FAIL,
            f"the newest backup {backup_name(newest)} finished {age.total_seconds() / 3600:.0f} h ago",
            "the daily schedule is not producing backups: `dandiops backups list`, `heroku pg:backups`",
        )
    return Verdict("backups", PASS, f"{schedule[1]}; newest backup {backup_name(newest)} from {newest['finished_at']}")
