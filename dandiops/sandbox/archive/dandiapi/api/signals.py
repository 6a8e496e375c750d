"""Mirrors dandiapi/api/signals.py: any origin may make read-only requests (GET, HEAD, OPTIONS);
other methods need an origin from DJANGO_CORS_ALLOWED_ORIGINS."""

from corsheaders.signals import check_request_enabled
from django.dispatch import receiver


@receiver(check_request_enabled)
def cors_allow_anyone_read_only(sender, request, **kwargs):
    return request.method in ("GET", "HEAD", "OPTIONS")
