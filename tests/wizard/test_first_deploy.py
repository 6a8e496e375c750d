"""init's first-deploy step on an app created without a build, and the steps that wait for it."""

from __future__ import annotations

import pytest

from dandiops.sandbox.github import upstream

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
            'workflow = "backend-staging-deploy.yml"\napi_url = "https://api.fresh.dandi.test"\n'
        )
    return app


def _statuses(result) -> dict[str, tuple[str, str]]:
    return {s["step"]: (s["status"], s["detail"]) for s in result.json()["steps"]}


def test_first_deploy_waits_for_the_fork_then_follows_the_run_its_merge_started(
    cli, fast_runs, fresh_app, gh_state, repo, writes, tmp_path
):
    gh_state.commit_files(repo, "master", dict(upstream.files()), "Upstream's deployment files", push_event=False)
    answers = tmp_path / "answers.yaml"
    answers.write_text("auth:\n  oauth_client_id: clone-web-app\n")
    only = f"fork,{ONLY_AFTER_DEPLOY}"

    before = writes()
    dry = cli("-e", "fresh", "init", "--dry-run", "--non-interactive", "--answers", str(answers), "--only", only)
    assert dry.exit_code == 0, dry
    data = cli(
        "-e", "fresh", "init", "--dry-run", "--non-interactive", "--answers", str(answers), "--only", only, "--json"
    ).json()  # fmt: skip
    statuses = {s["step"]: (s["status"], s["detail"]) for s in data["steps"]}
    assert statuses["first-deploy"] == ("pending", "once the steps before it are done (fork)")
    for name in ("formation", "cachetable", "superuser", "auth"):
        assert statuses[name] == ("pending", "after the first deploy")
    assert "after the first deploy" in dry.stdout
    assert writes() == before

    # without a confirmation the pull request stays open: nothing deploys the unmodified fork
    only = "fork,first-deploy,formation"
    opened = cli("-e", "fresh", "init", "--non-interactive", "--answers", str(answers), "--only", only, "--json")
    assert opened.exit_code == 6, opened
    [pull] = [p for p in repo.pulls.values() if p.state == "open"]
    assert _statuses(opened)["first-deploy"] == ("pending", "once the steps before it are done (fork)")
    [waiting] = opened.json()["end"]["waiting_on_operator"]
    assert waiting["step"] == "fork" and f"pull request #{pull.number} waits for a merge" in waiting["task"]
    assert not [r for r in repo.runs.values() if r.status != "completed"] and len(fresh_app.releases) == 2

    answers.write_text("auth:\n  oauth_client_id: clone-web-app\nfork:\n  merge: true\n")
    started = len(gh_state.requests)
    before = writes()
    merged = cli("-e", "fresh", "init", "--non-interactive", "--answers", str(answers), "--only", only, "--json")
    assert merged.exit_code == 0, merged
    statuses = _statuses(merged)
    assert [status for status, _ in statuses.values()] == ["applied", "applied", "applied"]
    assert pull.merged and "deployed" in statuses["first-deploy"][1]
    head = repo.branch_sha("master")
    assert fresh_app.current_release.slug_id and fresh_app.current_release.commit == head
    assert head[:8] in statuses["first-deploy"][1]
    sent = [(r.method, r.path) for r in list(gh_state.requests)[started:] if r.method != "GET"]
    assert not [path for _, path in sent if path.endswith(("/dispatches", "/rerun"))]  # followed the merge's run
    assert {f.type: f.quantity for f in fresh_app.formation.values()} == {"web": 1, "worker": 1, "checksum-worker": 1}
    counted = {service: count - before[service] for service, count in writes().items()}
    assert merged.json()["writes"] == sum(counted.values())

    again = cli("-e", "fresh", "init", "--non-interactive", "--answers", str(answers), "--only", only, "--json")
    assert again.exit_code == 0, again
    assert [status for status, _ in _statuses(again).values()] == ["ok", "ok", "ok"]
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
