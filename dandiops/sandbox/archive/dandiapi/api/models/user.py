"""Mirrors dandiapi/api/models/user.py (UserMetadata) and, for `createsuperuser`, the proxy user of
resonant_settings.allauth_support.createsuperuser (email as the username)."""

from __future__ import annotations

from django.contrib.auth.models import User, UserManager
from django.db import models


class UserMetadata(models.Model):
    class Status(models.TextChoices):
        INCOMPLETE = "INCOMPLETE"
        PENDING = "PENDING"
        APPROVED = "APPROVED"
        REJECTED = "REJECTED"

    # TimeStampedModel (django-extensions) in the real model
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    user = models.OneToOneField(User, related_name="metadata", on_delete=models.CASCADE)
    status = models.CharField(choices=Status.choices, default=Status.INCOMPLETE, max_length=10)
    questionnaire_form = models.JSONField(blank=True, null=True)
    rejection_reason = models.TextField(blank=True, default="", max_length=1000)

    def __str__(self) -> str:
        return f"{self.user.username}: {self.status}"


class EmailAsUsernameProxyUserManager(UserManager):
    def create_superuser(self, username=None, email=None, password=None, **extra_fields):  # type: ignore[override]
        if email is None:
            raise ValueError("Email address must be provided.")
        return super().create_superuser(username=email, email=email, password=password, **extra_fields)


class EmailAsUsernameProxyUser(User):
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = EmailAsUsernameProxyUserManager()

    class Meta:
        proxy = True

    @classmethod
    def normalize_username(cls, username):
        # UserManager stores the email normalised (domain lower-cased); the username gets the same
        # treatment, so both hold "Admin@example.org" for "Admin@EXAMPLE.ORG".
        return EmailAsUsernameProxyUserManager.normalize_email(username)
