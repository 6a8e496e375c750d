"""Mirrors dandiapi/api/signals.py: any origin may make read-only requests (GET, HEAD, OPTIONS);
other methods need an origin from DJANGO_CORS_ALLOWED_ORIGINS. A user who signs up (through GitHub)
gets their UserMetadata: APPROVED when the deployment approves everyone, else INCOMPLETE until they
answer the questionnaire."""

from allauth.account.signals import user_signed_up
from corsheaders.signals import check_request_enabled
from django.conf import settings
from django.dispatch import receiver


@receiver(check_request_enabled)
def cors_allow_anyone_read_only(sender, request, **kwargs):
    return request.method in ("GET", "HEAD", "OPTIONS")


@receiver(user_signed_up)
def user_signed_up_listener(sender, user, **kwargs):
    from dandiapi.api.models import UserMetadata

    status = UserMetadata.Status.APPROVED if settings.DANDI_AUTO_APPROVE_USERS else UserMetadata.Status.INCOMPLETE
    UserMetadata.objects.create(user=user, status=status)
