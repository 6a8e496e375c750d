"""`dandiops release production`: a published tag or a labelled pull request, confirmed, then watched."""

from __future__ import annotations

import threading

import pytest

from dandiops.core.errors import Aborted, ExitCode


class QuietObserver:
    """The release steps' Observer for tests that look at the outcome, not the progress lines."""

    def info(self, message):
        pass

    def run_update(self, run, changes):
        pass

    def heroku_update(self, release):
        pass

    def done(self):
        pass


def test_tag_publishes_a_release_and_deploys_production(cli, sandbox, gh_state, repo, production_app):
    master = repo.branch_sha("master")
    before = production_app.releases[-1].version
    result = cli("release", "production", "--tag", "v0.2.0", "--yes", "--json")
    assert result.exit_code == 0, result
    data = result.json()
    assert data["trigger"] == "tag" and data["tag"] == "v0.2.0"
    run = data["run"]
    assert run["event"] == "release" and run["branch"] == "v0.2.0" and run["sha"] == master
    assert [job["name"] for job in run["jobs"]] == ["Update release branch", "Deploy to production"]
    assert data["heroku_release"]["version"] == before + 1 and data["heroku_release"]["status"] == "succeeded"
    assert repo.refs["refs/tags/v0.2.0"] == master
    assert repo.branch_sha("release") == master  # the workflow's first job resets the release branch
    assert [r.tag_name for r in repo.releases] == ["v0.1.0", "v0.2.0"]
    assert production_app.releases[-1].commit == master


def test_existing_tag_is_a_conflict_and_changes_nothing(cli, gh_state, production_app):
    result = cli("release", "production", "--tag", "v0.1.0", "--yes")
    assert result.exit_code == ExitCode.CONFLICT, result
    assert "tag v0.1.0 already exists in dandi-sandbox/dandi-archive" in result.stderr
    assert gh_state.writes() == []


@pytest.mark.parametrize(
    "args, message",
    [
        (["--tag", "0.2"], "is not a version tag like v1.2.3"),
        (["--tag", "v0.2.0", "--pr", "1"], "--tag and --pr are two ways to release"),
        (["--wait"], "--wait applies to --pr only"),
        ([], "deploys production when a GitHub release is published"),
    ],
)
def test_bad_production_arguments_are_usage_errors(cli, gh_state, args, message):
    result = cli("release", "production", *args, "--yes")
    assert result.exit_code == ExitCode.USAGE, result
    assert message in result.stderr
    assert gh_state.writes() == []


def _add_environment(sandbox, name: str, like: str = "staging") -> None:
    config = sandbox.config_path.read_text()
    table = config[config.index(f"[environments.{like}]") :]
    table = table[: table.index("\n\n")] if "\n\n" in table else table
    sandbox.config_path.write_text(
        config + "\n" + table.replace(f"[environments.{like}]", f"[environments.{name}]") + "\n"
    )


def test_tag_on_a_push_workflow_is_a_usage_error(cli, sandbox, gh_state):
    _add_environment(sandbox, "qa")
    result = cli("release", "qa", "--tag", "v1.0.0")
    assert result.exit_code == ExitCode.USAGE, result
    assert "is not started by GitHub releases (push to master)" in result.stderr
    assert gh_state.writes() == []


def test_production_without_tty_or_yes_refuses_and_names_the_flag(cli, gh_state, production_app):
    result = cli("release", "production", "--tag", "v0.2.0")
    assert result.exit_code == ExitCode.USAGE, result
    assert "needs confirmation" in result.stderr and "--yes" in result.stderr
    assert gh_state.writes() == []
    assert "refs/tags/v0.2.0" not in next(iter(gh_state.repos.values())).refs


def test_production_dry_run_needs_no_confirmation_and_writes_nothing(cli, gh_state, production_app):
    result = cli("release", "production", "--tag", "v0.2.0", "--dry-run")
    assert result.exit_code == ExitCode.OK, result
    assert "needs confirmation" not in result.stderr
    assert gh_state.writes() == []
    assert "refs/tags/v0.2.0" not in next(iter(gh_state.repos.values())).refs


