"""SES's SMTP interface in the sandbox: aiosmtpd on 127.0.0.1, STARTTLS, AUTH with SES SMTP credentials.

It answers as email-smtp.REGION.amazonaws.com does: TLS is required before AUTH; the user name is
an IAM access key id that moto issued and the password must be that key's SES SMTP password for
the sandbox's region (AWS's SigV4 derivation), else `535 Authentication Credentials Invalid`.
At the end of DATA it refuses, as SES does, a sender whose address or domain is no verified SES
identity, an IAM user whose policies do not allow ses:SendRawEmail, and, while the region's SES
account is in the SES sandbox (no production access), any recipient that is not verified. A
message it accepts is appended to the mbox file `DANDIOPS_SANDBOX_MAILBOX` names.

Its certificate (made like the rendezvous listener's) is added to the trust store the sandbox's
dynos get as SSL_CERT_FILE, so the archive's Django connects as it would to SES. The env file
also sets DANDIOPS_SMTP_HOST, which dandiops writes into DJANGO_EMAIL_URL in place of SES's host.
"""

from __future__ import annotations

import email
import email.policy
import hmac
import json
import logging
import socket
import ssl
import threading
import time
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from dandiops.archive.email import SEND_ACTION, SMTP_HOST_SETTING, policy_allows_sending

if TYPE_CHECKING:
    from dandiops.sandbox.aws import AwsComponent
    from dandiops.sandbox.runtime import Sandbox

MAILBOX_VAR = "DANDIOPS_SANDBOX_MAILBOX"
MAILBOX_FILE = "mailbox.mbox"


class _QuietLoginData(logging.Filter):
    """aiosmtpd warns at every AUTH that `Session.login_data`, which it sets itself, is deprecated: a
    line on `sandbox serve`'s output for each message the apps send, saying nothing to its reader."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "login_data is deprecated" not in record.getMessage()


logging.getLogger("mail.log").addFilter(_QuietLoginData())  # aiosmtpd's logger


def read_messages(mailbox: str | Path) -> list[EmailMessage]:
    """Every message the sandbox's SMTP server accepted, oldest first ([] when there is none yet)."""
    import mailbox as mailboxes

    path = Path(mailbox)
    if not path.is_file():
        return []
    box = mailboxes.mbox(path, factory=lambda file: email.message_from_binary_file(file, policy=email.policy.default))
    try:
        return [message for message in box]
    finally:
        box.close()


def _free_port() -> int:
    # aiosmtpd's Controller cannot listen on port 0 (its readiness probe needs the number first)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _MotoAccount:
    """What SES's SMTP interface checks, read from moto's backends in this process (the sandbox's AWS)."""

    def __init__(self, region: str):
        self.region = region

    def access_key(self, key_id: str) -> tuple[str, Any, Any] | None:
        """(account id, IAM user, access key) of `key_id`, or None."""
        from moto.iam.models import iam_backends

        for account_id in list(iam_backends.keys()):
            backend = iam_backends[account_id]["global"]
            for user in list(backend.users.values()):
                for key in list(user.access_keys):
                    if key.access_key_id == key_id:
                        return account_id, user, key
        return None

    def may_send(self, user: Any) -> bool:
        documents = [*user.policies.values(), *(p.document for p in user.managed_policies.values())]
        for document in documents:
            try:
                parsed = json.loads(unquote(document)) if isinstance(document, str) else document
            except ValueError:
                continue
            if policy_allows_sending(parsed):
                return True
        return False

    def verified(self, account_id: str, address: str) -> bool:
        """Whether `address`, or its domain, is an SES identity of the region (moto verifies at once)."""
        from moto.ses.models import ses_backends

        identities = ses_backends[account_id][self.region].email_identities
        address = address.lower()
        return address in identities or address.rpartition("@")[2] in identities


