"""The unmodified fork's files (dandiops/sandbox/github/upstream) say what dandi-archive-facts says upstream's do.

§1: the Procfile; §5.1: the staging and production deploy workflows, release.yml and .autorc; §8:
web/netlify.toml and web/.env.production. The facts give no Sentry DSN value, only that every
context sets one: the files hold a DSN of the same shape, which a clone's fork must not keep.
"""

from __future__ import annotations

import io
import json
import re
import tomllib

import yaml
from dotenv import dotenv_values

from dandiops.archive.auth import DEFAULT_OAUTH_CLIENT_ID
from dandiops.archive.workflows import heroku_deploy_targets, is_auto_shipit, parse
from dandiops.sandbox.github import upstream

FILES = {path: content.decode() for path, content in upstream.files().items()}
SENTRY_DSN = re.compile(r"https://[0-9a-f]{32}@o\d+\.ingest\.sentry\.io/\d+")
BUILD_COMMANDS = [
    "curl https://cli-assets.heroku.com/install.sh | sh",
    "heroku plugins:install @heroku-cli/heroku-builds",
    "uv build --sdist",
]


def load(path: str) -> dict:
    return yaml.safe_load(FILES[path])


def steps(job: dict) -> list[dict]:
    return job["steps"]


def test_the_staging_workflow_deploys_dandi_api_staging_on_push_to_master():
    spec = parse(FILES[upstream.STAGING_WORKFLOW])
    assert spec.name == "Deploy backend to staging"
    assert spec.triggers == {"push": {"branches": ["master"], "paths-ignore": ["web/**", "CHANGELOG.md"]}}
    assert not spec.has_trigger("workflow_dispatch")  # added and reverted upstream in April 2024
    assert (spec.concurrency_group, spec.cancel_in_progress) == ("${{ github.workflow }}", True)
    [job] = load(upstream.STAGING_WORKFLOW)["jobs"].values()
    checkout, setup_uv, *rest = steps(job)
    assert checkout["uses"].startswith("actions/checkout@") and checkout["with"] == {"fetch-depth": 0}
    assert setup_uv["uses"].startswith("astral-sh/setup-uv@")
    assert [step["run"] for step in rest] == [
        *BUILD_COMMANDS,
        "heroku builds:create -a dandi-api-staging --source-tar dist/*.tar.gz",
    ]
    assert rest[-1]["env"] == {
        "HEROKU_API_KEY": "${{ secrets.HEROKU_API_KEY }}",
        "HEROKU_EMAIL": "${{ secrets.HEROKU_EMAIL }}",
    }
    assert heroku_deploy_targets(spec) == [upstream.STAGING_APP]


def test_the_production_workflow_resets_release_with_gh_token_then_deploys_dandi_api_when_released():
    spec = parse(FILES[upstream.PRODUCTION_WORKFLOW])
    assert spec.name == "Deploy backend to production"
    assert spec.triggers == {"release": {"types": ["released"]}}
    jobs = load(upstream.PRODUCTION_WORKFLOW)["jobs"]
    assert list(jobs) == ["reset-release-branch", "production-deploy"]
    checkout, reset = steps(jobs["reset-release-branch"])
    assert checkout["with"]["ref"] == "release" and checkout["with"]["token"] == "${{ secrets.GH_TOKEN }}"
    assert reset["run"].splitlines() == ["git reset --hard ${{ github.ref }}", "git push --force origin release"]
    deploy = jobs["production-deploy"]
    assert deploy["needs"] == "reset-release-branch"
    assert steps(deploy)[0]["with"] == {"fetch-depth": 0, "ref": "release"}
    assert [step.get("run") for step in steps(deploy)[2:]] == [
        *BUILD_COMMANDS,
        "heroku builds:create -a dandi-api --source-tar dist/*.tar.gz",
    ]
    assert set(steps(deploy)[-1]["env"]) == {"HEROKU_API_KEY", "HEROKU_EMAIL"}
    assert heroku_deploy_targets(spec) == [upstream.PRODUCTION_APP]


