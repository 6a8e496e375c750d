"""Mirrors dandiapi/settings/production.py with resonant_settings.production.email.

The real module also imports resonant_settings.production.https (secure cookies, SSL redirect,
HSTS); the sandbox serves plain HTTP on loopback, so that part is left out.
"""

from __future__ import annotations

from dandiapi.settings._env import email_url, list_var, str_var
from dandiapi.settings.base import *  # noqa: F401,F403

SECRET_KEY = str_var("DJANGO_SECRET_KEY")

# Sign-in is through GitHub only; the admin's password login still works (allauth's backend).
INSTALLED_APPS = [*INSTALLED_APPS, "allauth.socialaccount.providers.github"]  # noqa: F405
LOGIN_URL = "/accounts/github/login/"
SOCIALACCOUNT_ONLY = True
ACCOUNT_EMAIL_VERIFICATION = "none"  # allauth requires it with SOCIALACCOUNT_ONLY

ALLOWED_HOSTS = list_var("DJANGO_ALLOWED_HOSTS")

DANDI_DANDISETS_BUCKET_NAME = str_var("DJANGO_STORAGE_BUCKET_NAME")
# The real module's STORAGES["default"] is dandiapi.storage.DandiS3Storage with these options. The
# sandbox has no S3 storage, so they are read (a missing variable fails as there) and left unused.
DANDI_S3_STORAGE_OPTIONS = {
    "region_name": str_var("AWS_DEFAULT_REGION"),
    "access_key": str_var("AWS_ACCESS_KEY_ID"),
    "secret_key": str_var("AWS_SECRET_ACCESS_KEY"),
    "bucket_name": DANDI_DANDISETS_BUCKET_NAME,
}

DANDI_DEV_EMAIL = str_var("DJANGO_DANDI_DEV_EMAIL")
DANDI_ADMIN_EMAIL = str_var("DJANGO_DANDI_ADMIN_EMAIL")

# resonant_settings.production.email
globals().update(email_url("DJANGO_EMAIL_URL"))
DEFAULT_FROM_EMAIL = str_var("DJANGO_DEFAULT_FROM_EMAIL")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
