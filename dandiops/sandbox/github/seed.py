"""A fork of dandi-archive as the sandbox's GitHub repository.

Its workflows follow dandi/dandi-archive's `.github/workflows/` (see dandi-archive-facts §5):
staging deploys on push to master (no workflow_dispatch, as upstream today), production deploys
when a GitHub release is released, and `release.yml` runs `auto shipit`, which publishes a release
only when the merged pull request carries the `release` label. App names point at the Heroku
stand-in's apps.
"""

from __future__ import annotations

from dandiops.archive.workflows import add_dispatch_trigger
from dandiops.sandbox.github.state import GitHubState, Repo, RunPace

OWNER = "dandi-sandbox"
NAME = "dandi-archive"
FULL_NAME = f"{OWNER}/{NAME}"
STAGING_WORKFLOW = ".github/workflows/backend-staging-deploy.yml"
PRODUCTION_WORKFLOW = ".github/workflows/backend-production-deploy.yml"
RELEASE_WORKFLOW = ".github/workflows/release.yml"

_BUILD_STEPS = """\
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0{ref}
      - name: Install uv
        uses: astral-sh/setup-uv@v6
      - name: Install Heroku CLI
        run: curl https://cli-assets.heroku.com/install.sh | sh
      - name: Install Heroku builds plugin
        run: heroku plugins:install @heroku-cli/heroku-builds
      - name: Build the source distribution
        run: uv build --sdist
      - name: Deploy to Heroku
        run: heroku builds:create -a {app} --source-tar dist/*.tar.gz
        env:
          HEROKU_API_KEY: ${{{{ secrets.HEROKU_API_KEY }}}}
          HEROKU_EMAIL: ${{{{ secrets.HEROKU_EMAIL }}}}
"""


def staging_workflow(app: str) -> str:
    return f"""\
name: Deploy backend to staging
on:
  push:
    branches:
      - master
    paths-ignore:
      - "web/**"
      - CHANGELOG.md

concurrency:
  group: ${{{{ github.workflow }}}}
  cancel-in-progress: true

jobs:
  staging-deploy:
    name: Deploy to staging
    runs-on: ubuntu-latest
    steps:
{_BUILD_STEPS.format(ref="", app=app)}"""


def production_workflow(app: str) -> str:
    return f"""\
name: Deploy backend to production
on:
  release:
    types: [released]

concurrency:
  group: ${{{{ github.workflow }}}}
  cancel-in-progress: true

jobs:
  reset-release-branch:
    name: Update release branch
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: release
          fetch-depth: 0
          token: ${{{{ secrets.GH_TOKEN }}}}
      - name: Perform reset
        run: |
          git reset --hard ${{{{ github.ref }}}}
          git push --force origin release

  production-deploy:
    name: Deploy to production
    runs-on: ubuntu-latest
    needs: reset-release-branch
    steps:
{_BUILD_STEPS.format(ref=chr(10) + "          ref: release", app=app)}"""


RELEASE_YML = """\
name: Release
on:
  push:
    branches:
      - master

jobs:
  release:
    runs-on: ubuntu-latest
    if: "!contains(github.event.head_commit.message, 'ci skip') && !contains(github.event.head_commit.message, 'skip ci')"
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
          token: ${{ secrets.GH_TOKEN }}
      - name: Download latest auto
        run: |
          auto_download_url="$(curl -fsSL https://api.github.com/repos/intuit/auto/releases/latest | jq -r '.assets[] | select(.name == "auto-linux.gz") | .browser_download_url')"
          wget -O- "$auto_download_url" | gunzip > ~/auto
          chmod a+x ~/auto
      - name: Create release
        run: ~/auto shipit --message="auto shipit - CHANGELOG.md etc"
        env:
          GH_TOKEN: ${{ secrets.GH_TOKEN }}
"""

AUTORC = """\
{
  "plugins": ["git-tag", "conventional-commits", "first-time-contributor", "released"],
  "onlyPublishWithReleaseLabel": true,
  "name": "dandibot",
  "email": "dandibot@mit.edu"
}
"""

PROCFILE = """\
release: python ./manage.py migrate
web: gunicorn --config gunicorn.conf.py dandiapi.wsgi
# Celery Beat runs inside this worker: do not scale it above 1
worker: REMAP_SIGTERM=SIGQUIT celery --app dandiapi.celery worker --loglevel INFO --without-mingle --without-heartbeat --without-gossip --queues celery --beat
checksum-worker: REMAP_SIGTERM=SIGQUIT celery --app dandiapi.celery worker --loglevel INFO --without-mingle --without-heartbeat --without-gossip --queues calculate_sha256,ingest_zarr_archive
"""

