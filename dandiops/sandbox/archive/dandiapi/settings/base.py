"""Mirrors dandiapi/settings/base.py: apps, database from DJANGO_DATABASE_URL, the database cache."""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from dandiapi.settings._allauth import *  # noqa: F401,F403 - resonant_settings.allauth
from dandiapi.settings._env import bool_var, list_var, str_var
from dandiapi.settings._oauth_toolkit import *  # noqa: F401,F403 - resonant_settings.oauth_toolkit

BASE_DIR = Path(__file__).resolve().parent.parent.parent

INSTALLED_APPS = [
    "dandiapi.api.apps.PublishConfig",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "oauth2_provider",
    "corsheaders",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "dandiapi.urls"
WSGI_APPLICATION = "dandiapi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# resonant_settings.django: the database comes from DJANGO_DATABASE_URL (heroku_production copies
# DATABASE_URL into it); SQLite in the project folder when nothing says otherwise.
DATABASES = {
    "default": dj_database_url.parse(
        str_var("DJANGO_DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"), conn_max_age=600
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Sandbox only: its SQLite files are scratch copies, and without an fsync per transaction a full
    # `migrate` (some sixty migrations with allauth and the OAuth toolkit) takes seconds, not ten.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = "PRAGMA synchronous=OFF"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# DRF throttling and allauth's rate limits use this cache; `createcachetable` makes the table.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "dandi_cache_table",
    }
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

DANDI_AUTO_APPROVE_USERS = False  # hard-coded, as in the real base settings
DANDI_WEB_APP_URL = str_var("DJANGO_DANDI_WEB_APP_URL")
DANDI_API_URL = str_var("DJANGO_DANDI_API_URL")
DANDI_JUPYTERHUB_URL = str_var("DJANGO_DANDI_JUPYTERHUB_URL")
DANDI_INSTANCE_NAME = str_var("DJANGO_DANDI_INSTANCE_NAME")
DANDI_INSTANCE_IDENTIFIER = str_var("DJANGO_DANDI_INSTANCE_IDENTIFIER")
DANDI_DOI_API_PREFIX = str_var("DJANGO_DANDI_DOI_API_PREFIX")
DANDI_DOI_PUBLISH = bool_var("DJANGO_DANDI_DOI_PUBLISH", False)

CELERY_BROKER_URL = str_var("DJANGO_CELERY_BROKER_URL", "amqp://localhost:5672/")
CORS_ALLOWED_ORIGINS = list_var("DJANGO_CORS_ALLOWED_ORIGINS", [])
CORS_ALLOWED_ORIGIN_REGEXES = list_var("DJANGO_CORS_ALLOWED_ORIGIN_REGEXES", [])
CORS_ALLOW_HEADERS = (
    "accept",
    "authorization",
    "content-type",
    "user-agent",
    "x-csrftoken",
    "x-requested-with",
    "baggage",
    "sentry-trace",
)
