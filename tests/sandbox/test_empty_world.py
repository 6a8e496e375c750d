"""The empty sandbox is where an operator starts, and its stand-ins refuse what the real services refuse
before a clone is built: a dyno or a scale on an app with no code, a deploy to an app the key cannot
reach, a workflow that needs a missing secret or branch, a request for a host no app serves."""

from __future__ import annotations

import io
import json
import zipfile

import httpx
import pytest
from verify_helpers import VERIFY_CHECKS

from dandiops.sandbox.github.seed import FULL_NAME, PRODUCTION_WORKFLOW, RELEASE_WORKFLOW, STAGING_WORKFLOW
from dandiops.sandbox.github.state import RunPace
from dandiops.sandbox.heroku.seed import PRODUCTION, STAGING, TEAM
from dandiops.sandbox.runtime import ANSWERS_VAR

from sandbox_fixtures import github_component, netlify_component

STEP_SECONDS = 0.02


@pytest.fixture
def heroku(empty_sandbox):
    env = empty_sandbox.environment()
    headers = {"Authorization": f"Bearer {env['HEROKU_API_KEY']}", "Accept": "application/vnd.heroku+json; version=3"}
    with httpx.Client(base_url=env["DANDIOPS_HEROKU_API_URL"], headers=headers) as client:
        yield client


@pytest.fixture
def fork(empty_sandbox):
    """The fork through PyGithub, with the sandbox's workflow runs at test pace."""
    yield from paced_fork(empty_sandbox)


def paced_fork(box):
    """`box`'s fork through PyGithub while its workflow runs go at test pace; waits for their deploys after."""
    from github import Auth, Github

    from dandiops.sandbox.github.component import GitHubComponent

    github = next(c for c in box.components if isinstance(c, GitHubComponent))
    github.state.set_pace(RunPace(queue_seconds=STEP_SECONDS, step_seconds=STEP_SECONDS))
    env = box.environment()
    client = Github(
        base_url=env["DANDIOPS_GITHUB_API_URL"],
        auth=Auth.Token(env["GITHUB_TOKEN"]),
        seconds_between_requests=None,
        seconds_between_writes=None,
    )
    yield client.get_repo(FULL_NAME)
    github.deploys.wait(60)
    client.close()


def finished_runs(repo, count: int, timeout: float = 30.0):
    """The repository's first `count` workflow runs once all have concluded (oldest first)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        runs = sorted(repo.get_workflow_runs(), key=lambda run: run.id)
        if len(runs) >= count and all(run.status == "completed" for run in runs[:count]):
            return runs[:count]
        assert time.monotonic() < deadline, [(run.path, run.status) for run in runs]
        time.sleep(STEP_SECONDS)


def finished_run(repo, path: str, sha: str, timeout: float = 30.0):
    """The run of workflow `path` for commit `sha`, once it has concluded."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        run = next((r for r in repo.get_workflow_runs(head_sha=sha) if r.path == path), None)
        if run is not None and run.status == "completed":
            return run
        assert time.monotonic() < deadline, f"no finished run of {path} for {sha}"
        time.sleep(STEP_SECONDS)


def failed_step(run) -> tuple[str, str, str]:
    """(job, step, the error its log ends with) of the run's failed step."""
    job = next(job for job in run.jobs() if job.conclusion == "failure")
    step = next(step for step in job.steps if step.conclusion == "failure")
    archive = zipfile.ZipFile(io.BytesIO(httpx.get(run.logs_url, follow_redirects=True).content))
    log_name = next(name for name in archive.namelist() if name.startswith(f"{job.name}/{step.number}_"))
    errors = [line for line in archive.read(log_name).decode().splitlines() if "##[error]" in line]
    return job.name, step.name, errors[-1].split("##[error]", 1)[1]


def by_workflow(runs) -> dict:
    return {run.path: run for run in runs}


def test_the_empty_world_has_a_team_without_apps_an_empty_aws_account_and_an_unmodified_fork(
    empty_sandbox, heroku, fork
):
    from dandiops.sandbox.aws import AwsComponent

    assert heroku.get("/apps").json() == []
    assert heroku.get(f"/teams/{TEAM}/apps").json() == []
    members = heroku.get(f"/teams/{TEAM}/members").json()
    assert [(m["email"], m["role"]) for m in members] == [("operator@example.org", "admin")]
    aws = next(c for c in empty_sandbox.components if isinstance(c, AwsComponent))
    assert aws.client("s3").list_buckets()["Buckets"] == []
    assert aws.client("iam").list_users()["Users"] == []
    assert [branch.name for branch in fork.get_branches()] == ["master"]
    assert list(fork.get_labels()) == []
    assert list(fork.get_secrets()) == []
    assert list(fork.get_releases()) == []
    assert list(fork.get_workflow_runs()) == []
    staging = fork.get_contents(STAGING_WORKFLOW).decoded_content.decode()
    production = fork.get_contents(PRODUCTION_WORKFLOW).decoded_content.decode()
    assert "heroku builds:create -a dandi-api-staging " in staging  # upstream's apps, not the sandbox's
    assert "heroku builds:create -a dandi-api " in production
    assert "workflow_dispatch" not in staging
    assert "auto shipit" in fork.get_contents(RELEASE_WORKFLOW).decoded_content.decode()
    autorc = json.loads(fork.get_contents(".autorc").decoded_content)
    assert (autorc["owner"], autorc["repo"]) == ("dandi", "dandi-archive")  # upstream releases upstream


