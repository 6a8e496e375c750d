"""Mirrors dandiapi/settings/development.py: local runs without Heroku's variables."""

from __future__ import annotations

import os

for _name, _value in {
    "DJANGO_DANDI_WEB_APP_URL": "http://localhost:8085",
    "DJANGO_DANDI_API_URL": "http://localhost:8000",
    "DJANGO_DANDI_JUPYTERHUB_URL": "https://hub.dandiarchive.org/",
    "DJANGO_DANDI_INSTANCE_NAME": "DANDI",
    "DJANGO_DANDI_INSTANCE_IDENTIFIER": "RRID:ABC_123456",
    "DJANGO_DANDI_DOI_API_PREFIX": "10.80507",
}.items():
    os.environ.setdefault(_name, _value)

from dandiapi.settings.base import *  # noqa: E402,F401,F403

DEBUG = True
SECRET_KEY = "insecure-development-key"  # noqa: S105 - development only
ALLOWED_HOSTS = ["*"]
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DANDI_ADMIN_EMAIL = "admin@localhost"
DANDI_DEV_EMAIL = "dev@localhost"
DEFAULT_FROM_EMAIL = "webmaster@localhost"
DANDI_AUTO_APPROVE_USERS = True
OAUTH2_PROVIDER = {**OAUTH2_PROVIDER, "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"]}  # noqa: F405
