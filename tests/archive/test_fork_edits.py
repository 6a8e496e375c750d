"""The edits that make an unmodified dandi-archive fork deploy and build this clone instead of DANDI's."""

from __future__ import annotations

import dataclasses
import io
import json
import string
import tomllib

import pytest
import yaml
from dotenv import dotenv_values
from hypothesis import given, settings
from hypothesis import strategies as st

from dandiops.archive.fork import (
    AUTORC,
    ENV_PRODUCTION,
    NETLIFY_TOML,
    ForkFileError,
    ForkTarget,
    edit_autorc,
    edit_dotenv,
    edit_fork,
    edit_netlify_toml,
    target_for,
)
from dandiops.archive.workflows import heroku_deploy_targets, parse
from dandiops.core.errors import ExitCode
from dandiops.core.settings import Environment
from dandiops.sandbox.github import upstream

UPSTREAM = {path: content.decode() for path, content in upstream.files().items()}
STAGING = ForkTarget(
    env_name="staging",
    production=False,
    heroku_app="my-dandi-api-staging",
    github_repo="my-org/dandi-archive",
    workflow="backend-staging-deploy.yml",
    api_url="https://api.staging.example.org",
    oauth_client_id="my-web-client",
    doi_server="https://api.test.datacite.org/",
)
PRODUCTION = ForkTarget(
    env_name="production",
    production=True,
    heroku_app="my-dandi-api",
    github_repo="my-org/dandi-archive",
    workflow="backend-production-deploy.yml",
    api_url="https://api.example.org",
    oauth_client_id="my-web-client",
    doi_server="https://doi.org/",
    sentry_dsn="https://0123abcd@o42.ingest.sentry.io/77",
)
ENVIRONMENT_KEYS = {
    "VITE_APP_OAUTH_API_ROOT",
    "VITE_APP_OAUTH_CLIENT_ID",
    "VITE_APP_DANDI_API_ROOT",
    "VITE_APP_DOI_SERVER",
}


def contexts(text: str) -> dict:
    return {name: table["environment"] for name, table in tomllib.loads(text)["context"].items()}


def test_staging_edits_its_workflow_the_autorc_and_the_contexts_its_site_builds():
    edited = edit_fork(UPSTREAM, STAGING)
    assert set(edited) == {upstream.STAGING_WORKFLOW, AUTORC, NETLIFY_TOML}  # not the production files
    assert heroku_deploy_targets(parse(edited[upstream.STAGING_WORKFLOW])) == ["my-dandi-api-staging"]
    assert not parse(edited[upstream.STAGING_WORKFLOW]).has_trigger("workflow_dispatch")
    autorc = json.loads(edited[AUTORC])
    assert (autorc["owner"], autorc["repo"]) == ("my-org", "dandi-archive")
    assert autorc["onlyPublishWithReleaseLabel"] is True
    built = contexts(edited[NETLIFY_TOML])
    for name in ("master", "deploy-preview", "branch-deploy"):
        assert built[name] == {
            "NODE_VERSION": "20",
            "VITE_APP_OAUTH_API_ROOT": "https://api.staging.example.org/oauth/",
            "VITE_APP_OAUTH_CLIENT_ID": "my-web-client",
            "VITE_APP_DANDI_API_ROOT": "https://api.staging.example.org/api/",
            "VITE_APP_DOI_SERVER": "https://api.test.datacite.org/",
        }  # no Sentry configured: DANDI's DSN is gone, not kept
    assert built["release"] == contexts(UPSTREAM[NETLIFY_TOML])["release"]  # production's site is not staging's


def test_production_edits_the_release_context_and_the_production_build_defaults():
    edited = edit_fork(UPSTREAM, PRODUCTION)
    assert set(edited) == {upstream.PRODUCTION_WORKFLOW, AUTORC, NETLIFY_TOML, ENV_PRODUCTION}
    assert heroku_deploy_targets(parse(edited[upstream.PRODUCTION_WORKFLOW])) == ["my-dandi-api"]
    built = contexts(edited[NETLIFY_TOML])
    wanted = {
        "VITE_APP_OAUTH_API_ROOT": "https://api.example.org/oauth/",
        "VITE_APP_OAUTH_CLIENT_ID": "my-web-client",
        "VITE_APP_DANDI_API_ROOT": "https://api.example.org/api/",
        "VITE_APP_DOI_SERVER": "https://doi.org/",
        "VITE_APP_SENTRY_DSN": "https://0123abcd@o42.ingest.sentry.io/77",
        "VITE_APP_SENTRY_ENVIRONMENT": "production",
    }
    assert built["release"] == {"NODE_VERSION": "20", **wanted}
    for name in ("master", "deploy-preview", "branch-deploy"):
        assert built[name] == contexts(UPSTREAM[NETLIFY_TOML])[name]
    defaults = dotenv_values(stream=io.StringIO(edited[ENV_PRODUCTION]))
    assert defaults == {**wanted, "VITE_APP_GOOGLE_ANALYTICS_TAG": "G-0000000000"}