LOGO = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 3341 1341">'
    b'<rect width="3341" height="1341" fill="#2f4f7f"/><text x="200" y="900" font-size="700" '
    b'fill="#fff">DANDI</text></svg>\n'
)

# the labels `auto` uses, by name: colour and description
LABELS = {
    "release": ("007f70", "Create a release when this pr is merged"),
    "major": ("c5000b", "Increment the major version when merged"),
    "minor": ("f1a60e", "Increment the minor version when merged"),
    "patch": ("870048", "Increment the patch version when merged"),
    "internal": ("696969", "Changes only affect the internal API"),
    "documentation": ("cfd3d7", "Changes only affect the documentation"),
}


def files(staging_app: str, production_app: str, *, staging_dispatch: bool = False) -> dict[str, bytes]:
    staging = staging_workflow(staging_app)
    if staging_dispatch:
        staging = add_dispatch_trigger(staging)
    return {
        STAGING_WORKFLOW: staging.encode(),
        PRODUCTION_WORKFLOW: production_workflow(production_app).encode(),
        RELEASE_WORKFLOW: RELEASE_YML.encode(),
        ".autorc": AUTORC.encode(),
        "Procfile": PROCFILE.encode(),
        "manage.py": b"#!/usr/bin/env python\nimport os\nimport sys\n\nif __name__ == '__main__':\n"
        b"    os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'dandiapi.settings.development')\n"
        b"    from django.core.management import execute_from_command_line\n\n"
        b"    execute_from_command_line(sys.argv)\n",
        "dandiapi/__init__.py": b"",
        "CHANGELOG.md": b"# v0.1.0\n\n- First release of the sandbox fork\n",
        "web/src/assets/logo.svg": LOGO,
        "README.md": b"# dandi-archive (sandbox fork)\n",
    }


def seed(
    state: GitHubState,
    *,
    staging_app: str,
    production_app: str,
    staging_dispatch: bool = False,
    secrets: dict[str, str] | None = None,
) -> Repo:
    """The fork with history: v0.1.0 released, one finished staging and production deploy each."""
    repo = state.add_repo(
        OWNER,
        NAME,
        files(staging_app, production_app, staging_dispatch=staging_dispatch),
        "Initial import of dandi-archive",
        description="DANDI Archive: sandbox fork",
    )
    with state.lock:
        for name, (color, description) in LABELS.items():
            state.ensure_label(repo, name, color, description)
        head = repo.branch_sha(repo.default_branch)
        assert head is not None
        state.set_branch(repo, "release", head)
        for name, value in (secrets or {}).items():
            state.put_secret(repo, name, state.seal(value), state.key_id)
        paused, state.pace = state.pace, RunPace(None, None)
        try:
            # History as a fork would have it: the tag released and deployed, master deployed.
            state.create_release(repo, "v0.1.0", target=head, name="v0.1.0", body="First release")
            for run in list(repo.runs.values()):
                state.finish(run)
            state.commit_files(
                repo,
                repo.default_branch,
                {"CHANGELOG.md": b"# v0.1.0\n\n- First release\n- Sandbox settings\n"},
                "Describe the sandbox fork",
                push_event=False,
            )
            state._create_run(
                repo,
                STAGING_WORKFLOW,
                _spec(repo, STAGING_WORKFLOW),
                event="push",
                head_branch=repo.default_branch,
                head_sha=repo.branch_sha(repo.default_branch) or head,
                title="Describe the sandbox fork",
            )
            for run in list(repo.runs.values()):
                state.finish(run)
        finally:
            state.pace = paused
    return repo


def _spec(repo: Repo, path: str):
    from dandiops.archive.workflows import parse

    sha = repo.branch_sha(repo.default_branch)
    assert sha is not None
    content = repo.file(sha, path)
    assert content is not None
    return parse(content.decode(), path=path)


def set_staging_dispatch(state: GitHubState, repo: Repo, enabled: bool = True) -> None:
    """Give the staging workflow a workflow_dispatch trigger (or remove it) on the default branch.

    The commit says [skip ci], so, as on GitHub, it starts no workflow run.
    """
    sha = repo.branch_sha(repo.default_branch)
    assert sha is not None
    current = (repo.file(sha, STAGING_WORKFLOW) or b"").decode()
    if enabled:
        updated = add_dispatch_trigger(current)
    else:
        updated = "".join(line for line in current.splitlines(keepends=True) if line.strip() != "workflow_dispatch:")
    if updated != current:
        state.commit_files(
            repo,
            repo.default_branch,
            {STAGING_WORKFLOW: updated.encode()},
            f"{'Allow' if enabled else 'Disallow'} manual staging deploys [skip ci]",
        )