class TypedAnswer:
    """The operator at a terminal, typing one answer."""

    def __init__(self, answer: str):
        self.answer = answer
        self.asked: list[str] = []

    def text(self, message: str, **_):
        self.asked.append(message)
        return self.answer


def _context(sandbox, prompter, monkeypatch):
    from dandiops.app.context import Context
    from dandiops.core.output import Terminal

    environ = {**sandbox.environment(), "DANDIOPS_POLL_INTERVAL": "0.02", "DANDIOPS_GITHUB_WRITE_INTERVAL": "0"}
    for key, value in environ.items():
        monkeypatch.setenv(key, value)
    terminal = Terminal(stdin_tty=True, stdout_tty=False, stderr_tty=True, color=False, ci=False)
    return Context(env_name="production", terminal=terminal, prompter=prompter)


def test_typed_confirmation_must_match_the_app_name(sandbox, github, gh_state, monkeypatch):
    from dandiops.steps.release.trigger import Release, ReleaseRequest

    prompter = TypedAnswer("dandi-api")
    context = _context(sandbox, prompter, monkeypatch)
    with pytest.raises(Aborted):
        Release(context, ReleaseRequest(tag="v0.2.0", detach=True), QuietObserver()).run()
    assert "Type the app name (dandi-sandbox-api)" in prompter.asked[0]
    assert gh_state.writes() == []


def test_typed_app_name_confirms(sandbox, github, gh_state, production_app, monkeypatch):
    from dandiops.steps.release.trigger import Release, ReleaseRequest

    context = _context(sandbox, TypedAnswer("dandi-sandbox-api"), monkeypatch)
    outcome = Release(context, ReleaseRequest(tag="v0.2.0", detach=True), QuietObserver()).run()
    assert outcome.detached and outcome.run is not None and outcome.run.branch == "v0.2.0"
    assert [r.path.rsplit("/", 1)[-1] for r in gh_state.writes()] == ["releases"]


def _open_pull(gh_state, repo, *, base="master", title="Fix the stats view"):
    gh_state.create_ref(repo, f"refs/heads/fix-{title.split()[-1]}-{base}", repo.branch_sha(base) or "")
    gh_state.commit_files(repo, f"fix-{title.split()[-1]}-{base}", {"dandiapi/stats.py": b"# fixed\n"}, title)
    return gh_state.create_pull(repo, title=title, head=f"fix-{title.split()[-1]}-{base}", base=base)


def test_pr_gets_the_release_label_once(cli, gh_state, repo):
    pull = _open_pull(gh_state, repo)
    result = cli("release", "production", "--pr", str(pull.number), "--yes")
    assert result.exit_code == 0, result
    assert pull.labels == ["release"]
    assert "will be released when it is merged" in result.stderr
    assert f"pull request #{pull.number}" in result.stdout
    writes = len(gh_state.writes())
    again = cli("release", "production", "--pr", str(pull.number), "--yes")
    assert again.exit_code == 0, again
    assert "already has the 'release' label" in again.stderr
    assert len(gh_state.writes()) == writes


def test_closed_pr_is_a_conflict(cli, gh_state, repo):
    pull = _open_pull(gh_state, repo)
    gh_state.close_pull(repo, pull.number)
    result = cli("release", "production", "--pr", str(pull.number), "--yes")
    assert result.exit_code == ExitCode.CONFLICT, result
    assert f"pull request #{pull.number} is closed" in result.stderr
    assert gh_state.writes() == [] and pull.labels == []


def test_merged_pr_is_a_conflict(cli, gh_state, repo):
    pull = _open_pull(gh_state, repo)
    gh_state.merge_pull(repo, pull.number)
    result = cli("release", "production", "--pr", str(pull.number), "--yes")
    assert result.exit_code == ExitCode.CONFLICT, result
    assert "already merged" in result.stderr and "--tag" in result.stderr
    assert gh_state.writes() == [] and pull.labels == []


