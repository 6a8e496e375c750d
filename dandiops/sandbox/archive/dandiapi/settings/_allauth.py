"""Mirrors resonant_settings.allauth, which the real base settings import: the sites framework's
SITE_ID (the Site that allauth's SocialApp must be attached to) and allauth's authentication backend
next to Django's, so that the admin's password login keeps working."""

from __future__ import annotations

SITE_ID = 1

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
