"""The sandbox's Heroku account, and two apps modelled on the real DANDI staging (sandbox) and production
API apps.

The account (`seed_account`) is what every sandbox starts with: the operator in a team, and the other
people who have a Heroku account. The empty world stops there. The apps' specs name what an operator
writes in dandiops.toml; `seed` also makes the apps as a running clone has them: process types, dyno
sizes, add-on plans and config var names follow dandi-archive's Procfile and dandi-infrastructure's
terraform/api.tf and staging.tf; values point at sandbox hosts.
"""

from __future__ import annotations

import secrets as random_secrets
from dataclasses import dataclass

from dandiops.archive.deployment import BUILDPACKS, SETTINGS_MODULE
from dandiops.sandbox.heroku.routes.domains import custom_domain
from dandiops.sandbox.heroku.state import Addon, App, Collaborator, Formation, HerokuState

PROCFILE = {
    "release": "python ./manage.py migrate",
    "web": "gunicorn --config gunicorn.conf.py dandiapi.wsgi",
    "worker": "REMAP_SIGTERM=SIGQUIT celery --app dandiapi.celery worker --loglevel INFO --without-mingle "
    "--without-heartbeat --without-gossip --queues celery --beat",
    "checksum-worker": "REMAP_SIGTERM=SIGQUIT celery --app dandiapi.celery worker --loglevel INFO "
    "--without-mingle --without-heartbeat --without-gossip "
    "--queues calculate_sha256,ingest_zarr_archive",
}


@dataclass(frozen=True)
class AppSpec:
    env: str
    name: str
    domain: str
    web_host: str
    dyno_size: str
    web_quantity: int
    postgres_plan: str
    cloudamqp_plan: str
    papertrail_plan: str
    bucket: str
    instance_name: str
    doi_prefix: str
    production: bool


STAGING = AppSpec(
    "staging",
    "dandi-sandbox-api-staging",
    "api.staging.dandi.test",
    "staging.dandi.test",
    "basic",
    1,
    "heroku-postgresql:essential-1",
    "cloudamqp:tiger",
    "papertrail:fixa",
    "dandi-sandbox-staging-dandisets",
    "DANDI-SANDBOX",
    "10.80507",
    False,
)
PRODUCTION = AppSpec(
    "production",
    "dandi-sandbox-api",
    "api.dandi.test",
    "dandi.test",
    "standard-2x",
    3,
    "heroku-postgresql:standard-0",
    "cloudamqp:squirrel-1",
    "papertrail:fredrik",
    "dandi-sandbox-dandisets",
    "DANDI",
    "10.48324",
    True,
)
SPECS = (STAGING, PRODUCTION)
TEAM = "dandi-sandbox"
# People with a Heroku account besides the operator (`access add` can give them an app).
OTHER_USERS = ("maintainer@dandi.test", "curator@dandi.test")


