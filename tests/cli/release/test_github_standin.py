"""The GitHub stand-in driven by the real PyGithub client: every endpoint it serves, checked against
GitHub's OpenAPI description, every URL built from its own base URL, and its run behaviour."""

from __future__ import annotations

import base64
import json
import os

import pytest

from dandiops.sandbox.github.seed import FULL_NAME, PRODUCTION_WORKFLOW, STAGING_WORKFLOW

from github_openapi import MISSING_REASON, check_records, load_checker


@pytest.fixture
def client(github):
    import github as pygithub

    gh = pygithub.Github(
        base_url=github.url,
        auth=pygithub.Auth.Token(github.token),
        retry=None,
        seconds_between_requests=None,
        seconds_between_writes=None,
    )
    yield gh
    gh.close()


def without_deploys(github) -> None:
    """The runs these tests start fail at their deploy step, as without the Heroku key they do, so
    that none releases to Heroku (a release phase is a Django process of its own): what the tests
    look at is GitHub's side."""
    github.repo.secrets.pop("HEROKU_API_KEY")


def _exercise_every_endpoint(github, client):
    """One call of each kind the stand-in serves, the way dandiops and its peers make them."""
    from github import GithubException

    state, repo_state = github.state, github.repo
    without_deploys(github)
    client.get_rate_limit()
    _ = client.get_user().login  # the user is lazy: reading a field sends GET /user
    repo = client.get_repo(FULL_NAME)
    assert repo.default_branch == "master"
    workflows = list(repo.get_workflows())
    assert {w.path for w in workflows} >= {STAGING_WORKFLOW, PRODUCTION_WORKFLOW}
    staging = repo.get_workflow("backend-staging-deploy.yml")
    run = list(staging.get_runs(branch="master", event="push", created=">=2000-01-01"))[0]
    list(repo.get_workflow_runs(status="success"))
    job = list(run.jobs())[0]
    repo.get_workflow_job(job.id)
    directory = repo.get_contents(".github/workflows")
    assert any(entry.path == STAGING_WORKFLOW for entry in directory)
    workflow_file = repo.get_contents(STAGING_WORKFLOW, ref="master")
    assert b"heroku builds:create -a dandi-sandbox-api-staging" in workflow_file.decoded_content
    master = repo.get_git_ref("heads/master").object.sha
    list(repo.get_git_matching_refs("tags/"))
    repo.create_git_ref("refs/heads/logo", master)
    logo = repo.get_contents("web/src/assets/logo.svg", ref="logo")
    repo.update_file(logo.path, "Our logo", b"<svg xmlns='http://www.w3.org/2000/svg'/>", logo.sha, branch="logo")
    repo.create_file("docs/clone.md", "Describe the clone", "# clone\n", branch="logo")
    with pytest.raises(GithubException) as stale:
        repo.update_file(logo.path, "Stale", b"<svg/>", logo.sha, branch="logo")
    assert stale.value.status == 409
    pull = repo.create_pull(base="master", head="logo", title="Replace the logo", body="For the clone")
    pull.add_to_labels("release")
    list(pull.get_labels())
    list(repo.get_labels())
    list(repo.get_pulls(state="all"))
    repo.get_pull(pull.number).merge(merge_method="squash", sha=pull.head.sha)
    assert repo.get_branch("master").commit.sha == repo.get_commit("master").sha
    assert "logo" in [branch.name for branch in repo.get_branches()]
    head = repo.get_git_commit(repo.get_commit("master").sha)
    tree = repo.get_git_tree(head.tree.sha, recursive=True)
    repo.get_git_blob(next(entry.sha for entry in tree.tree if entry.type == "blob"))
    repo.create_label("needs-review", "fbca04", "Look at it")
    repo.get_label("needs-review")
    repo.create_git_ref("refs/heads/docs", head.sha)
    repo.create_file("docs/more.md", "More docs", "# more\n", branch="docs")
    second = repo.create_pull(base="master", head="docs", title="More docs", body="Later")
    second.add_to_labels("needs-review")
    second.remove_from_labels("needs-review")
    second.edit(title="More docs, later", state="closed")
    draft = repo.create_git_release("v0.2.9", "v0.2.9", "draft notes", draft=True)
    draft.update_release("v0.2.9", "notes", draft=False)
    release = repo.create_git_release("v0.3.0", "v0.3.0", "notes", target_commitish="master")
    repo.get_release("v0.3.0")
    repo.get_release(release.id)
    repo.get_latest_release()
    list(repo.get_releases())
    list(repo.get_tags())
    repo.create_secret("DJANGO_SECRET", "s3cret-value")
    repo.create_secret("DJANGO_SECRET", "new-s3cret-value")
    repo.get_secret("DJANGO_SECRET")
    list(repo.get_secrets())
    repo.delete_secret("DJANGO_SECRET")
    staging_runs = state.runs_of(repo_state, "backend-staging-deploy.yml")
    live = [r for r in staging_runs if r.status != "completed"]
    if live:
        client.get_repo(FULL_NAME).get_workflow_run(live[-1].id).cancel()
    finished = client.get_repo(FULL_NAME).get_workflow_run(staging_runs[0].id)
    finished.rerun()
    repo.get_git_ref("heads/logo").delete()
    return repo


