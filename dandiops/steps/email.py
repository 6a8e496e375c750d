"""Email that arrives: SES for the sending domain, the app's SMTP settings, and a test through the app.

The `email` step makes what dandi-infrastructure's Terraform makes (dandiops/archive/email.py):
the SES domain identity with Easy DKIM (its DNS records printed for the operator to create), an
IAM user allowed ses:SendRawEmail, an access key whose SMTP password is derived from its secret,
and the app's DJANGO_EMAIL_URL from them (a secret: never printed) with DJANGO_DEFAULT_FROM_EMAIL
`admin@DOMAIN` when unset. With Terraform (terraform_dir) it only checks. A DJANGO_EMAIL_URL that
sends through another SMTP server than SES's is the operator's choice and is left alone.

Taking the SES account out of its sandbox ("production access") has no API that grants it: it
is a manual item (`ses-production-access`) whose check reads whether the account still is in it.

`send_test_email` sends one message through the app itself (a one-off dyno running Django's
send_mail with the app's settings) and records the outcome in `.dandiops/email-tests.json`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dandiops.app.questions import Answers, Question
from dandiops.archive.dns import DnsRecord, describe_records
from dandiops.archive.email import (
    EMAIL_URL_SCHEME,
    EMAIL_URL_VAR,
    FROM_EMAIL_VAR,
    SEND_POLICY_NAME,
    SMTP_HOST_SETTING,
    EmailUrl,
    default_from_email,
    default_smtp_user,
    dkim_records,
    email_url,
    parse_email_url,
    policy_allows_sending,
    send_policy,
    ses_account_console,
    smtp_address,
)
from dandiops.core.errors import ConfigError, DandiopsError, NotFoundError
from dandiops.core.files import RecordFile, utc_stamp
from dandiops.core.words import plural
from dandiops.steps.access_keys import create_recorded_key
from dandiops.steps.base import Change, Check, Status, TerraformManagedStep
from dandiops.steps.checklist import ChecklistItem, ChecklistStep

if TYPE_CHECKING:
    from dandiops.app.context import Context
    from dandiops.providers.aws import SesIdentity, UserReport

SMTP_USER_QUESTION_KEY = "email.iam_user"


def mail_domain(ctx: "Context") -> str:
    domain = ctx.env.mail_domain
    if not domain:
        raise ConfigError(
            f"environment {ctx.env.name!r} has neither email_domain nor api_url: no domain to send mail from",
            hint=f'add `email_domain = "api.example.org"` under [environments.{ctx.env.name}] in dandiops.toml',
        )
    return domain


def smtp_server(ctx: "Context") -> tuple[str, int]:
    """(host, port) the app's DJANGO_EMAIL_URL should name: SES's in the AWS region, or DANDIOPS_SMTP_HOST."""
    try:
        return smtp_address(ctx.aws().region, ctx.setting(SMTP_HOST_SETTING))
    except ValueError as exc:
        raise ConfigError(str(exc), hint=f"fix or unset {SMTP_HOST_SETTING}") from None


@dataclass
class EmailSurvey:
    domain: str
    region: str
    server: tuple[str, int]
    identity: "SesIdentity | None"
    user: "UserReport | None"
    config: dict[str, str]
    url: EmailUrl | None
    foreign: bool = False  # DJANGO_EMAIL_URL sends through another SMTP server: left alone
    findings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # wrong in a way no change of this step fixes
    changes: list[Change] = field(default_factory=list)

    @property
    def records(self) -> list[DnsRecord]:
        return dkim_records(self.domain, self.identity.dkim_tokens if self.identity else [])

    @property
    def waits_for_dns(self) -> bool:
        identity = self.identity
        return identity is not None and identity.exists and identity.verification != "Success"


class EmailStep(TerraformManagedStep):
    name = "email"
    title = "Email through AWS SES"
    terraform_refusal = (
        "email is managed by Terraform in this environment",
        "change it in terraform_dir and run `dandiops init --only infrastructure`",
    )

    def __init__(self, answers: Answers, *, manage: bool = True):
        super().__init__(answers, manage=manage)
        self._secret_values: dict[str, str] = {}

    def smtp_user(self, ctx: "Context") -> str:
        question = Question(
            SMTP_USER_QUESTION_KEY,
            "IAM user the app sends mail as",
            default=default_smtp_user(ctx.env.heroku_app),
        )
        return str(self.answers.known(question) or question.default)

    def read_config(self, ctx: "Context") -> dict[str, str]:
        from dandiops.archive.deployment import secret_config_values

        try:
            config = ctx.heroku().config_vars(ctx.env.heroku_app)
        except NotFoundError:
            return {}  # the infrastructure step makes the app first
        for value in secret_config_values(config):
            ctx.secret_registry.add(value)
        return config

    def survey(self, ctx: "Context") -> EmailSurvey:
        aws = ctx.aws()
        domain, server = mail_domain(ctx), smtp_server(ctx)
        config = self.read_config(ctx)
        current = config.get(EMAIL_URL_VAR)
        url = parse_email_url(current) if current else None
        survey = EmailSurvey(domain, aws.region, server, None, None, config, url)
        if url is not None and url.host != server[0]:
            survey.foreign = True
            survey.notes.append(
                f"{EMAIL_URL_VAR} sends through {url.address}, not SES's {server[0]}: left as it is "
                "(`dandiops email test` shows whether it works)"
            )
            if not config.get(FROM_EMAIL_VAR):
                survey.changes.append(Change(f"config var {FROM_EMAIL_VAR}", "set", after=default_from_email(domain)))
            return survey
        add = survey.changes.append
        identity = survey.identity = aws.ses_identity(domain)
        if not identity.exists:
            survey.findings.append(f"{domain} is not an SES identity in {aws.region}")
            add(Change(f"SES identity {domain}", "create", after=f"{aws.region}, with Easy DKIM"))
        elif not identity.dkim_enabled or not identity.dkim_tokens:
            survey.findings.append(f"SES identity {domain} has no Easy DKIM records")
            add(Change(f"DKIM of SES identity {domain}", "create", after="Easy DKIM"))
        user_name = self.smtp_user(ctx)
        user = survey.user = aws.user(user_name)
        if not user.exists:
            survey.findings.append(f"IAM user {user_name} does not exist")
            add(Change(f"IAM user {user_name}", "create"))
        if not user.exists or not policy_allows_sending(aws.user_policy(user_name, SEND_POLICY_NAME)):
            if user.exists:
                survey.findings.append(
                    f"IAM user {user_name} has no policy {SEND_POLICY_NAME} allowing ses:SendRawEmail"
                )
            add(Change(f"policy {SEND_POLICY_NAME} of IAM user {user_name}", "set", after="allow ses:SendRawEmail"))
        self._survey_email_url(survey, user_name)
        self._survey_sender(survey)
        return survey

    def _survey_email_url(self, survey: EmailSurvey, user_name: str) -> None:
        url, user, add = survey.url, survey.user, survey.changes.append
        assert user is not None
        host, port = survey.server
        if url is None:
            survey.findings.append(
                f"the app has no {EMAIL_URL_VAR}"
                if EMAIL_URL_VAR not in survey.config
                else f"the app's {EMAIL_URL_VAR} is not an SMTP URL the archive can use"
            )
        elif url.user not in user.active_keys:
            survey.findings.append(
                f"the app's {EMAIL_URL_VAR} signs in as {url.user or 'nobody'}, "
                f"not with an active access key of IAM user {user_name}"
            )
        elif (url.scheme, url.port) != (EMAIL_URL_SCHEME, port):
            survey.findings.append(
                f"the app's {EMAIL_URL_VAR} is {url.scheme}://…@{url.address}, not {EMAIL_URL_SCHEME}://…@{host}:{port}"
            )
            add(Change(f"config var {EMAIL_URL_VAR}", "set", secret=True))
            return
        else:
            survey.notes.append(f"the SMTP password in {EMAIL_URL_VAR} is checked by `dandiops email test`")
            return
        add(Change(f"access key of IAM user {user_name}", "create", secret=True))
        add(Change(f"config var {EMAIL_URL_VAR}", "set", secret=True))

    def _survey_sender(self, survey: EmailSurvey) -> None:
        sender = survey.config.get(FROM_EMAIL_VAR)
        if not sender:
            survey.findings.append(f"the app has no {FROM_EMAIL_VAR}")
            survey.changes.append(
                Change(f"config var {FROM_EMAIL_VAR}", "set", after=default_from_email(survey.domain))
            )
        elif sender.rpartition("@")[2].lower() != survey.domain:
            survey.problems.append(
                f"{FROM_EMAIL_VAR} is {sender}, not an address @{survey.domain}: SES refuses to send from "
                "a domain that is not its identity"
            )

    def check(self, ctx: "Context") -> Check:
        survey = self.survey(ctx)
        if survey.foreign and not survey.changes:
            return Check(Status.OK, f"mail goes through {survey.url.address if survey.url else '?'}", survey.notes)
        details = (survey.findings or [c.describe() for c in survey.changes]) + survey.problems + survey.notes
        terraform = "Terraform manages email here: fix the configuration in terraform_dir and apply"
        if survey.problems:
            return Check(
                Status.FAILED,
                f"mail from {survey.config.get(FROM_EMAIL_VAR)} cannot be sent through SES's identity {survey.domain}",
                details,
                hint=terraform
                if not self.manage
                else (
                    f"set {FROM_EMAIL_VAR} to an address @{survey.domain} (`heroku config:set`), or set "
                    f'email_domain = "{survey.config.get(FROM_EMAIL_VAR, "").rpartition("@")[2]}" under '
                    f"[environments.{ctx.env.name}] in dandiops.toml"
                ),
            )
        if survey.changes:
            if not self.manage:
                return Check(
                    Status.FAILED,
                    f"{plural(len(details), 'difference')} from Terraform's email setup",
                    details,
                    hint=terraform,
                )
            return Check(
                Status.PENDING, f"{plural(len(survey.changes), 'change')} to send mail from {survey.domain}", details
            )
        if survey.waits_for_dns:
            assert survey.identity is not None
            return Check(
                Status.MANUAL,
                f"SES identity {survey.domain} is {survey.identity.verification}: waiting for its DNS records",
                [f"create these DNS records: {describe_records(survey.records)}", *survey.notes],
            )
        assert survey.url is not None and survey.user is not None
        return Check(
            Status.OK,
            f"mail from {survey.config.get(FROM_EMAIL_VAR)} through SES in {survey.region}: identity {survey.domain} "
            f"verified with DKIM, IAM user {survey.user.name} may send, {EMAIL_URL_VAR} signs in with its key "
            f"{survey.url.user} at {survey.url.address}",
            [f"DNS records (in place): {describe_records(survey.records)}", *survey.notes],
        )

    def remaining(self, ctx: "Context") -> Check | None:
        """After apply: the DNS records SES still waits for, until it has verified the domain."""
        domain = mail_domain(ctx)
        identity = ctx.aws().ses_identity(domain)
        if not identity.exists or identity.verification == "Success":
            return None
        return Check(
            Status.MANUAL,
            f"SES identity {domain} is {identity.verification}: waiting for its DNS records",
            [f"create these DNS records: {describe_records(dkim_records(domain, identity.dkim_tokens))}"],
        )

    def make(self, ctx: "Context", changes: list[Change]) -> list[Change]:
        aws = ctx.aws()
        domain, user = mail_domain(ctx), self.smtp_user(ctx)
        targets = {change.target for change in changes}
        if f"SES identity {domain}" in targets or f"DKIM of SES identity {domain}" in targets:
            tokens = aws.create_ses_domain_identity(domain)
            ctx.record("ses.identity.create", domain=domain, region=aws.region)
            ctx.reporter.instructions(
                f"SES identity {domain} made in {aws.region}. Create these DNS records so that SES verifies "
                f"the domain and signs its mail (DKIM): {describe_records(dkim_records(domain, tokens))}"
            )
        if f"IAM user {user}" in targets:
            aws.create_user(user)
            ctx.record("aws.iam-user.create", user=user)
        if f"policy {SEND_POLICY_NAME} of IAM user {user}" in targets:
            aws.put_user_policy(user, SEND_POLICY_NAME, send_policy())
            ctx.record("aws.iam-user.policy", user=user, policy=SEND_POLICY_NAME)
        body: dict[str, str] = {}
        if f"access key of IAM user {user}" in targets:
            body[EMAIL_URL_VAR] = self._new_email_url(ctx, user)
        elif f"config var {EMAIL_URL_VAR}" in targets:
            body[EMAIL_URL_VAR] = self._rewritten_email_url(ctx)
        for change in changes:
            if change.target == f"config var {FROM_EMAIL_VAR}" and change.after:
                body[FROM_EMAIL_VAR] = change.after
        if body:
            app = ctx.env.heroku_app
            try:
                ctx.heroku().update_config_vars(app, body)
            except (DandiopsError, KeyboardInterrupt):
                if f"access key of IAM user {user}" in targets:
                    ctx.reporter.warn(
                        f"the new access key of IAM user {user} may not have reached {EMAIL_URL_VAR} of {app}; "
                        "run `dandiops init --only email` again"
                    )
                raise
            ctx.record("config-vars.set", keys=sorted(body))
        return changes

    def _new_email_url(self, ctx: "Context", user: str) -> str:
        """A new access key of `user` (recorded before use), as the SMTP credentials in DJANGO_EMAIL_URL."""
        from dandiops.providers.aws import ses_smtp_password

        aws = ctx.aws()
        key_id, secret = create_recorded_key(ctx, aws, user)
        password = ses_smtp_password(secret, aws.region)
        ctx.secret_registry.add(password)
        host, port = smtp_server(ctx)
        url = email_url(key_id, password, host, port)
        ctx.secret_registry.add(url)
        return url

    def _rewritten_email_url(self, ctx: "Context") -> str:
        """DJANGO_EMAIL_URL with its credentials kept and the scheme, host and port this step expects."""
        current = parse_email_url(self.read_config(ctx).get(EMAIL_URL_VAR, ""))
        if current is None:
            raise DandiopsError(
                f"{EMAIL_URL_VAR} changed while init ran", hint="run `dandiops init --only email` again"
            )
        host, port = smtp_server(ctx)
        url = email_url(current.user, current.password, host, port)
        ctx.secret_registry.add(url)
        return url


# --- production access ----------------------------------------------------------------------------
def _production_access_instructions(ctx: "Context") -> str:
    region = ctx.aws().region
    website = f" (website {ctx.env.web_url})" if ctx.env.web_url else ""
    return (
        f"In the AWS console's SES account dashboard for {region}, {ses_account_console(region)}, choose "
        f"Request production access: mail type Transactional{website}, use case: the archive's account "
        "approval and rejection emails. Until AWS grants it, SES delivers only to verified addresses, at most "
        "200 messages a day."
    )


PRODUCTION_ACCESS = ChecklistItem("ses-production-access", "SES production access", _production_access_instructions)


class SesProductionAccessStep(ChecklistStep):
    """The manual request to leave the SES sandbox; its check reads whether the account has left it."""

    def __init__(self, answers: Answers):
        super().__init__(PRODUCTION_ACCESS, answers)

    def check(self, ctx: "Context") -> Check:
        current = ctx.heroku().config_vars(ctx.env.heroku_app).get(EMAIL_URL_VAR)
        url = parse_email_url(current) if current else None
        if url is not None and url.host != smtp_server(ctx)[0]:
            return Check(Status.OK, f"mail goes through {url.address}, not SES: nothing to request")
        aws = ctx.aws()
        account = aws.ses_account()
        if account.production_access:
            quota = f": {account.max_24_hour_send:g} messages a day" if account.max_24_hour_send else ""
            return Check(Status.OK, f"the SES account in {aws.region} has production access{quota}")
        sandbox = f"the SES account in {aws.region} is still in the SES sandbox: it delivers only to verified addresses"
        record = self.confirmation(ctx)
        if record:
            return Check(
                Status.CONFIRMED,
                f"requested (confirmed by {record.get('by', '?')} on {record.get('confirmed_at', '?')}); {sandbox}",
            )
        return Check(Status.MANUAL, f"to do by hand: {sandbox}", [self.item.instructions(ctx)])


# --- the test message -----------------------------------------------------------------------------
class EmailTests(RecordFile):
    """{"version": 1, "environments": {ENV: {"last": {"at", "app", "to", "result", "detail", "dyno", "by"}}}}:
    the last `email test` of each environment, for `verify`."""

    file_name = "email-tests.json"
    what = "the record of email tests"
    section = "environments"
    fields = "at, app, to, result, detail, dyno, by"

    def last(self, env: str) -> dict[str, str] | None:
        return self.records(env).get("last")


TEST_SUBJECT = "DANDI: test message from dandiops"


def test_message_body(ctx: "Context", at: str) -> str:
    return (
        f"This message was sent by `dandiops email test` on {at} through the mail settings of the archive "
        f"app {ctx.env.heroku_app} ({ctx.env.name}). It reached you, so the archive's email works.\n"
    )


def send_test_email(ctx: "Context", to: str) -> dict[str, Any]:
    """Send one message to `to` through the app (a one-off dyno, Django's send_mail); the outcome is
    recorded in .dandiops/email-tests.json and audited. Returns what the dyno answered."""
    from dandiops.archive.management import REQUEST_VAR, email_test_command, encode_request
    from dandiops.core.audit import operator_name
    from dandiops.steps.oneoff import require_result, run_in_dyno

    at = utc_stamp()
    request = {"to": to, "subject": TEST_SUBJECT, "body": test_message_body(ctx, at)}
    what = f"sending a test message to {to}"
    run = run_in_dyno(ctx, email_test_command(), env={REQUEST_VAR: encode_request(request)}, what=what)
    result = require_result(run, what)
    result["dyno"] = run.dyno_name
    outcome = "delivered" if result["delivered"] else "failed"
    detail = f"accepted by {result['host']}:{result['port']}" if result["delivered"] else str(result.get("error") or "")
    EmailTests.for_context(ctx).put(
        ctx.env.name,
        "last",
        {
            "at": at,
            "app": ctx.env.heroku_app,
            "to": to,
            "result": outcome,
            "detail": detail,
            "dyno": run.dyno_name,
            "by": operator_name(ctx.environ),
        },
    )
    ctx.record("email.test", result="ok" if result["delivered"] else "failed", to=to, detail=detail)
    return result
