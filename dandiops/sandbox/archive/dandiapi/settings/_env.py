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
    """What django-environ 0.13 (Env.email_url_config) makes of DJANGO_EMAIL_URL: `smtps` and `smtp+tls`
    mean STARTTLS, `smtp+ssl` implicit TLS; user and password are URL-decoded; any other scheme (such
    as dj-email-url's `submission`) stops the app at start."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(str_var(name))
    scheme = parts.scheme
    backends = {
        "consolemail": "django.core.mail.backends.console.EmailBackend",
        "filemail": "django.core.mail.backends.filebased.EmailBackend",
        "memorymail": "django.core.mail.backends.locmem.EmailBackend",
        "dummymail": "django.core.mail.backends.dummy.EmailBackend",
    }
    if scheme in backends:
        config = {"EMAIL_BACKEND": backends[scheme]}
        if scheme == "filemail":
            config["EMAIL_FILE_PATH"] = parts.path
        return config
    if scheme not in ("smtp", "smtps", "smtp+tls", "smtp+ssl"):
        raise ImproperlyConfigured(f"Invalid email schema {scheme}")
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": parts.port,
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": scheme in ("smtps", "smtp+tls"),
        "EMAIL_USE_SSL": scheme == "smtp+ssl",
    }