def test_every_served_endpoint_matches_githubs_description(github, client):
    if load_checker() is None:
        if os.environ.get("DANDIOPS_REQUIRE_GITHUB_OPENAPI"):
            pytest.fail(MISSING_REASON)
        pytest.skip(MISSING_REASON)
    _exercise_every_endpoint(github, client)
    records = github.state.requests
    served = {(r.method, r.path) for r in records}
    assert len(served) > 30
    assert check_records(load_checker(), records) == []


def test_every_url_is_built_from_the_standin_base_url(github, client):
    _exercise_every_endpoint(github, client)
    foreign = []

    def walk(value, where):
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{where}/{key}")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{where}/{index}")
        elif isinstance(value, str) and "://" in value and not value.startswith(("git://", "ssh://")):
            if not value.startswith(github.url):
                foreign.append(f"{where}: {value}")

    for record in github.state.requests:
        walk(record.response, f"{record.method} {record.path}")
    assert foreign == []


def test_secrets_are_sealed_for_the_repository_key(github, client):
    repo = client.get_repo(FULL_NAME)
    repo.create_secret("DJANGO_EMAIL_URL", "smtp+tls://user:pass@smtp.example:587")
    stored = github.repo.secrets["DJANGO_EMAIL_URL"]
    assert "pass" not in stored.encrypted_value
    assert github.state.open_secret(github.repo, "DJANGO_EMAIL_URL") == "smtp+tls://user:pass@smtp.example:587"
    key = repo.get_public_key()
    assert base64.b64decode(key.key) == bytes(github.state.private_key.public_key)


def test_bad_token_and_unknown_repository(github):
    import github as pygithub

    bad = pygithub.Github(base_url=github.url, auth=pygithub.Auth.Token("nope"), retry=None)
    with pytest.raises(pygithub.BadCredentialsException):
        bad.get_repo(FULL_NAME)
    good = pygithub.Github(base_url=github.url, auth=pygithub.Auth.Token(github.token), retry=None)
    with pytest.raises(pygithub.UnknownObjectException):
        good.get_repo("dandi-sandbox/nope")


def test_unchanged_reads_answer_304_without_using_the_rate_limit(github, client):
    repo = client.get_repo(FULL_NAME)
    run = repo.get_workflow_run(github.state.runs_of(github.repo, "backend-staging-deploy.yml")[-1].id)
    remaining = github.state.rate.remaining
    assert run.update() is False  # completed run, same ETag
    assert github.state.requests[-1].status == 304
    assert github.state.rate.remaining == remaining


def test_run_pages_carry_link_headers(github, client):
    state, repo = github.state, github.repo
    workflow = state.find_workflow(repo, "backend-staging-deploy.yml")
    from dandiops.sandbox.github.seed import set_staging_dispatch

    set_staging_dispatch(state, repo)
    without_deploys(github)
    for _ in range(4):
        state.finish(state.dispatch(repo, workflow, "master"))
    github.deploys.wait()
    runs = list(client.get_repo(FULL_NAME).get_workflow(workflow.id).get_runs())
    assert len(runs) == 5
    import github as pygithub

    small_pages = pygithub.Github(
        base_url=github.url,
        auth=pygithub.Auth.Token(github.token),
        per_page=2,
        retry=None,
        seconds_between_requests=None,
    )
    paged = list(small_pages.get_repo(FULL_NAME).get_workflow(workflow.id).get_runs())
    assert [r.id for r in paged] == [r.id for r in runs]
    pages = [r for r in state.requests if r.path.endswith(f"/workflows/{workflow.id}/runs") and "per_page=2" in r.query]
    assert len(pages) == 3


