"""How a DANDI Archive deployment sends mail: SES's SMTP interface, as dandi-infrastructure makes it.

Sources: dandi/dandi-infrastructure terraform/api.tf and the smtp module it uses
(kitware-resonant/terraform-heroku-resonant modules/smtp): an SES identity for the API's domain
with Easy DKIM, an IAM user allowed ses:SendRawEmail, and the app's DJANGO_EMAIL_URL
`smtp+tls://KEY_ID:SMTP_PASSWORD@email-smtp.REGION.amazonaws.com:587` (user and password
URL-encoded: the password holds `/`, `+` and `=`), DJANGO_DEFAULT_FROM_EMAIL `admin@DOMAIN`.
The archive reads DJANGO_EMAIL_URL with django-environ (resonant_settings.production.email).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from dandiops.archive.dns import DnsRecord

EMAIL_URL_VAR = "DJANGO_EMAIL_URL"
FROM_EMAIL_VAR = "DJANGO_DEFAULT_FROM_EMAIL"
# Where the SMTP host written into DJANGO_EMAIL_URL comes from instead of SES's regional endpoint
# (as AWS_ENDPOINT_URL is for the AWS APIs): HOST or HOST:PORT.
SMTP_HOST_SETTING = "DANDIOPS_SMTP_HOST"
SMTP_PORT = 587  # STARTTLS; django-environ's smtp+tls (smtps:// also means STARTTLS there, not implicit TLS)
EMAIL_URL_SCHEME = "smtp+tls"
SEND_POLICY_NAME = "ses-send-raw-email"
SEND_ACTION = "ses:SendRawEmail"

# django-environ 0.13.0 (Env.email_url_config): the schemes it accepts; anything else, such as
# dj-email-url's `submission://`, stops the app at start with ImproperlyConfigured.
EMAIL_URL_SCHEMES = ("smtp", "smtps", "smtp+tls", "smtp+ssl", "consolemail", "filemail", "memorymail", "dummymail")

_HOST = re.compile(r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")


def default_smtp_user(heroku_app: str) -> str:
    """The IAM user whose key the app signs in to SES with (the smtp module names it `<project>-smtp`)."""
    return f"{heroku_app}-smtp"


def default_from_email(domain: str) -> str:
    """The sender address DANDI's Terraform sets (admin@api.dandiarchive.org)."""
    return f"admin@{domain}"


def ses_smtp_endpoint(region: str) -> str:
    return f"email-smtp.{region}.amazonaws.com"


def smtp_address(region: str, override: str | None) -> tuple[str, int]:
    """(host, port) of the SMTP server the app is to use: `override` (HOST or HOST:PORT) or SES's in `region`.

    Raises ValueError, saying what a valid override looks like."""
    if not override:
        return ses_smtp_endpoint(region), SMTP_PORT
    host, sep, port_text = override.strip().rpartition(":") if ":" in override else (override.strip(), "", "")
    if not _HOST.fullmatch(host) or (sep and not (port_text.isdigit() and 0 < int(port_text) < 65536)):
        raise ValueError(f"{SMTP_HOST_SETTING} must be HOST or HOST:PORT, e.g. email-smtp.{region}.amazonaws.com:587")
    return host, int(port_text) if sep else SMTP_PORT


def send_policy() -> dict[str, Any]:
    """The IAM policy that lets the SMTP user send (and do nothing else)."""
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": SEND_ACTION, "Resource": "*"}]}


def policy_allows_sending(document: dict[str, Any] | None) -> bool:
    """Whether an IAM policy document allows ses:SendRawEmail on every identity (as send_policy does)."""
    import fnmatch

    if not document:
        return False
    statements = document.get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        actions = statement.get("Action", [])
        resources = statement.get("Resource", [])
        actions = [actions] if isinstance(actions, str) else actions
        resources = [resources] if isinstance(resources, str) else resources
        if any(fnmatch.fnmatchcase(SEND_ACTION.lower(), str(a).lower()) for a in actions) and "*" in resources:
            return True
    return False


@dataclass(frozen=True)
class EmailUrl:
    """DJANGO_EMAIL_URL taken apart; `password` is a secret."""

    scheme: str
    user: str
    password: str
    host: str
    port: int | None

    def __str__(self) -> str:
        credentials = f"{quote(self.user, safe='')}:{quote(self.password, safe='')}@" if self.user else ""
        port = f":{self.port}" if self.port else ""
        return f"{self.scheme}://{credentials}{self.host}{port}"

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}" if self.port else self.host


def email_url(user: str, password: str, host: str, port: int) -> str:
    """DJANGO_EMAIL_URL as DANDI's Terraform writes it, each credential URL-encoded."""
    return str(EmailUrl(EMAIL_URL_SCHEME, user, password, host, port))


def parse_email_url(value: str) -> EmailUrl | None:
    """DJANGO_EMAIL_URL as django-environ reads it (user and password `unquote`d), or None when it
    is not an SMTP URL the archive can use."""
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("smtp", "smtps", "smtp+tls", "smtp+ssl") or not parts.hostname:
        return None
    return EmailUrl(parts.scheme, unquote(parts.username or ""), unquote(parts.password or ""), parts.hostname, port)


def dkim_records(domain: str, tokens: list[str]) -> list[DnsRecord]:
    """The DNS records that verify `domain` for SES and sign its mail (Easy DKIM)."""
    return [DnsRecord("CNAME", f"{token}._domainkey.{domain}", f"{token}.dkim.amazonses.com") for token in tokens]


def ses_account_console(region: str) -> str:
    """The SES console page where production access is requested, for `region`."""
    return f"https://console.aws.amazon.com/ses/home?region={region}#/account"
