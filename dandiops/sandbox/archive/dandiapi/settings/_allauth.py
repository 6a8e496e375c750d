"""Mirrors resonant_settings.allauth, which the real base settings import: the sites framework's
SITE_ID (the Site that allauth's SocialApp must be attached to) and allauth's authentication backend
as the only one. The admin's password login goes through it: it lower-cases the address typed and
matches it exactly, so a user stored with capitals before the @ cannot log in, as on the real
archive."""

from __future__ import annotations

SITE_ID = 1

AUTHENTICATION_BACKENDS = [
    "allauth.account.auth_backends.AuthenticationBackend",
]

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