def test_pr_against_another_base_is_a_conflict(cli, gh_state, repo):
    pull = _open_pull(gh_state, repo, base="release")
    result = cli("release", "production", "--pr", str(pull.number), "--yes")
    assert result.exit_code == ExitCode.CONFLICT, result
    assert "targets release, not master" in result.stderr
    assert gh_state.writes() == [] and pull.labels == []


def test_missing_pr_is_not_found(cli, gh_state):
    result = cli("release", "production", "--pr", "999", "--yes")
    assert result.exit_code == ExitCode.NOT_FOUND, result
    assert "pull request #999 not found" in result.stderr
    assert gh_state.writes() == []


def test_pr_wait_follows_merge_release_and_deploy(cli, gh_state, repo, staging_app, production_app):
    """Merging a `release`-labelled PR: auto shipit tags v0.1.1, whose release runs the production deploy."""
    pull = _open_pull(gh_state, repo)

    seen = {}

    def merge_when_labelled():  # records what it saw; the test thread asserts it
        seen["labelled"] = gh_state.wait_for(lambda: "release" in pull.labels)
        if seen["labelled"]:
            gh_state.merge_pull(repo, pull.number)

    merger = threading.Thread(target=merge_when_labelled)
    merger.start()
    result = cli("release", "production", "--pr", str(pull.number), "--wait", "--yes", "--json")
    merger.join()
    assert seen["labelled"], "dandiops never labelled the pull request `release`"
    assert result.exit_code == 0, result
    data = result.json()
    assert data["tag"] == "v0.1.1"
    assert data["run"]["event"] == "release" and data["run"]["branch"] == "v0.1.1"
    assert data["heroku_release"]["status"] == "succeeded"
    assert production_app.releases[-1].commit == repo.refs["refs/tags/v0.1.1"]
    changelog = repo.file(repo.refs["refs/tags/v0.1.1"], "CHANGELOG.md").decode()
    assert changelog.startswith(f"# v0.1.1\n\n- Fix the stats view (#{pull.number})")


def test_status_and_list_show_runs_beside_releases(cli, github, dispatchable, staging_app):
    deployed = cli("release", "staging", "--json")
    assert deployed.exit_code == 0, deployed
    sha = deployed.json()["run"]["sha"]
    status = cli("release", "status", "staging", "--json")
    assert status.exit_code == 0, status
    env = status.json()["environments"][0]
    assert env["last_run"]["sha"] == sha and env["last_run"]["conclusion"] == "success"
    assert env["current_release"]["commit"] == sha[:8] and env["deploying"] is False
    listing = cli("release", "list", "-e", "staging", "--json")
    assert listing.exit_code == 0, listing
    rows = listing.json()["environments"][0]["rows"]
    assert rows[0]["run"]["sha"] == sha and rows[0]["heroku_release"]["commit"] == sha[:8]
    both = cli("release", "status", "--json")
    assert both.exit_code == 0, both
    assert [e["app"] for e in both.json()["environments"]] == ["dandi-sandbox-api-staging", "dandi-sandbox-api"]
    table = cli("release", "status")
    assert "staging" in table.stdout and "production" in table.stdout and "v0.1.0" in table.stdout
    human = cli("release", "list", "-e", "staging")
    assert f"{sha[:7]}" in human.stdout and "succeeded" in human.stdout


def test_any_environment_of_dandiops_toml(cli, sandbox, gh_state, dispatchable, staging_app):
    _add_environment(sandbox, "qa")
    result = cli("release", "qa", "--detach", "--json")
    assert result.exit_code == 0, result
    assert result.json()["env"] == "qa" and result.json()["run"]["event"] == "workflow_dispatch"
    unknown = cli("release", "nowhere")
    assert unknown.exit_code == ExitCode.CONFIG, unknown
    assert "environment 'nowhere' is not defined" in unknown.stderr