def test_a_new_app_refuses_dynos_and_scaling_until_deployed_and_its_host_routes_nowhere_until_it_is_a_domain(
    empty_sandbox, heroku
):
    from dandiops.sandbox.dyno.web import ArchiveWebComponent

    created = heroku.post("/teams/apps", json={"name": STAGING.name, "team": TEAM, "region": "us"})
    assert created.status_code == 201 and created.json()["slug_size"] is None
    router = next(c for c in empty_sandbox.components if isinstance(c, ArchiveWebComponent)).routers["staging"]
    assert httpx.get(f"{router.url}/api/info/").status_code == 404  # no app has api.staging.dandi.test yet

    dyno = heroku.post(f"/apps/{STAGING.name}/dynos", json={"command": "python manage.py migrate", "attach": False})
    assert dyno.status_code == 409 and dyno.json()["id"] == "conflict"
    scaled = heroku.patch(f"/apps/{STAGING.name}/formation", json={"updates": [{"type": "web", "quantity": 1}]})
    one = heroku.patch(f"/apps/{STAGING.name}/formation/web", json={"quantity": 1})
    for refused in (scaled, one):
        assert refused.status_code == 422
        assert refused.json() == {
            "id": "invalid_params",
            "message": "App must be deployed before dynos can be scaled.",
        }
    assert heroku.get(f"/apps/{STAGING.name}/formation").json() == []
    assert heroku.get(f"/apps/{STAGING.name}/dynos").json() == []

    domain = heroku.post(f"/apps/{STAGING.name}/domains", json={"hostname": STAGING.domain, "sni_endpoint": None})
    assert domain.status_code == 201
    blank = httpx.get(f"{router.url}/api/info/")
    assert blank.status_code == 502 and "Welcome to your new app" in blank.text  # Heroku's H81 "Blank app"
    log = empty_sandbox.heroku.state.log_lines[STAGING.name]
    assert any('code=H81 desc="Blank app"' in line for line in log)


def test_a_push_to_the_unmodified_fork_fails_its_deploy_and_its_release_run(empty_sandbox, fork):
    """Without secrets, the deploy has no Heroku key and `auto shipit` no token; with the sandbox's key,
    the deploy still fails: upstream's workflow builds upstream's app, which the key cannot reach."""
    fork.create_file("dandiapi/change.py", "A change", "x = 1\n", branch="master")
    runs = by_workflow(finished_runs(fork, 2))
    assert set(runs) == {STAGING_WORKFLOW, RELEASE_WORKFLOW}
    assert all(run.conclusion == "failure" for run in runs.values())
    assert failed_step(runs[STAGING_WORKFLOW]) == (
        "Deploy to staging",
        "Deploy to Heroku",
        "▸    Invalid credentials provided.",
    )
    assert failed_step(runs[RELEASE_WORKFLOW]) == (
        "release",
        "Run actions/checkout@v4",
        "Input required and not supplied: token",
    )

    fork.create_secret("HEROKU_API_KEY", empty_sandbox.heroku.api_key)
    fork.create_file("dandiapi/other.py", "Another change", "y = 2\n", branch="master")
    deploy = by_workflow(finished_runs(fork, 4)[2:])[STAGING_WORKFLOW]
    assert deploy.conclusion == "failure"
    assert failed_step(deploy)[1:] == ("Deploy to Heroku", "▸    Couldn't find that app.")
    assert empty_sandbox.heroku.state.apps == {}


