"""`dandiops release staging`: from the trigger to the running Heroku release, over the stand-ins."""

from __future__ import annotations

import json

from dandiops.core.errors import ExitCode
from dandiops.sandbox.github.seed import FULL_NAME, STAGING_WORKFLOW


def _audit(sandbox):
    path = sandbox.workdir / "audit.log"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_dispatch_success_waits_for_release_phase(cli, sandbox, github, dispatchable, staging_app):
    before = staging_app.releases[-1].version
    result = cli("release", "staging", "--json")
    assert result.exit_code == 0, result
    data = result.json()
    run = data["run"]
    assert data["trigger"] == "dispatch"
    assert run["status"] == "completed" and run["conclusion"] == "success"
    assert run["event"] == "workflow_dispatch" and run["branch"] == "master"
    assert [step["name"] for step in run["jobs"][0]["steps"]][-2] == "Deploy to Heroku"
    release = data["heroku_release"]
    assert release["version"] == before + 1
    assert release["status"] == "succeeded"
    assert run["sha"].startswith(release["commit"])
    heroku_release = staging_app.releases[-1]
    assert heroku_release.status == "succeeded" and heroku_release.commit == run["sha"]
    assert any("Applying" in line or "No migrations to apply" in line for line in heroku_release.output)
    # one line per state change on a non-terminal, ending with the run's conclusion
    assert "job Deploy to staging: in_progress" in result.stderr
    assert "Deploy to staging › Deploy to Heroku: success" in result.stderr
    assert [entry["action"] for entry in _audit(sandbox)] == ["release.dispatch"]


def test_failed_run_exits_failure_and_creates_no_release(cli, gh_state, dispatchable, staging_app):
    before = len(staging_app.releases)
    gh_state.script_next_run("failure", at_step="Build the source distribution")
    result = cli("release", "staging")
    assert result.exit_code == ExitCode.FAILURE, result
    assert "failure" in result.stdout
    assert "at Deploy to staging › Build the source distribution: nothing was released" in result.stderr
    assert "Deploy to staging › Deploy to Heroku: skipped" in result.stderr
    assert len(staging_app.releases) == before


def test_cancelled_run_exits_cancelled(cli, gh_state, dispatchable, staging_app):
    gh_state.script_next_run("cancelled", at_step="Install Heroku CLI")
    result = cli("release", "staging", "--json")
    assert result.exit_code == ExitCode.CANCELLED, result
    data = result.json()
    assert data["run"]["conclusion"] == "cancelled" and data["heroku_release"] is None
    assert "cancelled" in result.stderr


def test_newer_push_cancels_the_watched_run(cli, gh_state, repo, dispatchable, staging_app):
    """The workflow's cancel-in-progress: a push while the dispatched run is going cancels it."""
    gh_state.script_next_run("success", hold=True)
    import threading

    seen = {}

    def push_when_running():  # records what it saw; the test thread asserts it
        seen["running"] = gh_state.wait_for(
            lambda: any(r.event == "workflow_dispatch" and r.status == "in_progress" for r in repo.runs.values())
        )
        if seen["running"]:
            gh_state.commit_files(repo, "master", {"dandiapi/views.py": b"# newer\n"}, "Newer change")

    pusher = threading.Thread(target=push_when_running)
    pusher.start()
    result = cli("release", "staging")
    pusher.join()
    assert seen["running"], "the dispatched run never started"
    assert result.exit_code == ExitCode.CANCELLED, result
    assert "newer one starts" in result.stderr


def test_timeout_exits_timeout_and_run_goes_on(cli, gh_state, dispatchable, staging_app):
    gh_state.script_next_run("success", hold=True)
    result = cli("release", "staging", "--timeout", "0.3", "--json")
    assert result.exit_code == ExitCode.TIMEOUT, result
    data = result.json()
    assert data["run"]["status"] == "in_progress"
    assert "timed out after 0.3 s" in result.stderr and "dandiops release status" in result.stderr


