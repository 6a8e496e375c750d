"""init's first-deploy step on an app created without a build, and the steps that wait for it."""

from __future__ import annotations

import threading

import pytest

from dandiops.sandbox.github.seed import STAGING_WORKFLOW, staging_workflow

FRESH_APP = "dandi-sandbox-first-deploy"
ONLY_AFTER_DEPLOY = "first-deploy,formation,cachetable,superuser,auth"


@pytest.fixture
def fast_runs(github, monkeypatch):
    """Runs move one step every 20 ms and dandiops polls every 20 ms."""
    from dandiops.sandbox.github.state import RunPace

    monkeypatch.setenv("DANDIOPS_POLL_INTERVAL", "0.02")
    github.state.set_pace(RunPace(queue_seconds=0.02, step_seconds=0.02))
    yield github
    github.deploys.wait(60)


@pytest.fixture
def fresh_app(sandbox, scripted, heroku_state, staging_app):
    """A new app (POST /teams/apps) with the staging app's config vars, and an environment `fresh` for it."""
    ctx = scripted().ctx
    ctx.heroku().create_app(FRESH_APP, region="us", team="dandi-sandbox")
    app = heroku_state.find_app(FRESH_APP)
    with heroku_state.lock:
        app.config.update(staging_app.config)  # what the config-vars step would have set
    with sandbox.config_path.open("a", encoding="utf-8") as config:
        config.write(
            f'\n[environments.fresh]\nheroku_app = "{FRESH_APP}"\ngithub_repo = "dandi-sandbox/dandi-archive"\n'
            'workflow = "backend-staging-deploy.yml"\n'
        )
    return app


def _statuses(result) -> dict[str, tuple[str, str]]:
    return {s["step"]: (s["status"], s["detail"]) for s in result.json()["steps"]}


def test_first_deploy_follows_the_run_the_push_started_and_the_steps_after_it_wait_for_it(
    cli, fast_runs, fresh_app, gh_state, repo, writes
):
    # the steps that run the app's code are not checked on an app with no build
    result = cli("-e", "fresh", "init", "--dry-run", "--only", ONLY_AFTER_DEPLOY[len("first-deploy,") :], "--json")
    assert result.exit_code == 0, result
    assert set(_statuses(result).values()) == {("pending", "after the first deploy")}

    # the fork's pull request is merged: the push runs the staging workflow, which now builds this app
    gh_state.script_next_run("success", hold=True, workflow="backend-staging-deploy.yml")
    gh_state.commit_files(
        repo, "master", {STAGING_WORKFLOW: staging_workflow(FRESH_APP).encode()}, "Deploy this clone's staging"
    )
    [run] = [r for r in repo.runs.values() if r.workflow.path == STAGING_WORKFLOW and r.status != "completed"]

    before = writes()
    dry = cli("-e", "fresh", "init", "--dry-run", "--only", ONLY_AFTER_DEPLOY, "--json")
    assert dry.exit_code == 0, dry
    steps = {s["step"]: s for s in dry.json()["steps"]}
    assert [c["action"] + " " + c["target"] for c in steps["first-deploy"]["changes"]] == [
        f"follow run #{run.run_number} of backend-staging-deploy.yml"
    ]
    for name in ("formation", "cachetable", "superuser", "auth"):
        assert (steps[name]["status"], steps[name]["detail"]) == ("pending", "after the first deploy")
    assert "after the first deploy" in cli("-e", "fresh", "init", "--dry-run", "--only", ONLY_AFTER_DEPLOY).stdout
    assert writes() == before

    def let_the_run_go_once_followed():  # no assertion here: the test thread checks the outcome
        jobs = f"/actions/runs/{run.id}/jobs"
        if gh_state.wait_for(lambda: any(jobs in r.path for r in list(gh_state.requests)), timeout=30):
            gh_state.release_hold(run)

    releaser = threading.Thread(target=let_the_run_go_once_followed)
    releaser.start()
    before = writes()
    result = cli("-e", "fresh", "init", "--non-interactive", "--only", "first-deploy,formation", "--json")
    releaser.join()
    assert result.exit_code == 0, result
    statuses = _statuses(result)
    assert statuses["first-deploy"][0] == "applied" and "deployed" in statuses["first-deploy"][1]
    assert run.head_sha[:8] in statuses["first-deploy"][1]
    assert statuses["formation"][0] == "applied"
    sent = {service: count - before[service] for service, count in writes().items()}
    assert sent["github"] == 0  # the push's run was followed, not a new one started
    assert result.json()["writes"] == sum(sent.values())
    current = fresh_app.current_release
    assert current.slug_id and current.commit == run.head_sha
    assert {f.type: f.quantity for f in fresh_app.formation.values()} == {"web": 1, "worker": 1, "checksum-worker": 1}

    again = cli("-e", "fresh", "init", "--non-interactive", "--only", "first-deploy,formation", "--json")
    assert again.exit_code == 0, again
    assert [status for status, _ in _statuses(again).values()] == ["ok", "ok"]
    assert again.json()["writes"] == 0


def test_first_deploy_refuses_a_workflow_that_builds_another_app(cli, fresh_app, writes):
    before = writes()
    result = cli("-e", "fresh", "init", "--non-interactive", "--only", "first-deploy", "--json")
    assert result.exit_code == 6, result
    [step] = result.json()["steps"]
    assert step["status"] == "failed"
    assert f"deploys the Heroku app dandi-sandbox-api-staging, not {FRESH_APP}" in step["detail"]
    assert "fork" in result.stderr
    assert writes() == before