class SesSmtpHandler:
    """aiosmtpd's authenticator and DATA handler, with SES's answers."""

    def __init__(self, component: "SesSmtpComponent"):
        self.component = component

    def authenticate(self, server, session, envelope, mechanism, auth_data):  # aiosmtpd's authenticator
        from aiosmtpd.smtp import AuthResult, LoginPassword

        from dandiops.providers.aws import ses_smtp_password

        account = self.component.account
        if isinstance(auth_data, LoginPassword) and account is not None:
            found = account.access_key(auth_data.login.decode("utf-8", "replace"))
            if found is not None and found[2].status == "Active":
                expected = ses_smtp_password(found[2].secret_access_key, account.region).encode()
                if hmac.compare_digest(expected, auth_data.password):
                    return AuthResult(success=True, auth_data=(found[0], found[1].name))
        return AuthResult(success=False, handled=False, message="535 Authentication Credentials Invalid")

    async def handle_DATA(self, server, session, envelope) -> str:
        account = self.component.account
        if account is None:
            return "451 4.3.0 Temporary service failure"
        account_id, user_name = session.auth_data
        user = self._user(account_id, user_name)
        if user is None or not account.may_send(user):
            arn = f"arn:aws:iam::{account_id}:user/{user_name}"
            return (
                f"554 Access denied: User `{arn}' is not authorized to perform `{SEND_ACTION}' on resource "
                f"`arn:aws:ses:{account.region}:{account_id}:identity/{envelope.mail_from.rpartition('@')[2]}'"
            )
        unverified = [] if account.verified(account_id, envelope.mail_from) else [envelope.mail_from]
        if not self.component.production_access():
            unverified += [address for address in envelope.rcpt_tos if not account.verified(account_id, address)]
        if unverified:
            return (
                "554 Message rejected: Email address is not verified. The following identities failed the check "
                f"in region {account.region.upper()}: {', '.join(unverified)}"
            )
        self.component.deliver(envelope.mail_from, envelope.original_content)
        return "250 Ok"

    @staticmethod
    def _user(account_id: str, user_name: str) -> Any:
        from moto.iam.models import iam_backends

        return iam_backends[account_id]["global"].users.get(user_name)


class SesSmtpComponent:
    """The SMTP server; it reads the AWS component's moto for credentials and identities."""

    def __init__(self) -> None:
        self.controller: Any = None
        self.port: int | None = None
        self.mailbox: Path | None = None
        self.cert_path: Path | None = None
        self.account: _MotoAccount | None = None
        self._aws: AwsComponent | None = None
        self._tls: ssl.SSLContext | None = None
        self._write = threading.Lock()

    def start(self, sandbox: "Sandbox") -> None:
        from dandiops.sandbox.aws import REGION, AwsComponent
        from dandiops.sandbox.dyno.executor import trust_certificate
        from dandiops.sandbox.dyno.rendezvous import make_certificate

        self._aws = next((c for c in sandbox.components if isinstance(c, AwsComponent)), None)
        self.account = _MotoAccount(REGION) if self._aws is not None else None
        self.cert_path, key_path = make_certificate(sandbox.workdir / "smtp", name="smtp")
        trust_certificate(sandbox.workdir, self.cert_path)
        self._tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._tls.load_cert_chain(self.cert_path, key_path)
        self.mailbox = sandbox.workdir / MAILBOX_FILE
        self.port = _free_port()
        self.serve()

    def serve(self) -> None:
        """Listen (again) on the component's port."""
        from aiosmtpd.controller import Controller

        if self.controller is not None:
            return
        handler = SesSmtpHandler(self)
        self.controller = Controller(
            handler,
            hostname="127.0.0.1",
            port=self.port,
            ident="dandiops sandbox SES SMTP",
            tls_context=self._tls,
            require_starttls=True,
            auth_required=True,
            authenticator=handler.authenticate,
        )
        self.controller.start()

    def stop(self) -> None:
        """Stop listening: a client then cannot connect, as when SES's endpoint is unreachable."""
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def halt(self) -> None:
        pass  # a message is appended whole under the lock; nothing else runs between sessions

    def snapshot(self) -> None:
        return None  # the mailbox is what was sent since, never part of the world

    def restore(self, sandbox: "Sandbox", snapshot: None) -> None:
        """An empty mailbox, and the server listening again."""
        with self._write:
            if self.mailbox is not None:
                self.mailbox.unlink(missing_ok=True)
        self.serve()

    def production_access(self) -> bool:
        return self._aws.ses_production_access() if self._aws is not None else False

    def deliver(self, sender: str, content: bytes) -> None:
        """Append one message to the mbox (a `From ` line, the message with `From ` lines quoted)."""
        assert self.mailbox is not None
        from_line = f"From {sender or 'MAILER-DAEMON'} {time.asctime(time.gmtime())}\n".encode()
        body = content.replace(b"\r\n", b"\n")
        body = b"\n".join(b">" + line if line.startswith(b"From ") else line for line in body.split(b"\n"))
        with self._write, self.mailbox.open("ab") as box:
            box.write(from_line + body.rstrip(b"\n") + b"\n\n")

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        assert self.mailbox is not None
        return {MAILBOX_VAR: str(self.mailbox), SMTP_HOST_SETTING: self.address}

    def environment_settings(self, env_name: str) -> dict[str, Any]:
        return {}