def test_server_without_run_details_correlates_by_created_time(cli, github, gh_state, repo, dispatchable, staging_app):
    gh_state.dispatch_returns_run_details = False
    # a dispatch someone made earlier must not be taken for ours
    earlier = gh_state.dispatch(repo, gh_state.find_workflow(repo, "backend-staging-deploy.yml"), "master")
    gh_state.finish(earlier)
    github.deploys.wait()  # its release phase migrates the same database
    result = cli("release", "staging", "--json")
    assert result.exit_code == 0, result
    data = result.json()
    assert data["run"]["id"] != earlier.id
    assert data["run"]["id"] == max(r.id for r in gh_state.runs_of(repo, "backend-staging-deploy.yml"))
    assert "looking for the run created after the dispatch" in result.stderr
    dispatch = next(r for r in gh_state.requests if r.path.endswith("/dispatches"))
    assert dispatch.status == 204 and dispatch.body["return_run_details"] is True


def test_watch_uses_conditional_requests(cli, gh_state, dispatchable, staging_app):
    gh_state.script_next_run("success")
    result = cli("release", "staging")
    assert result.exit_code == 0, result
    run_reads = [r for r in gh_state.requests if r.method == "GET" and "/actions/runs/" in r.path]
    assert any("If-None-Match" in r.headers for r in run_reads)
    assert any(r.status == 304 for r in run_reads)


def test_detach_prints_the_run_url(cli, github, dispatchable, staging_app):
    result = cli("release", "staging", "--detach")
    assert result.exit_code == 0, result
    assert github.url + "/dandi-sandbox/dandi-archive/actions/runs/" in result.stdout


def test_push_only_workflow_explains_the_options(cli, gh_state, staging_app):
    result = cli("release", "staging")
    assert result.exit_code == ExitCode.USAGE, result
    assert "has no workflow_dispatch trigger: it runs on push to master" in result.stderr
    assert "--rerun" in result.stderr and "--enable-dispatch" in result.stderr
    assert gh_state.writes() == []


def test_rerun_redeploys_the_latest_run(cli, sandbox, gh_state, repo, staging_app):
    latest = gh_state.runs_of(repo, "backend-staging-deploy.yml")[-1]
    result = cli("release", "staging", "--rerun", "--json")
    assert result.exit_code == 0, result
    data = result.json()
    assert data["trigger"] == "rerun"
    assert data["run"]["id"] == latest.id and data["run"]["attempt"] == 2
    assert data["heroku_release"]["status"] == "succeeded"
    assert data["heroku_release"]["commit"] == latest.head_sha[:8]
    assert [(r.method, r.path.rsplit("/", 1)[-1]) for r in gh_state.writes()] == [("POST", "rerun")]
    assert _audit(sandbox)[-1]["action"] == "release.rerun"


def test_enable_dispatch_opens_a_pull_request(cli, gh_state, repo):
    result = cli("release", "staging", "--enable-dispatch", "--json")
    assert result.exit_code == 0, result
    pull_data = result.json()["pull_request"]
    pull = repo.pulls[pull_data["number"]]
    assert pull.base_ref == "master" and pull.head_ref == "dandiops/enable-dispatch-backend-staging-deploy"
    text = repo.file(repo.branch_sha(pull.head_ref), STAGING_WORKFLOW).decode()
    assert "  workflow_dispatch:\n" in text and "paths-ignore" in text
    # running it again finds the open pull request and changes nothing
    writes = len(gh_state.writes())
    again = cli("release", "staging", "--enable-dispatch")
    assert again.exit_code == 0, again
    assert "already adds workflow_dispatch" in again.stderr
    assert len(gh_state.writes()) == writes