def test_release_yml_runs_auto_shipit_on_master_unless_the_commit_skips_ci():
    spec = parse(FILES[upstream.RELEASE_WORKFLOW])
    assert spec.triggers == {"push": {"branches": ["master"]}}
    assert is_auto_shipit(spec)
    [job] = load(upstream.RELEASE_WORKFLOW)["jobs"].values()
    assert "ci skip" in job["if"] and "skip ci" in job["if"]
    commands = "\n".join(step.get("run", "") for step in steps(job))
    assert "auto-linux.gz" in commands
    assert '~/auto shipit --message="auto shipit - CHANGELOG.md etc"' in commands
    assert steps(job)[-1]["env"] == {"GH_TOKEN": "${{ secrets.GH_TOKEN }}"}


def test_autorc_releases_dandi_dandi_archive_only_with_the_release_label():
    autorc = json.loads(FILES[upstream.AUTORC])
    assert (autorc["owner"], autorc["repo"]) == ("dandi", "dandi-archive")
    assert f"{autorc['owner']}/{autorc['repo']}" == upstream.REPOSITORY
    assert autorc["plugins"] == ["git-tag", "conventional-commits", "first-time-contributor", "released"]
    assert autorc["onlyPublishWithReleaseLabel"] is True
    assert (autorc["name"], autorc["email"]) == ("dandibot", "dandibot@mit.edu")


def test_netlify_toml_builds_every_context_against_dandis_own_services():
    netlify = tomllib.loads(FILES[upstream.NETLIFY_TOML])
    assert netlify["build"] == {"publish": "dist", "command": "git fetch --tags && npm run build", "ignore": "false"}
    contexts = netlify["context"]
    assert list(contexts) == ["master", "deploy-preview", "branch-deploy", "release"]
    for name, context in contexts.items():
        environment = context["environment"]
        production = name == "release"
        api = "https://api.dandiarchive.org" if production else "https://api.sandbox.dandiarchive.org"
        assert environment["NODE_VERSION"] == "20"
        assert environment["VITE_APP_DANDI_API_ROOT"] == f"{api}/api/"
        assert environment["VITE_APP_OAUTH_API_ROOT"] == f"{api}/oauth/"
        assert environment["VITE_APP_OAUTH_CLIENT_ID"] == DEFAULT_OAUTH_CLIENT_ID
        assert environment["VITE_APP_DOI_SERVER"] == (
            "https://doi.org/" if production else "https://api.test.datacite.org/"
        )
        assert SENTRY_DSN.fullmatch(environment["VITE_APP_SENTRY_DSN"])
        assert environment["VITE_APP_SENTRY_ENVIRONMENT"] == ("production" if production else "staging")
    assert netlify["redirects"] == [
        {"from": "/handbook", "to": "https://docs.dandiarchive.org"},
        {"from": "/*", "to": "/index.html", "status": 200},
    ]
    assert netlify["plugins"] == [{"package": "/netlify/plugins/server-info-build"}]


def test_env_production_holds_the_production_values_and_the_unused_analytics_tag():
    values = dotenv_values(stream=io.StringIO(FILES[upstream.ENV_PRODUCTION]))
    release = tomllib.loads(FILES[upstream.NETLIFY_TOML])["context"]["release"]["environment"]
    assert {key: value for key, value in values.items() if key != "VITE_APP_GOOGLE_ANALYTICS_TAG"} == {
        key: value for key, value in release.items() if key != "NODE_VERSION"
    }
    assert values["VITE_APP_GOOGLE_ANALYTICS_TAG"]


def test_procfile_declares_the_four_process_types():
    lines = [line for line in FILES[upstream.PROCFILE].splitlines() if line and not line.startswith("#")]
    processes = dict(line.split(": ", 1) for line in lines)
    assert processes["release"] == "python ./manage.py migrate"
    assert processes["web"] == "gunicorn --config gunicorn.conf.py dandiapi.wsgi"
    celery = "REMAP_SIGTERM=SIGQUIT celery --app dandiapi.celery worker --loglevel INFO --without-mingle "
    celery += "--without-heartbeat --without-gossip --queues "
    assert processes["worker"] == celery + "celery --beat"
    assert processes["checksum-worker"] == celery + "calculate_sha256,ingest_zarr_archive"
    assert "above 1" in FILES[upstream.PROCFILE]  # the comment warning that beat runs in `worker`