def test_the_production_deploy_stops_at_the_release_checkout_without_gh_token_or_the_release_branch(
    empty_sandbox, fork
):
    fork.create_git_release("v0.1.0", "v0.1.0", "A release")
    (run,) = finished_runs(fork, 1)
    assert run.path == PRODUCTION_WORKFLOW and run.conclusion == "failure"
    assert failed_step(run) == (
        "Update release branch",
        "Run actions/checkout@v4",
        "Input required and not supplied: token",
    )

    fork.create_secret("GH_TOKEN", empty_sandbox.environment()["GITHUB_TOKEN"])
    fork.create_git_release("v0.1.1", "v0.1.1", "Another release")
    run = finished_runs(fork, 2)[1]
    assert run.conclusion == "failure"
    assert failed_step(run)[1:] == (
        "Run actions/checkout@v4",
        "A branch or tag with the name 'release' could not be found",
    )
    assert [branch.name for branch in fork.get_branches()] == ["master"]
    assert [job.conclusion for job in run.jobs()] == ["failure", "skipped"]  # the deploy never ran


@pytest.fixture
def clone_fork(sandbox):
    """The running clone's fork through PyGithub, runs at test pace."""
    yield from paced_fork(sandbox)


def merge_change(repo, branch: str, path: str, content: str, labels: list[str]):
    master = repo.get_branch("master").commit.sha
    repo.create_git_ref(f"refs/heads/{branch}", master)
    current = repo.get_contents(path, ref=branch) if path == ".autorc" else None
    if current is not None:
        repo.update_file(path, f"Change {path}", content, current.sha, branch=branch)
    else:
        repo.create_file(path, f"Add {path}", content, branch=branch)
    pull = repo.create_pull(title=f"Change {path}", body="", head=branch, base="master")
    if labels:
        pull.add_to_labels(*labels)
    return pull.merge().sha


def test_auto_shipit_publishes_only_for_a_merged_pull_request_labelled_release_of_the_repository_autorc_names(
    sandbox, clone_fork
):
    releases = [r.tag_name for r in clone_fork.get_releases()]
    unlabelled = merge_change(clone_fork, "plain", "web/plain.txt", "x\n", [])  # web/: no staging deploy
    assert finished_run(clone_fork, RELEASE_WORKFLOW, unlabelled).conclusion == "success"
    assert [r.tag_name for r in clone_fork.get_releases()] == releases  # onlyPublishWithReleaseLabel

    upstream_autorc = '{"owner": "dandi", "repo": "dandi-archive", "onlyPublishWithReleaseLabel": true}\n'
    github_component(sandbox).state.script_next_run("cancelled", workflow="backend-staging-deploy.yml")  # no deploy
    elsewhere = merge_change(clone_fork, "upstream-autorc", ".autorc", upstream_autorc, ["release"])
    shipit = finished_run(clone_fork, RELEASE_WORKFLOW, elsewhere)
    assert shipit.conclusion == "failure"
    assert failed_step(shipit)[1:] == (
        "Create release",
        "HttpError: Not Found: .autorc names dandi/dandi-archive, which GH_TOKEN cannot release",
    )
    assert [r.tag_name for r in clone_fork.get_releases()] == releases


@pytest.fixture
def init_cli(empty_sandbox, monkeypatch):
    """`dandiops ARGS` in-process with the empty sandbox's environment and the secrets of its env file."""
    from typer.testing import CliRunner

    from dandiops.cli.main import app

    from sandbox_fixtures import CliResult

    for key, value in {**empty_sandbox.environment(), **empty_sandbox.init_environment()}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("DANDIOPS_GITHUB_WRITE_INTERVAL", "0")
    monkeypatch.setenv("DANDIOPS_POLL_INTERVAL", "0.05")
    github_component(empty_sandbox).state.set_pace(RunPace(queue_seconds=STEP_SECONDS, step_seconds=STEP_SECONDS))

    def invoke(*args: str) -> CliResult:
        return CliResult(CliRunner().invoke(app, list(args), catch_exceptions=False))

    yield invoke
    github_component(empty_sandbox).deploys.wait(60)


def init_from_the_answers(init_cli, env_name: str):
    import os

    return init_cli(
        "-e", env_name, "init", "--non-interactive", "--yes", "--answers", os.environ[ANSWERS_VAR], "--json"
    )


