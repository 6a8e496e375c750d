"""Mirrors dandiapi/settings/heroku_production.py, the module Heroku's DJANGO_SETTINGS_MODULE names.

The add-ons' and buildpack's variables are copied before production settings load, so a missing
DATABASE_URL, CLOUDAMQP_URL or SOURCE_VERSION fails with a KeyError exactly as the real one does.
"""

from __future__ import annotations

import os

os.environ["DJANGO_DATABASE_URL"] = os.environ["DATABASE_URL"]
os.environ["DJANGO_CELERY_BROKER_URL"] = os.environ["CLOUDAMQP_URL"]
os.environ["DJANGO_SENTRY_RELEASE"] = os.environ["SOURCE_VERSION"]

from dandiapi.settings.production import *  # noqa: E402,F401,F403

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
ALLAUTH_TRUSTED_PROXY_COUNT = 1
