# Runs INSIDE a one-off dyno of a DANDI Archive app, sent ahead of the scripts that send mail
# (users.py, email.py) in the same `manage.py shell -c` command; dandiops never imports it.
# It turns what went wrong while sending into one line that says what the SMTP server (or the
# connection to it) answered, without the app's SMTP credentials.
import smtplib
import ssl

from django.conf import settings

_MAIL_ERROR_CHARS = 300


def _smtp_reply(code, text):
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(str(text).split())}"


def _mail_error(exc):
    """What the SMTP server, or the connection to it, answered: one line."""
    where = f"{getattr(settings, 'EMAIL_HOST', '?')}:{getattr(settings, 'EMAIL_PORT', '?')}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        refused = "; ".join(f"{address}: {_smtp_reply(*reply)}" for address, reply in exc.recipients.items())
        text = f"{where} refused the recipients: {refused}"
    elif isinstance(exc, smtplib.SMTPResponseException):
        text = f"{where} answered {_smtp_reply(exc.smtp_code, exc.smtp_error)}"
    elif isinstance(exc, smtplib.SMTPNotSupportedError):
        text = f"{where} does not offer what the app asked for: {exc}"
    elif isinstance(exc, ssl.SSLError):
        text = f"TLS with {where} failed: {getattr(exc, 'verify_message', None) or exc.reason or exc}"
    elif isinstance(exc, smtplib.SMTPServerDisconnected):
        text = f"{where} closed the connection: {exc}"
    elif isinstance(exc, OSError):
        text = f"cannot connect to the SMTP server {where}: {exc.strerror or exc}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    return text[:_MAIL_ERROR_CHARS]