def _add_production_environment(sandbox, name: str, like: str = "staging") -> None:
    """An environment marked production whose workflow is `like`'s (staging: push only, so --rerun and
    --enable-dispatch apply)."""
    config = sandbox.config_path.read_text()
    _add_environment(sandbox, name, like)
    added = sandbox.config_path.read_text()[len(config) :]
    sandbox.config_path.write_text(config + added.replace("production = false", "production = true"))


def _live_push_run(gh_state, repo):
    gh_state.script_next_run("success", hold=True, workflow="backend-staging-deploy.yml")
    gh_state.commit_files(repo, "master", {"dandiapi/views.py": b"# live\n"}, "A change being deployed")
    return gh_state.runs_of(repo, "backend-staging-deploy.yml")[-1]


@pytest.mark.parametrize("way", ["dispatch", "rerun", "rerun-while-live", "enable-dispatch", "tag", "pr"])
def test_production_dry_run_of_every_trigger_asks_nothing_and_writes_nothing(
    cli, sandbox, gh_state, repo, production_app, way
):
    from dandiops.sandbox.github.seed import set_staging_dispatch

    _add_production_environment(sandbox, "mirror")
    live = None
    if way == "dispatch":
        set_staging_dispatch(gh_state, repo)
        args = ["mirror"]
    elif way == "rerun":
        args = ["mirror", "--rerun"]
    elif way == "rerun-while-live":
        live = _live_push_run(gh_state, repo)
        args = ["mirror", "--rerun"]
    elif way == "enable-dispatch":
        args = ["mirror", "--enable-dispatch"]
    elif way == "tag":
        args = ["production", "--tag", "v0.2.0"]
    else:
        args = ["production", "--pr", str(_open_pull(gh_state, repo).number)]
    writes = len(gh_state.writes())
    result = cli("release", *args, "--dry-run")
    if live is not None:
        gh_state.cancel(live)
    assert result.exit_code == ExitCode.OK, result
    assert "needs confirmation" not in result.stderr
    assert "would " in result.stderr
    assert len(gh_state.writes()) == writes
    assert sandbox.heroku.state.writes() == []
    assert not (sandbox.workdir / "audit.log").exists()


def test_rerun_on_production_while_a_run_is_live_still_needs_confirmation(cli, sandbox, gh_state, repo):
    _add_production_environment(sandbox, "mirror")
    live = _live_push_run(gh_state, repo)
    result = cli("release", "mirror", "--rerun")
    gh_state.cancel(live)
    assert result.exit_code == ExitCode.USAGE, result
    assert "needs confirmation" in result.stderr and "--yes" in result.stderr


def test_following_auto_shipit_finds_the_release_it_published_before_dandiops_first_looked(
    sandbox, github, gh_state, repo, production_app, monkeypatch
):
    """On a busy machine the release.yml run can publish its release between init choosing to follow it and
    dandiops first listing the releases: that release is the one to follow, not one that was already there."""
    from dandiops.steps.release.trigger import Release, ReleaseRequest

    pull = _open_pull(gh_state, repo)
    gh_state.add_labels(repo, pull.number, ["release"])
    gh_state.merge_pull(repo, pull.number)
    [auto] = gh_state.runs_of(repo, "release.yml")[-1:]
    context = _context(sandbox, TypedAnswer("dandi-sandbox-api"), monkeypatch)
    seen_running = context.github().repo(repo.full_name).get_workflow_run(auto.id)
    assert seen_running.status != "completed"

    gh_state.finish(auto)  # auto shipit tags v0.1.1 and publishes its release before dandiops looks

    outcome = Release(context, ReleaseRequest(timeout=30), QuietObserver()).follow_auto_release(seen_running)
    assert outcome.problem is None, outcome.problem
    assert outcome.tag == "v0.1.1"
    assert outcome.run is not None and outcome.run.branch == "v0.1.1"
    assert production_app.releases[-1].commit == repo.refs["refs/tags/v0.1.1"]
