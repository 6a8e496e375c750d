"""An unmodified fork of dandi/dandi-archive: its deployment files as upstream has them.

Written from dandi-archive-facts §1 (Procfile), §5 (the deploy and release workflows, `.autorc`)
and §8 (`web/netlify.toml`, `web/.env.production`): the staging workflow builds
`dandi-api-staging` on every push to master, the production workflow resets the `release` branch
with `secrets.GH_TOKEN` and builds `dandi-api` when a release is released, `release.yml` runs
`auto shipit` for `.autorc`'s dandi/dandi-archive, and the web app's build settings point at
DANDI's own API, OAuth application, DOI server and Sentry project. A clone's fork starts like
this; `dandiops init`'s `fork` step prepares it (dandiops/archive/fork.py). The files keep their
repository paths under this folder.
"""

from __future__ import annotations

from importlib import resources

STAGING_WORKFLOW = ".github/workflows/backend-staging-deploy.yml"
PRODUCTION_WORKFLOW = ".github/workflows/backend-production-deploy.yml"
RELEASE_WORKFLOW = ".github/workflows/release.yml"
AUTORC = ".autorc"
NETLIFY_TOML = "web/netlify.toml"
ENV_PRODUCTION = "web/.env.production"
PROCFILE = "Procfile"

PATHS = (STAGING_WORKFLOW, PRODUCTION_WORKFLOW, RELEASE_WORKFLOW, AUTORC, NETLIFY_TOML, ENV_PRODUCTION, PROCFILE)

# Upstream's Heroku apps and repository, as the files name them.
STAGING_APP = "dandi-api-staging"
PRODUCTION_APP = "dandi-api"
REPOSITORY = "dandi/dandi-archive"


def files() -> dict[str, bytes]:
    """Each file's repository path and content."""
    root = resources.files(__name__)
    return {path: root.joinpath(path).read_bytes() for path in PATHS}