def test_only_changed_lines_differ_and_comments_stay():
    edited = edit_fork(UPSTREAM, STAGING)[NETLIFY_TOML]
    assert [line for line in UPSTREAM[NETLIFY_TOML].splitlines() if line.startswith("#")] == [
        line for line in edited.splitlines() if line.startswith("#")
    ]
    new_lines = [line for line in edited.splitlines() if line not in UPSTREAM[NETLIFY_TOML].splitlines()]
    assert len(new_lines) == 3 * 3  # API root, OAuth root and client id in three contexts
    workflow = edit_fork(UPSTREAM, STAGING)[upstream.STAGING_WORKFLOW]
    assert len(set(workflow.splitlines()) ^ set(UPSTREAM[upstream.STAGING_WORKFLOW].splitlines())) == 2


def test_the_staging_workflow_gains_workflow_dispatch_when_the_environment_asks():
    target = dataclasses.replace(STAGING, workflow_dispatch=True)
    workflow = edit_fork(UPSTREAM, target)[upstream.STAGING_WORKFLOW]
    assert parse(workflow).has_trigger("workflow_dispatch") and parse(workflow).runs_on_push("master", None)


def test_editing_the_edited_fork_changes_nothing():
    once = {**UPSTREAM, **edit_fork(UPSTREAM, STAGING)}
    assert edit_fork(once, STAGING) == {}
    twice = {**once, **edit_fork(once, PRODUCTION)}
    assert set(edit_fork(once, PRODUCTION)) == {upstream.PRODUCTION_WORKFLOW, NETLIFY_TOML, ENV_PRODUCTION}
    assert edit_fork(twice, PRODUCTION) == {} and edit_fork(twice, STAGING) == {}


def test_a_missing_or_unreadable_file_is_a_configuration_error_naming_it():
    with pytest.raises(ForkFileError, match=r"the fork has no web/netlify.toml") as missing:
        edit_fork({**UPSTREAM, NETLIFY_TOML: None}, STAGING)
    assert missing.value.exit_code == ExitCode.CONFIG and "restore web/netlify.toml" in missing.value.hint
    with pytest.raises(ForkFileError, match="has no .github/workflows/backend-staging-deploy.yml") as workflow:
        edit_fork({**UPSTREAM, upstream.STAGING_WORKFLOW: None}, STAGING)
    assert "`workflow` of environment staging" in workflow.value.hint
    with pytest.raises(ForkFileError, match="web/netlify.toml is not valid TOML"):
        edit_fork({**UPSTREAM, NETLIFY_TOML: "[context.master\n"}, STAGING)
    with pytest.raises(ForkFileError, match=r"\.autorc is not JSON"):
        edit_fork({**UPSTREAM, AUTORC: "owner: dandi\n"}, STAGING)
    with pytest.raises(ForkFileError, match="builds:create"):
        edit_fork({**UPSTREAM, upstream.STAGING_WORKFLOW: "on: push\njobs: {}\n"}, STAGING)


def test_autorc_without_owner_and_repo_gets_them_first_in_its_own_layout():
    assert edit_autorc('{\n    "plugins": ["released"]\n}\n', owner="o", repo="r") == (
        '{\n    "owner": "o",\n    "repo": "r",\n    "plugins": ["released"]\n}\n'
    )
    assert edit_autorc('{"plugins": [{"owner": "x"}]}', owner="o", repo="r") == (
        '{"owner": "o", "repo": "r", "plugins": [{"owner": "x"}]}'
    )  # only the top-level keys name the repository
    assert edit_autorc("{}", owner="o", repo="r") == '{\n  "owner": "o",\n  "repo": "r"\n}\n'


