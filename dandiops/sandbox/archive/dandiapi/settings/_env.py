"""The few django-environ readers the real settings use, with django-environ's failure message."""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

_NOT_SET = object()


def str_var(name: str, default=_NOT_SET) -> str:
    value = os.environ.get(name)
    if value is None:
        if default is _NOT_SET:
            raise ImproperlyConfigured(f"Set the {name} environment variable")
        return default
    return value


def list_var(name: str, default=_NOT_SET) -> list[str]:
    value = str_var(name, None if default is not _NOT_SET else _NOT_SET)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def bool_var(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def email_url(name: str) -> dict:
    """What dj-email-url makes of DJANGO_EMAIL_URL (smtp / smtp+tls / smtp+ssl / console)."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(str_var(name))
    scheme = parts.scheme
    if scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme not in ("smtp", "smtp+tls", "smtp+ssl", "smtps", "submission"):
        raise ImproperlyConfigured(f"{name}: unsupported email URL scheme {scheme!r}")
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname or "localhost",
        "EMAIL_PORT": parts.port or 25,
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": scheme in ("smtp+tls", "submission"),
        "EMAIL_USE_SSL": scheme in ("smtp+ssl", "smtps"),
    }
