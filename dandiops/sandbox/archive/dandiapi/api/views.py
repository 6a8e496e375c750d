"""Mirrors dandiapi/api/views/info.py: `GET /api/info/`, what a client (dandi-cli, the web app's
/server-info) learns about this instance. Same keys and sources; the schema version and the CLI
version bounds are fixed values here."""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse

SCHEMA_VERSION = "0.6.9"


def info(request):
    api_url = f"{settings.DANDI_API_URL.rstrip('/')}/api"
    return JsonResponse(
        {
            "schema_version": SCHEMA_VERSION,
            "schema_url": f"https://raw.githubusercontent.com/dandi/schema/master/releases/{SCHEMA_VERSION}/dandiset.json",
            "version": "0.0.0+sandbox",
            "cli-minimal-version": "0.60.0",
            "cli-bad-versions": [],
            "services": {
                "api": {"url": api_url},
                "webui": {"url": settings.DANDI_WEB_APP_URL},
                "jupyterhub": {"url": settings.DANDI_JUPYTERHUB_URL},
            },
            "instance_config": {
                "instance_name": settings.DANDI_INSTANCE_NAME,
                "instance_identifier": settings.DANDI_INSTANCE_IDENTIFIER,
                "instance_url": settings.DANDI_WEB_APP_URL,
                "doi_prefix": settings.DANDI_DOI_API_PREFIX,
            },
        }
    )