def config_vars(spec: AppSpec, database_url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "CLOUDAMQP_URL": f"amqps://user:{random_secrets.token_hex(8)}@rabbit.sandbox.test/vhost",
        "CLOUDAMQP_APIKEY": random_secrets.token_hex(16),
        "PAPERTRAIL_API_TOKEN": random_secrets.token_hex(16),
        "DJANGO_SETTINGS_MODULE": SETTINGS_MODULE,
        "DJANGO_SECRET_KEY": random_secrets.token_urlsafe(48),
        "DJANGO_ALLOWED_HOSTS": spec.domain,
        "DJANGO_CORS_ALLOWED_ORIGINS": f"https://{spec.web_host}",
        "AWS_DEFAULT_REGION": "us-east-2",
        "AWS_ACCESS_KEY_ID": "AKIA" + random_secrets.token_hex(8).upper(),
        "AWS_SECRET_ACCESS_KEY": random_secrets.token_urlsafe(30),
        "DJANGO_STORAGE_BUCKET_NAME": spec.bucket,
        "DJANGO_DANDI_DANDISETS_BUCKET_NAME": spec.bucket,
        "DJANGO_DANDI_DEV_EMAIL": "dev@dandi.test",
        "DJANGO_DANDI_ADMIN_EMAIL": "admin@dandi.test",
        # SES's SMTP interface and the sender Terraform sets; the AWS stand-in puts in its SMTP user's key
        "DJANGO_EMAIL_URL": f"smtp+tls://AKIA{random_secrets.token_hex(8).upper()}:"
        f"{random_secrets.token_hex(16)}@email-smtp.us-east-2.amazonaws.com:587",
        "DJANGO_DEFAULT_FROM_EMAIL": f"admin@{spec.domain}",
        "DJANGO_DANDI_WEB_APP_URL": f"https://{spec.web_host}",
        "DJANGO_DANDI_API_URL": f"https://{spec.domain}",
        "DJANGO_DANDI_JUPYTERHUB_URL": "https://hub.dandi.test/",
        "DJANGO_DANDI_INSTANCE_NAME": spec.instance_name,
        "DJANGO_DANDI_INSTANCE_IDENTIFIER": "RRID:SCR_017571",
        "DJANGO_DANDI_DOI_API_PREFIX": spec.doi_prefix,
        "DJANGO_DANDI_DOI_PUBLISH": "true" if spec.production else "false",
        "DJANGO_CELERY_WORKER_CONCURRENCY": "4" if spec.production else "2",
    }


def seed_app(
    state: HerokuState, spec: AppSpec, *, database_url: str = "sqlite:///db.sqlite3", app_dir: str | None = None
) -> App:
    app = App(name=spec.name, team=TEAM, app_dir=app_dir, buildpacks=list(BUILDPACKS), procfile=dict(PROCFILE))
    for ptype in ("web", "worker", "checksum-worker"):
        quantity = spec.web_quantity if ptype == "web" else 1
        app.formation[ptype] = Formation(type=ptype, quantity=quantity, size=spec.dyno_size, command=PROCFILE[ptype])
    app.addons = [
        Addon(
            "heroku-postgresql",
            spec.postgres_plan,
            f"postgresql-{spec.env}-{random_secrets.token_hex(3)}",
            ["DATABASE_URL"],
            "DATABASE",
        ),
        Addon(
            "cloudamqp",
            spec.cloudamqp_plan,
            f"cloudamqp-{spec.env}-{random_secrets.token_hex(3)}",
            ["CLOUDAMQP_APIKEY", "CLOUDAMQP_URL"],
            "CLOUDAMQP",
        ),
        Addon(
            "papertrail",
            spec.papertrail_plan,
            f"papertrail-{spec.env}-{random_secrets.token_hex(3)}",
            ["PAPERTRAIL_API_TOKEN"],
            "PAPERTRAIL",
        ),
    ]
    app.config = config_vars(spec, database_url)
    app.domains = [custom_domain(app, spec.domain, provisioned=True)]  # Terraform's heroku_domain
    app.collaborators = [
        Collaborator(email=state.account_email, role="admin", permissions=["view", "deploy", "operate", "manage"])
    ]
    state.add_app(app)
    state.create_release(app, "Initial release")
    state.create_release(app, "Deploy 3e3c3c9c", commit="3e3c3c9c")
    return app


def seed(
    state: HerokuState, *, database_urls: dict[str, str] | None = None, app_dirs: dict[str, str] | None = None
) -> dict[str, App]:
    database_urls = database_urls or {}
    app_dirs = app_dirs or {}
    seed_account(state)
    return {
        spec.env: seed_app(
            state,
            spec,
            database_url=database_urls.get(spec.env, "sqlite:///db.sqlite3"),
            app_dir=app_dirs.get(spec.name),
        )
        for spec in SPECS
    }


def seed_account(state: HerokuState) -> None:
    """The operator's account as a new team has it: its admin, no apps; the other people's accounts."""
    state.teams.setdefault(TEAM, [{"email": state.account_email, "role": "admin"}])
    state.users.update(OTHER_USERS)
