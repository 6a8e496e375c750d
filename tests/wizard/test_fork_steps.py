"""init's `release-chain` and `fork` steps against the GitHub stand-in, through PyGithub.

The fork starts as an unmodified fork of dandi-archive (upstream's deployment files on master):
the tests put those files back on the sandbox's fork, which is seeded already prepared.
"""

from __future__ import annotations

import json
import tomllib

import pytest

from dandiops.app.questions import Answers
from dandiops.archive.workflows import heroku_deploy_targets, parse
from dandiops.sandbox.github import upstream
from dandiops.sandbox.github.state import RunPace
from dandiops.steps.base import Status
from dandiops.steps.release_chain import GH_TOKEN, ReleaseChainStep

SECRETS = ("HEROKU_API_KEY", "HEROKU_EMAIL", "GH_TOKEN")


@pytest.fixture
def held_runs(github):
    """Workflow runs wait until a test moves them (no deploy starts behind the test's back)."""
    github.state.set_pace(RunPace(None, None))
    return github.state


@pytest.fixture
def unmodified_fork(held_runs, repo):
    """The sandbox's fork with upstream's deployment files back on master, as a new clone's fork starts."""
    held_runs.commit_files(repo, "master", dict(upstream.files()), "Upstream's deployment files", push_event=False)
    return repo


@pytest.fixture
def answers(tmp_path):
    def write(**sections) -> str:
        path = tmp_path / "answers.yaml"  # JSON is YAML
        path.write_text(json.dumps({"auth": {"oauth_client_id": "clone-web-app"}, **sections}))
        return str(path)

    return write


def on_master(gh_state, repo, path: str) -> str:
    return repo.file(repo.branch_sha("master"), path).decode()


def environment(sandbox, name: str) -> dict:
    return tomllib.loads(sandbox.config_path.read_text())["environments"][name]


def open_pulls(repo) -> list:
    return [pull for pull in repo.pulls.values() if pull.state == "open"]


# --- release-chain -------------------------------------------------------------------------------
def test_release_chain_notices_a_deleted_gh_token_and_sets_it_only_from_a_token_that_can_push(
    cli, scripted, sandbox, github, repo, writes, audit_lines
):
    for name in SECRETS:
        repo.secrets.pop(name)
    github.state.delete_ref(repo, "refs/heads/release")
    del repo.labels["release"]
    ctx = scripted().ctx
    step = ReleaseChainStep(Answers(ctx))
    check = step.check(ctx)
    assert check.status == Status.PENDING
    assert check.details == [
        "branch release",
        "label release",
        "Actions secret HEROKU_API_KEY",
        "Actions secret HEROKU_EMAIL",
        "Actions secret GH_TOKEN",
    ]
    assert step.questions(ctx) == [GH_TOKEN]

    before = writes()
    missing = cli("-e", "staging", "init", "--non-interactive", "--only", "release-chain")
    assert missing.exit_code == 2, missing
    assert "release-chain.gh_token" in missing.stderr and "DANDIOPS_FORK_GH_TOKEN" in missing.stderr
    refused = cli(
        "-e", "staging", "init", "--non-interactive", "--only", "release-chain",
        env={"DANDIOPS_FORK_GH_TOKEN": "ghp_not-a-token-of-this-fork"},
    )  # fmt: skip
    assert refused.exit_code == 4, refused
    assert "GitHub refused the GH_TOKEN answer (DANDIOPS_FORK_GH_TOKEN)" in refused.stderr
    assert "ghp_not-a-token-of-this-fork" not in refused.stdout + refused.stderr
    assert writes() == before  # a token the workflows could not push with sets nothing at all

    done = cli(
        "-e", "staging", "init", "--non-interactive", "--only", "release-chain", "--json",
        env={"DANDIOPS_FORK_GH_TOKEN": github.token},
    )  # fmt: skip
    assert done.exit_code == 0, done
    [outcome] = done.json()["steps"]
    assert outcome["status"] == "applied"
    assert "set Actions secret GH_TOKEN (secret value hidden)" in outcome["details"]
    assert repo.refs["refs/heads/release"] == repo.branch_sha("master")
    label = repo.find_label("release")
    assert (label.color, label.description) == ("007f70", "Create a release when this pr is merged")
    assert github.state.open_secret(repo, "GH_TOKEN") == github.token
    assert github.state.open_secret(repo, "HEROKU_API_KEY") == sandbox.heroku.api_key
    assert github.token not in done.stdout + done.stderr + json.dumps(audit_lines())
    actions = [line["action"] for line in audit_lines()]
    assert actions.count("github.secret.set") == 3
    assert {"github.branch.create", "github.label.create"} <= set(actions)

    before = writes()
    again = cli("-e", "staging", "init", "--non-interactive", "--only", "release-chain", "--json")
    assert again.exit_code == 0 and again.json()["steps"][0]["status"] == "ok", again
    assert writes() == before