def test_cancel_in_progress_cancels_the_older_run(github):
    from dandiops.sandbox.github.state import RunPace

    state, repo = github.state, github.repo
    state.set_pace(RunPace(queue_seconds=None, step_seconds=None))
    first = state.commit_files(repo, "master", {"a.txt": b"1"}, "First")
    older = next(r for r in repo.runs.values() if r.head_sha == first.sha and r.workflow.path == STAGING_WORKFLOW)
    state.advance(older, 3)
    assert older.status == "in_progress"
    state.commit_files(repo, "master", {"a.txt": b"2"}, "Second")
    assert older.status == "completed" and older.conclusion == "cancelled"
    assert [s.conclusion for s in older.jobs[0].steps][:3] == ["success", "success", "cancelled"]


def test_paths_ignore_and_skip_ci_start_no_deploy(github):
    state, repo = github.state, github.repo
    before = len(state.runs_of(repo, "backend-staging-deploy.yml"))
    state.commit_files(repo, "master", {"web/src/App.vue": b"<template/>"}, "Frontend only")
    state.commit_files(repo, "master", {"dandiapi/x.py": b"x"}, "Backend change [skip ci]")
    assert len(state.runs_of(repo, "backend-staging-deploy.yml")) == before


def test_deploy_step_fails_without_the_heroku_secret(github, sandbox):
    state, repo = github.state, github.repo
    repo.secrets.pop("HEROKU_API_KEY")
    app = sandbox.heroku.state.find_app("dandi-sandbox-api-staging")
    versions = len(app.releases)
    commit = state.commit_files(repo, "master", {"dandiapi/y.py": b"y"}, "Change")
    run = next(r for r in repo.runs.values() if r.head_sha == commit.sha and r.workflow.path == STAGING_WORKFLOW)
    assert state.wait_for(lambda: run.status == "completed")
    assert run.conclusion == "failure"
    step = next(s for s in run.jobs[0].steps if s.name == "Deploy to Heroku")
    assert step.conclusion == "failure"
    assert len(app.releases) == versions


def test_control_routes_for_sandbox_serve(github):
    import httpx

    base = github.url
    pushed = httpx.post(
        f"{base}/_sandbox/repos/{FULL_NAME}/push",
        json={"files": {"dandiapi/z.py": "z"}, "message": "From the control route"},
    )
    assert pushed.status_code == 200
    sha = pushed.json()["sha"]
    assert github.repo.branch_sha("master") == sha
    scripted = httpx.post(f"{base}/_sandbox/runs/next", json={"conclusion": "failure"})
    assert scripted.status_code == 200 and github.state.scripts[-1].conclusion == "failure"
    fault = httpx.post(f"{base}/_sandbox/faults", json={"status": 503, "path_prefix": "/rate_limit"})
    assert fault.status_code == 200
    answer = httpx.get(f"{base}/rate_limit", headers={"Authorization": f"token {github.token}"})
    assert answer.status_code == 503 and json.loads(answer.text)["message"] == "Server Error"


def test_dropped_write_is_carried_out_and_the_client_gets_no_answer(github, client):
    import requests

    from dandiops.sandbox.github.seed import set_staging_dispatch

    set_staging_dispatch(github.state, github.repo)
    before = len(github.state.runs_of(github.repo, "backend-staging-deploy.yml"))
    github.state.inject_fault(0, kind="drop", methods={"POST"}, path_prefix="/repos/")
    workflow = client.get_repo(FULL_NAME).get_workflow("backend-staging-deploy.yml")
    with pytest.raises(requests.exceptions.ConnectionError):
        workflow.create_dispatch("master", throw=True)
    runs = github.state.runs_of(github.repo, "backend-staging-deploy.yml")
    assert len(runs) == before + 1 and runs[-1].event == "workflow_dispatch"
    assert workflow.create_dispatch("master", throw=True) is True  # the next request is answered
