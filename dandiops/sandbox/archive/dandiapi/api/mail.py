"""Mirrors dandiapi/api/mail.py: the same functions, subjects and recipients, real Django email.

The message bodies are short stand-ins for the real templates.
"""

from __future__ import annotations

from django.conf import settings
from django.core import mail
from django.template.loader import render_to_string

ADMIN_EMAIL_SUBJECT_PREFIX = "DANDI: "


def user_greeting_name(user, socialaccount=None) -> str:
    if socialaccount is not None:
        name = (getattr(socialaccount, "extra_data", None) or {}).get("name")
        if name:
            return name
    full = f"{user.first_name} {user.last_name}".strip()
    return full or user.username


def build_message(subject: str, message: str, to: list[str], html_message: str | None = None):
    email_message = mail.EmailMultiAlternatives(subject=subject, body=message, to=to)
    if html_message is not None:
        email_message.attach_alternative(html_message, "text/html")
    return email_message


def _send(message) -> None:
    with mail.get_connection() as connection:
        connection.send_messages([message])


def _context(user, socialaccount=None, **extra) -> dict:
    return {
        "greeting_name": user_greeting_name(user, socialaccount),
        "username": user.username,
        "dandi_api_url": settings.DANDI_API_URL,
        "dandi_web_app_url": settings.DANDI_WEB_APP_URL,
        **extra,
    }


def registered_message(user, socialaccount):
    return build_message(
        subject=f"{ADMIN_EMAIL_SUBJECT_PREFIX}New user registered: {user.email}",
        message=render_to_string("api/mail/registered_message.txt", _context(user, socialaccount)),
        to=[settings.DANDI_ADMIN_EMAIL, user.email],
    )


def send_registered_notice_email(user, socialaccount):
    _send(registered_message(user, socialaccount))


def new_user_message(user, socialaccount):
    return build_message(
        subject=f"{ADMIN_EMAIL_SUBJECT_PREFIX}Review new user: {user.username}",
        message=render_to_string("api/mail/new_user_message.txt", _context(user, socialaccount)),
        to=[settings.DANDI_ADMIN_EMAIL],
    )


def send_new_user_message_email(user, socialaccount):
    _send(new_user_message(user, socialaccount))


def approved_user_message(user, socialaccount=None):
    return build_message(
        subject="Your DANDI Account",
        message=render_to_string("api/mail/approved_user_message.txt", _context(user, socialaccount)),
        to=[settings.DANDI_ADMIN_EMAIL, user.email],
    )


def send_approved_user_message(user, socialaccount=None):
    _send(approved_user_message(user, socialaccount))


def rejected_user_message(user, socialaccount=None):
    return build_message(
        subject="Your DANDI Account",
        message=render_to_string(
            "api/mail/rejected_user_message.txt",
            _context(user, socialaccount, rejection_reason=user.metadata.rejection_reason),
        ),
        to=[settings.DANDI_ADMIN_EMAIL, user.email],
    )


def send_rejected_user_message(user, socialaccount=None):
    _send(rejected_user_message(user, socialaccount))


def pending_users_message(users):
    return build_message(
        subject=f"{ADMIN_EMAIL_SUBJECT_PREFIX}new user registrations to review",
        message=render_to_string(
            "api/mail/pending_users_message.txt", {"users": users, "dandi_api_url": settings.DANDI_API_URL}
        ),
        to=[settings.DANDI_ADMIN_EMAIL],
    )


def send_pending_users_message(users):
    _send(pending_users_message(users))