def test_dotenv_lines_change_in_place_and_new_ones_are_appended():
    text = "# production defaults\nVITE_APP_DOI_SERVER=https://old/\nOTHER=1\nVITE_APP_SENTRY_DSN=x"
    edited = edit_dotenv(text, {"VITE_APP_DOI_SERVER": "https://doi.org/", "VITE_APP_SENTRY_DSN": None, "A": "b c"})
    assert edited == '# production defaults\nVITE_APP_DOI_SERVER=https://doi.org/\nOTHER=1\nA="b c"\n'


def test_a_context_the_file_lacks_is_added():
    edited = edit_netlify_toml(
        '[build]\npublish = "dist"\n', ("release",), {"VITE_APP_DANDI_API_ROOT": "https://a/api/"}
    )
    assert tomllib.loads(edited)["context"]["release"]["environment"] == {"VITE_APP_DANDI_API_ROOT": "https://a/api/"}


def test_the_target_comes_from_the_environment_with_upstreams_doi_servers():
    env = Environment(
        name="production",
        heroku_app="my-dandi-api",
        github_repo="my-org/dandi-archive",
        api_url="https://api.example.org",
        production=True,
    )
    target = target_for(env, oauth_client_id="id")
    assert (target.workflow, target.doi_server, target.sentry_dsn) == (
        "backend-production-deploy.yml",
        "https://doi.org/",
        None,
    )
    staging = Environment(
        name="staging", heroku_app="s", github_repo="o/r", api_url="https://a", workflow_dispatch=True
    )
    assert target_for(staging, oauth_client_id="id").doi_server == "https://api.test.datacite.org/"
    assert target_for(staging, oauth_client_id="id").workflow_dispatch


# --- property: any clone's values ------------------------------------------------------------------
NAME = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=12)
TARGETS = st.builds(
    ForkTarget,
    env_name=st.sampled_from(["staging", "production", "demo"]),
    production=st.booleans(),
    heroku_app=NAME.map(lambda name: f"a{name}-api"),
    github_repo=st.tuples(NAME, NAME).map(lambda parts: f"{parts[0]}/{parts[1]}.archive"),
    workflow=st.just("unused.yml"),
    api_url=st.tuples(NAME, st.sampled_from(["", "/", ":8443", "/dandi"])).map(
        lambda parts: f"https://api.{parts[0]}.org{parts[1]}"
    ),
    oauth_client_id=st.text(string.ascii_letters + string.digits + "._~-", min_size=1, max_size=40),
    doi_server=st.sampled_from(["https://doi.org/", "https://api.test.datacite.org/"]),
    sentry_dsn=st.one_of(st.none(), NAME.map(lambda key: f"https://{key}@o1.ingest.sentry.io/9")),
    sentry_environment=st.one_of(st.none(), NAME),
    workflow_dispatch=st.booleans(),
)


@settings(max_examples=12)  # each example edits a fork twice: ruamel.yaml round trips are slow
@given(TARGETS, TARGETS)
def test_any_clones_edits_parse_carry_its_values_and_are_idempotent(first, second):
    fork = dict(UPSTREAM)
    for target in (first, second):
        workflow = upstream.PRODUCTION_WORKFLOW if target.production else upstream.STAGING_WORKFLOW
        target = dataclasses.replace(target, workflow=workflow.rsplit("/", 1)[-1])
        edited = edit_fork(fork, target)
        fork.update(edited)
        assert edit_fork(fork, target) == {}
        assert heroku_deploy_targets(parse(fork[target.workflow_path])) == [target.heroku_app]
        assert parse(fork[target.workflow_path]).has_trigger("workflow_dispatch") >= target.workflow_dispatch
        autorc = json.loads(fork[AUTORC])
        assert f"{autorc['owner']}/{autorc['repo']}" == target.github_repo
        wanted = {key: value for key, value in target.web_variables().items() if value is not None}
        for name in target.contexts:
            environment = contexts(fork[NETLIFY_TOML])[name]
            assert {key: value for key, value in environment.items() if key.startswith("VITE_")} == wanted
        if target.production:
            defaults = dotenv_values(stream=io.StringIO(fork[ENV_PRODUCTION]), interpolate=False)
            assert {key: value for key, value in defaults.items() if key != "VITE_APP_GOOGLE_ANALYTICS_TAG"} == wanted
        yaml.safe_load(fork[target.workflow_path])
