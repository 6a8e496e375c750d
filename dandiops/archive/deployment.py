"""What is true of a DANDI Archive deployment on Heroku (dandi-archive as of 2026).

Sources: dandi/dandi-archive Procfile and dandiapi/settings/*.py, dandi/dandi-infrastructure
terraform/api.tf and staging.tf.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from dandiops.core.redact import url_password

PROCESS_TYPES = ("release", "web", "worker", "checksum-worker")
SCALED_PROCESS_TYPES = ("web", "worker", "checksum-worker")  # release runs once per release, never scaled
BEAT_PROCESS_TYPE = "worker"  # celery beat runs inside it: more than one duplicates the schedule

SETTINGS_MODULE = "dandiapi.settings.heroku_production"
CACHE_TABLE = "dandi_cache_table"
ALLOWED_HOSTS_VAR = "DJANGO_ALLOWED_HOSTS"
CORS_ORIGINS_VAR = "DJANGO_CORS_ALLOWED_ORIGINS"

# Buildpacks in order: the version buildpack sets SOURCE_VERSION, which settings read at import.
BUILDPACKS = ("https://github.com/ianpurvis/heroku-buildpack-version.git", "heroku/python")
ADDON_SERVICES = ("heroku-postgresql", "cloudamqp", "papertrail")


@dataclass(frozen=True)
class ConfigVar:
    name: str
    secret: bool = False
    provided_by: str | None = None  # an add-on or buildpack sets it; the operator does not
    note: str = ""


REQUIRED_CONFIG_VARS: tuple[ConfigVar, ...] = (
    ConfigVar("DATABASE_URL", secret=True, provided_by="heroku-postgresql add-on"),
    ConfigVar("CLOUDAMQP_URL", secret=True, provided_by="cloudamqp add-on"),
    ConfigVar("DJANGO_SETTINGS_MODULE", note=SETTINGS_MODULE),
    ConfigVar("DJANGO_SECRET_KEY", secret=True, note="random, at least 50 characters"),
    ConfigVar("DJANGO_ALLOWED_HOSTS", note="comma-separated API host names"),
    ConfigVar("AWS_DEFAULT_REGION"),
    ConfigVar("AWS_ACCESS_KEY_ID"),
    ConfigVar("AWS_SECRET_ACCESS_KEY", secret=True),
    ConfigVar("DJANGO_STORAGE_BUCKET_NAME", note="the dandiset bucket"),
    ConfigVar("DJANGO_DANDI_DEV_EMAIL"),
    ConfigVar("DJANGO_DANDI_ADMIN_EMAIL"),
    ConfigVar("DJANGO_EMAIL_URL", secret=True, note="smtp+tls://user:pass@host:587"),
    ConfigVar("DJANGO_DEFAULT_FROM_EMAIL"),
    ConfigVar("DJANGO_DANDI_WEB_APP_URL"),
    ConfigVar("DJANGO_DANDI_API_URL", note="API origin, no /api suffix"),
    ConfigVar("DJANGO_DANDI_JUPYTERHUB_URL"),
    ConfigVar("DJANGO_DANDI_INSTANCE_NAME", note="pattern ^[A-Z][-A-Z]*$"),
    ConfigVar("DJANGO_DANDI_INSTANCE_IDENTIFIER", note="pattern RRID:\\S+"),
    ConfigVar("DJANGO_DANDI_DOI_API_PREFIX", note="pattern 10\\.\\d{4,}"),
)

SECRET_CONFIG_VARS = frozenset(
    {var.name for var in REQUIRED_CONFIG_VARS if var.secret}
    | {
        "DJANGO_DANDI_DOI_API_PASSWORD",
        "DJANGO_SENTRY_DSN",
        "CLOUDAMQP_APIKEY",
        "PAPERTRAIL_API_TOKEN",
        "DJANGO_SUPERUSER_PASSWORD",
    }
)


def is_secret_config_var(name: str) -> bool:
    upper = name.upper()
    return (
        upper in SECRET_CONFIG_VARS
        or any(marker in upper for marker in ("SECRET", "PASSWORD", "TOKEN", "APIKEY", "API_KEY", "_URL_PASSWORD"))
        or upper.endswith("DATABASE_URL")
    )


def secret_config_values(config: Mapping[str, str]) -> list[str]:
    """The config var values that are secrets: those of secret vars, and any URL holding a password
    (an add-on's second attachment, such as HEROKU_POSTGRESQL_COPPER_URL, has no secret name)."""
    return [value for name, value in config.items() if value and (is_secret_config_var(name) or url_password(value))]