def test_release_chain_plans_from_what_github_holds_after_the_runs_last_write(scripted, github, repo):
    """init checks every step before the steps ahead of it apply: a write in between (here the release branch
    made by another step of the run) is seen by the plan, which would otherwise create the branch again."""
    github.state.delete_ref(repo, "refs/heads/release")
    ctx = scripted().ctx
    step = ReleaseChainStep(Answers(ctx))
    assert step.check(ctx).details == ["branch release"]
    ctx.github().create_branch(repo.full_name, "release", repo.branch_sha("master"))  # a write of this run
    assert step.plan(ctx) == []
    assert step.check(ctx).status == Status.OK


# --- fork ----------------------------------------------------------------------------------------
def test_staging_fork_pull_request_waits_for_a_merge_is_updated_in_place_then_merged(
    cli, sandbox, github, unmodified_fork, answers, writes, audit_lines
):
    repo = unmodified_fork
    staging = environment(sandbox, "staging")
    first = cli("-e", "staging", "init", "--non-interactive", "--only", "fork", "--answers", answers(), "--json")
    assert first.exit_code == 6, first  # pending: the pull request is open, nobody confirmed the merge
    [pull] = open_pulls(repo)
    assert (pull.head_ref, pull.base_ref) == ("dandiops/staging", "master")
    [outcome] = first.json()["steps"]
    assert outcome["status"] == "pending" and outcome["detail"].endswith(f"/pull/{pull.number}")
    assert f"/pull/{pull.number}" in first.stderr  # the URL to merge it at
    assert (
        on_master(github.state, repo, upstream.STAGING_WORKFLOW) == upstream.files()[upstream.STAGING_WORKFLOW].decode()
    )  # nothing merged yet
    branch = repo.branch_sha("dandiops/staging")
    edits = repo.commits[branch]  # every edit in one commit on master's head: three writes for any number of files
    assert edits.parents == [repo.branch_sha("master")]
    assert upstream.STAGING_WORKFLOW in repo.git.changed_paths(repo.branch_sha("master"), branch)
    workflow = repo.file(branch, upstream.STAGING_WORKFLOW).decode()
    assert heroku_deploy_targets(parse(workflow)) == [staging["heroku_app"]]
    assert json.loads(repo.file(branch, ".autorc"))["owner"] == "dandi-sandbox"
    assert {"github.pull.open", "github.file.commit"} <= {line["action"] for line in audit_lines()}

    before = writes()
    waiting = cli("-e", "staging", "init", "--non-interactive", "--only", "fork", "--answers", answers())
    assert waiting.exit_code == 6 and f"pull request #{pull.number} waits for a merge" in waiting.stdout, waiting
    assert writes() == before  # an open, current pull request: nothing to write

    api_url = "https://api.moved.dandi.test"  # the clone's API moved while the pull request was open
    sandbox.config_path.write_text(sandbox.config_path.read_text().replace(staging["api_url"], api_url))
    changed = cli(
        "-e", "staging", "init", "--non-interactive", "--only", "fork",
        "--answers", answers(auth={"oauth_client_id": "another-web-app"}),
    )  # fmt: skip
    assert changed.exit_code == 6, changed
    assert open_pulls(repo) == [pull]  # the same pull request, its branch and title updated
    assert api_url in pull.title and api_url in (pull.body or "")
    netlify = tomllib.loads(repo.file(repo.branch_sha("dandiops/staging"), "web/netlify.toml").decode())
    assert netlify["context"]["master"]["environment"]["VITE_APP_OAUTH_CLIENT_ID"] == "another-web-app"
    assert {"github.pull.edit", "github.branch.reset"} <= {line["action"] for line in audit_lines()}

    merged = cli(
        "-e", "staging", "init", "--non-interactive", "--only", "fork",
        "--answers", answers(auth={"oauth_client_id": "another-web-app"}, fork={"merge": True}),
    )  # fmt: skip
    assert merged.exit_code == 0, merged
    assert pull.merged and not open_pulls(repo)
    netlify = tomllib.loads(on_master(github.state, repo, "web/netlify.toml"))["context"]
    for context in ("master", "deploy-preview", "branch-deploy"):
        assert netlify[context]["environment"]["VITE_APP_DANDI_API_ROOT"] == api_url + "/api/"
        assert "VITE_APP_SENTRY_DSN" not in netlify[context]["environment"]
    assert netlify["release"]["environment"]["VITE_APP_DANDI_API_ROOT"] == "https://api.dandiarchive.org/api/"
    pushes = [run for run in repo.runs.values() if run.head_sha == repo.branch_sha("master")]
    assert {run.workflow.path for run in pushes} == {upstream.STAGING_WORKFLOW, upstream.RELEASE_WORKFLOW}  # the deploy

    before = writes()
    done = cli(
        "-e", "staging", "init", "--non-interactive", "--only", "fork", "--json",
        "--answers", answers(auth={"oauth_client_id": "another-web-app"}),
    )  # fmt: skip
    assert done.exit_code == 0, done
    assert done.json()["steps"][0]["status"] == "ok"
    assert writes() == before