def test_init_builds_production_and_its_web_app_through_the_release_label_and_auto_shipit_and_a_rerun_writes_nothing(
    empty_sandbox, init_cli, fork, heroku
):
    from dandiops.sandbox.demo import write_requests

    result = init_from_the_answers(init_cli, "production")
    assert result.exit_code == 0, result
    (pull,) = [p for p in fork.get_pulls(state="closed") if "release" in [label.name for label in p.labels]]
    assert pull.merged
    (release,) = fork.get_releases()  # published by auto shipit for the labelled pull request
    assert release.author.login == "dandibot"
    deploy = finished_run(fork, PRODUCTION_WORKFLOW, fork.get_git_ref(f"tags/{release.tag_name}").object.sha)
    assert (deploy.event, deploy.conclusion) == ("release", "success")
    current = heroku.get(
        f"/apps/{PRODUCTION.name}/releases", headers={"Range": "version ..; order=desc, max=1"}
    ).json()[0]
    assert current["status"] == "succeeded" and current["description"] == f"Deploy {deploy.head_sha[:8]}"
    assert fork.get_branch("release").commit.sha == deploy.head_sha
    # the web app too: the release branch the production workflow reset, as the fork step's merge left it
    (site,) = netlify_component(empty_sandbox).state.sites.values()
    assert (site.production_branch, site.published_deploy.commit_ref) == ("release", deploy.head_sha)
    verified = result.json()["verify"]
    assert verified["passed"] is True, verified

    netlify_writes = len(netlify_component(empty_sandbox).state.writes())
    before = write_requests(empty_sandbox)
    again = init_from_the_answers(init_cli, "production")
    assert again.exit_code == 0, again
    assert len(netlify_component(empty_sandbox).state.writes()) == netlify_writes
    assert again.json()["writes"] == 0 and write_requests(empty_sandbox) == before
    assert again.json()["verify"]["passed"] is True


def test_init_interrupted_after_every_step_that_wrote_resumes_to_a_staging_clone_verify_passes_on(
    empty_sandbox, init_cli, fork, heroku, monkeypatch
):
    """init from the empty world, Ctrl-C landing after each step that wrote; each next run goes on from
    there, and the last builds the whole clone and ends with verify passing. One end-to-end flow for both
    (an uninterrupted staging build runs in the demo test and in `sandbox serve`'s)."""
    from dandiops.sandbox.demo import write_requests
    from dandiops.steps.base import Status
    from dandiops.wizard.engine import Wizard
    from dandiops.wizard.steps import STEP_NAMES

    original = Wizard._plan_and_apply
    interrupted_after: list[str] = []

    def then_ctrl_c(self, step, check):
        outcome, error = original(self, step, check)
        if error is None and outcome.status in (Status.APPLIED, Status.CONFIRMED):
            interrupted_after.append(step.name)
            raise KeyboardInterrupt
        return outcome, error

    monkeypatch.setattr(Wizard, "_plan_and_apply", then_ctrl_c)
    runs = []
    for _ in range(len(STEP_NAMES) + 2):
        runs.append(init_from_the_answers(init_cli, "staging"))
        if runs[-1].exit_code != 130:
            break
    codes = [run.exit_code for run in runs]
    assert codes[-1] == 0 and set(codes[:-1]) == {130}, codes
    assert len(interrupted_after) == len(set(interrupted_after)) >= 5, interrupted_after  # each step's change once
    monkeypatch.setattr(Wizard, "_plan_and_apply", original)

    last = runs[-1]
    verified = last.json()["verify"]
    assert verified["passed"] is True and verified["not_run"] is None, verified
    assert {check["name"] for check in verified["checks"]} == VERIFY_CHECKS
    skipped = {check["name"]: check["detail"] for check in verified["checks"] if check["state"] == "skipped"}
    assert set(skipped) == {"certificate", "superuser-login"} and all(skipped.values()), skipped
    assert "verify: every check passed" in last.stderr.rstrip().splitlines()[-1]  # what init's output ends with

    # the clone: the fork's workflow names this clone's app, the release chain, the app deployed and scaled
    assert (
        "heroku builds:create -a dandi-sandbox-api-staging "
        in fork.get_contents(STAGING_WORKFLOW).decoded_content.decode()
    )
    assert "release" in [branch.name for branch in fork.get_branches()]
    assert "release" in [label.name for label in fork.get_labels()]
    assert {secret.name for secret in fork.get_secrets()} == {"HEROKU_API_KEY", "HEROKU_EMAIL", "GH_TOKEN"}
    app = f"/apps/{STAGING.name}"
    current = heroku.get(f"{app}/releases", headers={"Range": "version ..; order=desc, max=1"}).json()[0]
    assert current["status"] == "succeeded" and current["slug"] is not None
    assert STAGING.domain in [domain["hostname"] for domain in heroku.get(f"{app}/domains").json()]
    formation = {item["type"]: item["quantity"] for item in heroku.get(f"{app}/formation").json()}
    assert set(formation) == {"web", "worker", "checksum-worker"} and min(formation.values()) >= 1

    checked = init_cli("verify", "-e", "staging", "--json")
    assert checked.exit_code == 0, checked
    checks = {check["name"]: check for check in checked.json()["checks"]}
    assert set(checks) == VERIFY_CHECKS and all(check["ok"] for check in checks.values()), checks

    before = write_requests(empty_sandbox)
    again = init_from_the_answers(init_cli, "staging")
    assert again.exit_code == 0 and again.json()["writes"] == 0 and write_requests(empty_sandbox) == before
    assert again.json()["verify"]["passed"] is True
