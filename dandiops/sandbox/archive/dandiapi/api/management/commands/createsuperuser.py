"""Mirrors dandiapi/api/management/commands/createsuperuser.py over resonant_settings'
email-as-username command: `--email` names the user, username = email, both normalised as
Django's normalize_email does (the domain lower-cased, the part before @ kept as typed), and the
new superuser gets APPROVED metadata and the name "Super User". An email that exists (after
normalising, compared exactly) is refused as "already taken".

Non-interactive use reads DJANGO_SUPERUSER_PASSWORD (and DJANGO_SUPERUSER_EMAIL when --email is
not given), as Django's stock command does.
"""

from __future__ import annotations

from django.contrib.auth.management.commands import createsuperuser
from django.db.models.signals import post_init, post_save

from dandiapi.api.models import EmailAsUsernameProxyUser, UserMetadata


def _set_name(sender, instance, **kwargs):
    if not instance.pk:
        instance.first_name = "Super"
        instance.last_name = "User"


def _create_metadata(sender, instance, created, **kwargs):
    if created:
        UserMetadata.objects.create(user=instance, status=UserMetadata.Status.APPROVED)


class Command(createsuperuser.Command):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.UserModel = EmailAsUsernameProxyUser
        self.username_field = self.UserModel._meta.get_field(self.UserModel.USERNAME_FIELD)

    def _validate_username(self, username, verbose_field_name, database):
        # The email field is not unique, but username (= email) is: check duplicates as if it were,
        # on the normalised value that would be saved, as resonant_settings' command does.
        field = self.username_field
        was_unique = field._unique
        field._unique = True
        try:
            return super()._validate_username(self.UserModel.normalize_username(username), verbose_field_name, database)
        finally:
            field._unique = was_unique

    def handle(self, *args, **options):
        post_init.connect(_set_name, sender=EmailAsUsernameProxyUser)
        post_save.connect(_create_metadata, sender=EmailAsUsernameProxyUser)
        try:
            return super().handle(*args, **options)
        finally:
            post_init.disconnect(_set_name, sender=EmailAsUsernameProxyUser)
            post_save.disconnect(_create_metadata, sender=EmailAsUsernameProxyUser)