def test_production_fork_pull_request_is_labelled_release_so_merging_it_publishes_a_release(
    cli, sandbox, github, unmodified_fork, answers
):
    repo = unmodified_fork
    production = environment(sandbox, "production")
    result = cli("-e", "production", "init", "--non-interactive", "--yes", "--only", "fork", "--answers", answers())
    assert result.exit_code == 0, result
    [pull] = [p for p in repo.pulls.values() if p.head_ref == "dandiops/production"]
    assert pull.merged and pull.labels == ["release"]
    master = repo.branch_sha("master")
    assert heroku_deploy_targets(parse(on_master(github.state, repo, upstream.PRODUCTION_WORKFLOW))) == [
        production["heroku_app"]
    ]
    defaults = on_master(github.state, repo, "web/.env.production")
    assert f"VITE_APP_DANDI_API_ROOT={production['api_url']}/api/" in defaults and "SENTRY" not in defaults
    [shipit] = [
        run for run in repo.runs.values() if run.head_sha == master and run.workflow.path == upstream.RELEASE_WORKFLOW
    ]
    releases = len(repo.releases)
    github.state.finish(shipit)  # `auto shipit` on the merge commit
    assert len(repo.releases) == releases + 1  # the first production release, which deploys production
    deploys = [
        run
        for run in repo.runs.values()
        if run.workflow.path == upstream.PRODUCTION_WORKFLOW and run.event == "release"
    ]
    assert deploys[-1].head_branch == repo.releases[-1].tag_name


def test_dry_run_shows_both_steps_plans_and_writes_nothing(cli, repo, unmodified_fork, answers, writes):
    repo.secrets.pop("GH_TOKEN")
    before = writes()
    result = cli("-e", "staging", "init", "--dry-run", "--non-interactive", "--answers", answers(), "--json")
    assert result.exit_code == 0, result
    plans = {s["step"]: [f"{c['action']} {c['target']}" for c in s["changes"]] for s in result.json()["steps"]}
    assert plans["release-chain"] == ["set Actions secret GH_TOKEN"]
    assert plans["fork"] == [
        "edit .autorc on branch dandiops/staging",
        "edit .github/workflows/backend-staging-deploy.yml on branch dandiops/staging",
        "edit web/netlify.toml on branch dandiops/staging",
        "open pull request dandiops/staging -> master",
        "merge pull request dandiops/staging -> master",
    ]
    assert writes() == before
    text = cli("-e", "staging", "init", "--dry-run", "--non-interactive", "--answers", answers())
    assert "release-chain" in text.stdout and "fork" in text.stdout