def test_enable_dispatch_refuses_a_default_branch_gone_since_its_workflow_was_read(cli, gh_state, repo):
    # The workflow file is read on master first; then the branch is gone when its head is looked up.
    gh_state.inject_fault(404, methods={"GET"}, path_prefix=f"/repos/{FULL_NAME}/git/ref/heads/master")
    result = cli("release", "staging", "--enable-dispatch")
    assert result.exit_code == ExitCode.NOT_FOUND, result
    assert "branch master not found" in result.stderr, result.stderr
    assert gh_state.writes() == []
    assert repo.branch_sha("dandiops/enable-dispatch-backend-staging-deploy") is None


def test_enable_dispatch_without_workflow_scope(cli, gh_state, monkeypatch):
    gh_state.tokens["ghp_repo_only"] = {"repo"}
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_repo_only")
    result = cli("release", "staging", "--enable-dispatch")
    assert result.exit_code == ExitCode.AUTH, result
    assert "lacks the scope" in result.stderr and "workflow" in result.stderr


def test_failing_migration_fails_the_release(cli, sandbox, github, dispatchable, staging_app, tmp_path):
    """The release phase really runs `manage.py migrate`; a database it cannot open makes it fail."""
    previous = staging_app.current_release
    staging_app.config["DATABASE_URL"] = f"sqlite:///{tmp_path}/no-such-folder/db.sqlite3"
    result = cli("release", "staging", "--json")
    assert result.exit_code == ExitCode.FAILURE, result
    data = result.json()
    assert data["run"]["conclusion"] == "success"
    assert data["heroku_release"]["status"] == "failed"
    assert "release phase" in result.stderr and "heroku releases:output" in result.stderr
    failed = staging_app.releases[-1]
    assert failed.status == "failed" and any("unable to open database" in line for line in failed.output)
    assert staging_app.current_release is previous


def test_a_deploy_of_the_running_app_migrates_the_database_it_already_has(github, gh_state, repo, staging_app):
    """The seed says staging runs a deployed release, so its database is migrated before the next release phase
    (which then finds nothing to apply), as for any of its dynos."""
    commit = gh_state.commit_files(repo, "master", {"dandiapi/change.py": b"CHANGED = True\n"}, "Change the API")
    run = next(r for r in repo.runs.values() if r.head_sha == commit.sha and r.workflow.path == STAGING_WORKFLOW)
    assert gh_state.wait_for(lambda: run.status == "completed") and run.conclusion == "success"
    github.deploys.wait()
    release = staging_app.releases[-1]
    assert release.status == "succeeded" and release.commit == commit.sha
    assert "No migrations to apply." in "\n".join(release.output)


def test_bad_token_is_an_auth_error(cli, dispatchable, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_not_a_real_token")
    result = cli("release", "staging")
    assert result.exit_code == ExitCode.AUTH, result
    assert "GitHub rejected the token" in result.stderr and "GITHUB_TOKEN" in result.stderr


def test_gh_token_is_used_when_github_token_is_absent(cli, github, dispatchable, staging_app, monkeypatch):
    monkeypatch.delenv("GITHUB_TOKEN")
    monkeypatch.setenv("GH_TOKEN", github.token)
    result = cli("release", "staging", "--detach")
    assert result.exit_code == 0, result


def test_unknown_workflow_is_not_found(cli, sandbox, gh_state):
    config = sandbox.config_path.read_text().replace(
        'workflow = "backend-staging-deploy.yml"', 'workflow = "deploy-staging.yml"'
    )
    sandbox.config_path.write_text(config)
    result = cli("release", "staging")
    assert result.exit_code == ExitCode.NOT_FOUND, result
    assert "workflow deploy-staging.yml not found in dandi-sandbox/dandi-archive" in result.stderr
    assert "`workflow` of environment staging" in result.stderr
    assert gh_state.writes() == []


def test_ref_without_dispatch_trigger_is_refused_by_github(cli, gh_state, repo, dispatchable):
    """master declares workflow_dispatch, but the branch asked for does not: GitHub answers 422."""
    gh_state.create_ref(repo, "refs/heads/old-layout", repo.commits[repo.branch_sha("master")].parents[0])
    result = cli("release", "staging", "--ref", "old-layout")
    assert result.exit_code == ExitCode.CONFLICT, result
    assert "Workflow does not have 'workflow_dispatch' trigger" in result.stderr
    assert not any(r.event == "workflow_dispatch" for r in repo.runs.values())


def test_rate_limit_is_waited_out(cli, gh_state, dispatchable, staging_app):
    gh_state.inject_fault(403, kind="primary", methods={"GET"}, path_prefix="/repos/", reset_in=0)
    gh_state.inject_fault(403, kind="secondary", methods={"GET"}, path_prefix="/repos/", retry_after="0")
    result = cli("release", "staging", "--detach")
    assert result.exit_code == 0, result
    limited = [r for r in gh_state.requests if r.status == 403]
    assert len(limited) == 2


def test_rate_limit_beyond_the_wait_cap_is_unavailable(cli, gh_state, dispatchable):
    gh_state.inject_fault(403, kind="primary", methods={"GET"}, path_prefix="/repos/", reset_in=3600)
    result = cli("release", "staging")
    assert result.exit_code == ExitCode.UNAVAILABLE, result
    assert "rate limit" in result.stderr
    assert gh_state.writes() == []


def test_dispatch_server_error_is_not_retried(cli, gh_state, dispatchable):
    gh_state.inject_fault(502, methods={"POST"}, path_prefix="/repos/")
    result = cli("release", "staging")
    assert result.exit_code == ExitCode.UNAVAILABLE, result
    assert "not retried" in result.stderr
    assert [r.status for r in gh_state.writes()] == [502]


def test_dry_run_writes_nothing(cli, gh_state, dispatchable):
    result = cli("release", "staging", "--dry-run")
    assert result.exit_code == 0, result
    assert "would dispatch backend-staging-deploy.yml on master" in result.stderr
    assert gh_state.writes() == []


BROKEN_MIGRATION = """\
from django.db import migrations


def fail(apps, schema_editor):
    raise RuntimeError("backfill of dandiset contacts failed: contact 42 has no email")


class Migration(migrations.Migration):
    dependencies = [("api", "{latest}")]
    operations = [migrations.RunPython(fail, migrations.RunPython.noop)]
"""


def test_broken_migration_fails_the_release_phase(cli, github, dispatchable, staging_app, archive_copy):
    """A checkout whose new migration raises: the release fails with the migration's error kept."""
    checkout = archive_copy
    migrations = checkout / "dandiapi" / "api" / "migrations"
    latest = sorted(p.stem for p in migrations.glob("[0-9]*.py"))[-1]
    (migrations / "9999_broken_backfill.py").write_text(BROKEN_MIGRATION.format(latest=latest))
    staging_app.app_dir = str(checkout)
    result = cli("release", "staging")
    assert result.exit_code == ExitCode.FAILURE, result
    assert "heroku dandi-sandbox-api-staging v" in result.stdout and " failed " in result.stdout
    failed = staging_app.releases[-1]
    assert failed.status == "failed"
    assert any("contact 42 has no email" in line for line in failed.output), failed.output[-15:]


def test_unreadable_workflow_file_is_reported(cli, gh_state, repo):
    gh_state.commit_files(repo, "master", {STAGING_WORKFLOW: b"on: [push\njobs: {"}, "Break the workflow [skip ci]")
    result = cli("release", "staging")
    assert result.exit_code == ExitCode.CONFIG, result
    assert f"cannot read {STAGING_WORKFLOW} on master" in result.stderr
    assert gh_state.writes() == []


def test_rerun_detach_reports_the_attempt_it_started(cli, github, gh_state, repo, staging_app):
    latest = gh_state.runs_of(repo, "backend-staging-deploy.yml")[-1]
    assert (latest.status, latest.conclusion, latest.run_attempt) == ("completed", "success", 1)
    gh_state.script_next_run("success", hold=True)
    result = cli("release", "staging", "--rerun", "--detach", "--json")
    assert result.exit_code == 0, result
    run = result.json()["run"]
    assert run["id"] == latest.id and run["attempt"] == 2
    assert run["status"] in ("queued", "in_progress") and run["conclusion"] is None
    assert run["url"] == f"{github.url}/dandi-sandbox/dandi-archive/actions/runs/{latest.id}"
    gh_state.cancel(latest)


def test_rerun_detach_text_names_the_new_attempt_and_its_state(cli, github, gh_state, repo, staging_app):
    latest = gh_state.runs_of(repo, "backend-staging-deploy.yml")[-1]
    gh_state.script_next_run("success", hold=True)
    result = cli("release", "staging", "--rerun", "--detach")
    assert result.exit_code == 0, result
    assert f"run #{latest.run_number} (attempt 2) " in result.stdout
    assert " success " not in result.stdout
    assert any(f" (attempt 2) {state} on master" in result.stdout for state in ("queued", "in_progress"))
    gh_state.cancel(latest)


def test_dispatch_whose_answer_is_lost_follows_the_run_it_started(
    cli, sandbox, gh_state, repo, dispatchable, staging_app
):
    gh_state.inject_fault(0, kind="drop", methods={"POST"}, path_prefix="/repos/")
    before = {run.id for run in gh_state.runs_of(repo, "backend-staging-deploy.yml")}
    result = cli("release", "staging", "--json")
    assert result.exit_code == 0, result
    started = [run for run in gh_state.runs_of(repo, "backend-staging-deploy.yml") if run.id not in before]
    assert len(started) == 1 and started[0].event == "workflow_dispatch"
    assert result.json()["run"]["id"] == started[0].id
    assert result.json()["heroku_release"]["status"] == "succeeded"
    assert [r.path.rsplit("/", 1)[-1] for r in gh_state.writes()] == ["dispatches"]
    assert "may have been applied" in result.stderr
    assert [(entry["action"], entry["result"]) for entry in _audit(sandbox)] == [("release.dispatch", "ok")]


def test_rerun_whose_answer_is_lost_reports_the_new_attempt(cli, sandbox, gh_state, repo, staging_app):
    latest = gh_state.runs_of(repo, "backend-staging-deploy.yml")[-1]
    gh_state.script_next_run("success", hold=True)
    gh_state.inject_fault(0, kind="drop", methods={"POST"}, path_prefix="/repos/")
    result = cli("release", "staging", "--rerun", "--detach", "--json")
    assert result.exit_code == 0, result
    assert latest.run_attempt == 2
    assert result.json()["run"]["attempt"] == 2 and result.json()["run"]["conclusion"] is None
    assert [r.path.rsplit("/", 1)[-1] for r in gh_state.writes()] == ["rerun"]
    assert [(entry["action"], entry["result"]) for entry in _audit(sandbox)] == [("release.rerun", "ok")]
    gh_state.cancel(latest)


def test_dispatch_whose_answer_is_lost_and_that_started_nothing_is_exit_9_and_audited_unknown(
    cli, sandbox, gh_state, repo, dispatchable
):
    """GitHub refuses the dispatch (the branch's workflow has no workflow_dispatch), and the answer is lost."""
    gh_state.create_ref(repo, "refs/heads/old-layout", repo.commits[repo.branch_sha("master")].parents[0])
    before = len(gh_state.runs_of(repo, "backend-staging-deploy.yml"))
    gh_state.inject_fault(0, kind="drop", methods={"POST"}, path_prefix="/repos/")
    result = cli("release", "staging", "--ref", "old-layout")
    assert result.exit_code == ExitCode.UNAVAILABLE, result
    assert "a new run of backend-staging-deploy.yml did not show up" in result.stderr
    assert "not retried" in result.stderr and "dandiops release status staging" in result.stderr
    assert len(gh_state.runs_of(repo, "backend-staging-deploy.yml")) == before
    assert [r.path.rsplit("/", 1)[-1] for r in gh_state.writes()] == ["dispatches"]
    assert [(entry["action"], entry["result"]) for entry in _audit(sandbox)] == [("release.dispatch", "unknown")]
