"""The GitHub stand-in behaves as GitHub's REST documentation describes it, beyond the shape of its answers:
merges as git makes them (merge, squash, rebase; conflicts, stale heads), what a pull request keeps, the
routes and views that read the repository's git history, drafts, media types, errors, reads without a
token, run logs, and a held run let go. Driven through raw HTTP, as the documentation describes each call;
the shared sandbox fixture checks every answer against GitHub's OpenAPI description."""

from __future__ import annotations

import base64
import io
import zipfile

import pytest

from dandiops.sandbox.github.seed import FULL_NAME

REPO = f"/repos/{FULL_NAME}"
RAW = {"Accept": "application/vnd.github.raw+json"}


@pytest.fixture
def api(github):
    """An httpx client with the sandbox's token; workflow runs wait (a merge into master starts deploys)."""
    import httpx

    from dandiops.sandbox.github.state import RunPace

    github.state.set_pace(RunPace(queue_seconds=None, step_seconds=None))
    with httpx.Client(base_url=github.url, headers={"Authorization": f"token {github.token}"}) as client:
        yield client


def put_file(api, branch: str, path: str, text: str, message: str) -> dict:
    """PUT /contents/{path} on `branch`, with the file's current blob sha when it exists."""
    current = api.get(f"{REPO}/contents/{path}", params={"ref": branch})
    body = {"message": message, "content": base64.b64encode(text.encode()).decode(), "branch": branch}
    if current.status_code == 200:
        body["sha"] = current.json()["sha"]
    answer = api.put(f"{REPO}/contents/{path}", json=body)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def branch_sha(api, branch: str) -> str:
    answer = api.get(f"{REPO}/git/ref/heads/{branch}")
    assert answer.status_code == 200, answer.text
    return answer.json()["object"]["sha"]


def branch_with(api, name: str, files: dict[str, str], *, base: str = "master") -> str:
    """A new branch from `base` with one commit per file; its head sha."""
    created = api.post(f"{REPO}/git/refs", json={"ref": f"refs/heads/{name}", "sha": branch_sha(api, base)})
    assert created.status_code == 201, created.text
    for path, text in files.items():
        put_file(api, name, path, text, f"Change {path}")
    return branch_sha(api, name)


def open_pull(api, head: str, title: str, *, base: str = "master") -> dict:
    answer = api.post(f"{REPO}/pulls", json={"title": title, "head": head, "base": base, "body": "Please merge"})
    assert answer.status_code == 201, answer.text
    return api.get(f"{REPO}/pulls/{answer.json()['number']}").json()


def merge(api, number: int, **body):
    return api.put(f"{REPO}/pulls/{number}/merge", json=body)


def file_text(api, ref: str, path: str) -> str | None:
    answer = api.get(f"{REPO}/contents/{path}", params={"ref": ref})
    return base64.b64decode(answer.json()["content"]).decode() if answer.status_code == 200 else None


def git_commit(api, sha: str) -> dict:
    answer = api.get(f"{REPO}/git/commits/{sha}")
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_without_git_the_github_stand_in_names_what_to_install(tmp_path, monkeypatch):
    from dandiops.core.errors import ConfigError, ExitCode
    from dandiops.sandbox.github.git import GitRepository

    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ConfigError) as refused:
        GitRepository.create(tmp_path / "fork.git", "master")
    assert "git" in refused.value.message and "install git" in (refused.value.hint or "")
    assert refused.value.exit_code == ExitCode.CONFIG


# --- merges ------------------------------------------------------------------------------------------


def test_two_pull_requests_from_one_base_merged_in_order_keep_both_changes(api):
    branch_with(api, "add-stats", {"dandiapi/stats.py": "STATS = 1\n"})
    branch_with(api, "add-search", {"dandiapi/search.py": "SEARCH = 1\n"})
    first, second = open_pull(api, "add-stats", "Add stats"), open_pull(api, "add-search", "Add search")
    assert merge(api, first["number"]).status_code == 200
    assert merge(api, second["number"]).status_code == 200
    assert file_text(api, "master", "dandiapi/stats.py") == "STATS = 1\n"
    assert file_text(api, "master", "dandiapi/search.py") == "SEARCH = 1\n"


def test_a_commit_the_base_gained_after_the_branch_point_survives_the_merge(api):
    branch_with(api, "feature", {"dandiapi/feature.py": "FEATURE = 1\n"})
    pull = open_pull(api, "feature", "A feature")
    put_file(api, "master", "CHANGELOG.md", "# v0.2.0\n\n- Released meanwhile\n", "Update CHANGELOG.md [skip ci]")
    answer = merge(api, pull["number"])
    assert answer.status_code == 200
    assert file_text(api, "master", "CHANGELOG.md") == "# v0.2.0\n\n- Released meanwhile\n"
    assert file_text(api, "master", "dandiapi/feature.py") == "FEATURE = 1\n"


def test_both_sides_changing_one_file_apart_merge_into_both_changes(api):
    original = file_text(api, "master", "Procfile") or ""
    last = original.splitlines()[-1]
    tuned = original.replace(last, last.replace("--loglevel INFO", "--loglevel DEBUG"))
    branch_with(api, "tune-worker", {"Procfile": tuned})
    pull = open_pull(api, "tune-worker", "Debug logs for the checksum worker")
    put_file(api, "master", "Procfile", original.replace("migrate", "migrate --no-input", 1), "Migrate quietly")
    assert merge(api, pull["number"]).status_code == 200
    merged = file_text(api, "master", "Procfile") or ""
    assert "migrate --no-input" in merged and merged.splitlines()[-1].count("--loglevel DEBUG") == 1


def test_merge_methods_make_a_merge_commit_a_squashed_commit_or_rebased_commits(api):
    master = branch_sha(api, "master")
    heads = {}
    for method in ("merge", "squash", "rebase"):
        branch_with(api, f"by-{method}", {f"{method}/one.txt": "1\n", f"{method}/two.txt": "2\n"})
        heads[method] = open_pull(api, f"by-{method}", f"Add the {method} files")

    merged = merge(api, heads["merge"]["number"], commit_title="Merge the merge files", commit_message="Both")
    assert merged.status_code == 200 and merged.json()["merged"] is True
    merge_commit = git_commit(api, merged.json()["sha"])
    assert [p["sha"] for p in merge_commit["parents"]] == [master, heads["merge"]["head"]["sha"]]
    assert merge_commit["message"] == "Merge the merge files\n\nBoth"

    before_squash = branch_sha(api, "master")
    squashed = merge(api, heads["squash"]["number"], merge_method="squash")
    squash_commit = git_commit(api, squashed.json()["sha"])
    assert [p["sha"] for p in squash_commit["parents"]] == [before_squash]
    assert squash_commit["message"] == (
        f"Add the squash files (#{heads['squash']['number']})\n\n* Change squash/one.txt\n\n* Change squash/two.txt"
    )

    before_rebase = branch_sha(api, "master")
    rebased = merge(api, heads["rebase"]["number"], merge_method="rebase")
    last = git_commit(api, rebased.json()["sha"])
    first = git_commit(api, last["parents"][0]["sha"])
    assert [first["message"], last["message"]] == ["Change rebase/one.txt", "Change rebase/two.txt"]
    assert [p["sha"] for p in first["parents"]] == [before_rebase]
    assert last["committer"]["name"] == "GitHub" and last["author"]["name"] == "dandi-sandbox-operator"

    assert branch_sha(api, "master") == rebased.json()["sha"]
    for method in ("merge", "squash", "rebase"):
        assert file_text(api, "master", f"{method}/two.txt") == "2\n"
        pull = api.get(f"{REPO}/pulls/{heads[method]['number']}").json()
        assert (pull["merged"], pull["state"]) == (True, "closed")
    assert api.get(f"{REPO}/pulls/{heads['rebase']['number']}").json()["merge_commit_sha"] == rebased.json()["sha"]


def test_a_conflicting_pull_request_is_dirty_and_its_merge_is_refused_with_405(api):
    branch_with(api, "readme-one", {"README.md": "# one\n"})
    branch_with(api, "readme-two", {"README.md": "# two\n"})
    first, second = open_pull(api, "readme-one", "One"), open_pull(api, "readme-two", "Two")
    assert (second["mergeable"], second["mergeable_state"]) == (True, "clean")
    assert merge(api, first["number"]).status_code == 200
    master = branch_sha(api, "master")

    conflicting = api.get(f"{REPO}/pulls/{second['number']}").json()
    assert (conflicting["mergeable"], conflicting["mergeable_state"], conflicting["rebaseable"]) == (
        False,
        "dirty",
        False,
    )
    for method in ("merge", "squash", "rebase"):
        refused = merge(api, second["number"], merge_method=method)
        assert refused.status_code == 405 and refused.json()["message"]
    assert branch_sha(api, "master") == master
    assert api.get(f"{REPO}/pulls/{second['number']}").json()["state"] == "open"


def test_a_merge_naming_a_stale_head_sha_is_refused_with_409(api):
    stale = branch_with(api, "moving", {"dandiapi/a.py": "A = 1\n"})
    pull = open_pull(api, "moving", "Moving head")
    put_file(api, "moving", "dandiapi/a.py", "A = 2\n", "Change it again")
    master = branch_sha(api, "master")

    refused = merge(api, pull["number"], sha=stale)
    assert refused.status_code == 409
    assert refused.json()["message"] == "Head branch was modified. Review and try the merge again."
    assert branch_sha(api, "master") == master
    assert merge(api, pull["number"], sha=branch_sha(api, "moving")).status_code == 200
    assert file_text(api, "master", "dandiapi/a.py") == "A = 2\n"


def test_a_pull_request_keeps_its_counts_head_sha_and_merge_commit_after_merging_and_deleting_its_branch(api):
    head = branch_with(api, "counted", {"dandiapi/one.py": "a\nb\n", "README.md": "# changed\n"})
    pull = open_pull(api, "counted", "Counted")
    assert (pull["commits"], pull["changed_files"], pull["additions"], pull["deletions"]) == (2, 2, 3, 1)
    test_merge = git_commit(api, pull["merge_commit_sha"])  # before merging: the test merge commit
    assert [p["sha"] for p in test_merge["parents"]] == [branch_sha(api, "master"), head]

    merged_sha = merge(api, pull["number"]).json()["sha"]
    assert api.delete(f"{REPO}/git/refs/heads/counted").status_code == 204
    after = api.get(f"{REPO}/pulls/{pull['number']}").json()
    assert after["head"]["sha"] == head
    assert after["merge_commit_sha"] == merged_sha
    assert (after["commits"], after["changed_files"], after["additions"], after["deletions"]) == (2, 2, 3, 1)
    assert after["merged_by"]["login"] == "dandi-sandbox-operator"


def test_deleting_its_head_branch_closes_an_open_pull_request(api):
    head = branch_with(api, "abandoned", {"dandiapi/x.py": "x\n"})
    pull = open_pull(api, "abandoned", "Abandoned")
    assert api.delete(f"{REPO}/git/refs/heads/abandoned").status_code == 204
    closed = api.get(f"{REPO}/pulls/{pull['number']}").json()
    assert (closed["state"], closed["merged"], closed["head"]["sha"]) == ("closed", False, head)
    assert merge(api, pull["number"]).status_code == 405


# --- pull requests and labels ------------------------------------------------------------------------


def test_a_pull_request_is_edited_closed_and_reopened_through_patch(api):
    branch_with(api, "editable", {"dandiapi/e.py": "e\n"})
    pull = open_pull(api, "editable", "Draft title")
    edited = api.patch(f"{REPO}/pulls/{pull['number']}", json={"title": "Final title", "body": "Ready"})
    assert edited.status_code == 200 and (edited.json()["title"], edited.json()["body"]) == ("Final title", "Ready")
    closed = api.patch(f"{REPO}/pulls/{pull['number']}", json={"state": "closed"}).json()
    assert (closed["state"], closed["merged"]) == ("closed", False) and closed["closed_at"]
    assert api.get(f"{REPO}/pulls", params={"state": "open"}).json() == []
    reopened = api.patch(f"{REPO}/pulls/{pull['number']}", json={"state": "open"}).json()
    assert (reopened["state"], reopened["closed_at"]) == ("open", None)
    bad = api.patch(f"{REPO}/pulls/{pull['number']}", json={"base": "no-such-branch"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "base"


def test_labels_are_created_found_without_regard_to_case_and_removed_from_a_pull_request(api):
    created = api.post(f"{REPO}/labels", json={"name": "Needs Review", "color": "FBCA04", "description": "Look"})
    assert created.status_code == 201 and created.json()["color"] == "FBCA04"
    assert api.post(f"{REPO}/labels", json={"name": "Bad", "color": "#fbca04"}).status_code == 422
    assert created.headers["Location"] == created.json()["url"]
    assert created.json()["url"].endswith(f"{REPO}/labels/Needs%20Review")
    again = api.post(f"{REPO}/labels", json={"name": "needs review"})
    assert again.status_code == 422 and again.json()["errors"][0]["code"] == "already_exists"
    assert api.get(f"{REPO}/labels/needs%20review").json()["name"] == "Needs Review"
    assert api.get(f"{REPO}/labels/missing").status_code == 404

    branch_with(api, "labelled", {"dandiapi/l.py": "l\n"})
    pull = open_pull(api, "labelled", "Labelled")
    api.post(f"{REPO}/issues/{pull['number']}/labels", json={"labels": ["release", "Needs Review"]})
    remaining = api.delete(f"{REPO}/issues/{pull['number']}/labels/needs%20review")
    assert remaining.status_code == 200 and [label["name"] for label in remaining.json()] == ["release"]
    missing = api.delete(f"{REPO}/issues/{pull['number']}/labels/needs%20review")
    assert missing.status_code == 404


# --- history: branches, commits, the git data API and contents agree ---------------------------------


def test_branches_commits_git_data_and_contents_read_the_same_history(api):
    written = put_file(api, "master", "docs/guide/clone.md", "# Our clone\n", "Describe the clone")
    sha = written["commit"]["sha"]
    assert branch_sha(api, "master") == sha
    assert api.get(f"{REPO}/git/ref/heads/master").json()["object"]["sha"] == sha
    assert "master" in [b["name"] for b in api.get(f"{REPO}/branches").json()]

    commit = api.get(f"{REPO}/commits/master").json()
    assert commit["sha"] == sha and commit["commit"]["message"] == "Describe the clone"
    assert [(f["filename"], f["status"], f["additions"]) for f in commit["files"]] == [
        ("docs/guide/clone.md", "added", 1)
    ]
    bare = api.get(f"{REPO}/commits/master", headers={"Accept": "application/vnd.github.sha"})
    assert bare.text == sha and bare.headers["Content-Type"].startswith("application/vnd.github.sha")
    assert api.get(f"{REPO}/commits/no-such-ref").status_code == 422

    tree_sha = git_commit(api, sha)["tree"]["sha"]
    assert commit["commit"]["tree"]["sha"] == tree_sha
    tree = {item["path"]: item for item in api.get(f"{REPO}/git/trees/{tree_sha}?recursive=1").json()["tree"]}
    blob_sha = tree["docs/guide/clone.md"]["sha"]
    assert blob_sha == written["content"]["sha"] == api.get(f"{REPO}/contents/docs/guide/clone.md").json()["sha"]
    assert base64.b64decode(api.get(f"{REPO}/git/blobs/{blob_sha}").json()["content"]) == b"# Our clone\n"
    [folder] = api.get(f"{REPO}/contents/docs").json()
    assert (folder["path"], folder["type"], folder["sha"]) == ("docs/guide", "dir", tree["docs/guide"]["sha"])


def test_git_data_writes_make_a_branch_the_contents_api_reads_and_refuse_workflow_edits_without_the_scope(api, github):
    master = branch_sha(api, "master")
    base_tree = git_commit(api, master)["tree"]["sha"]
    entries = [
        {"path": "docs/one.md", "mode": "100644", "type": "blob", "content": "one\n"},
        {"path": "docs/two.md", "mode": "100644", "type": "blob", "content": "two\n"},
        {"path": ".autorc", "mode": "100644", "type": "blob", "sha": None},
    ]
    tree = api.post(f"{REPO}/git/trees", json={"base_tree": base_tree, "tree": entries})
    assert tree.status_code == 201, tree.text
    top = {item["path"] for item in tree.json()["tree"]}
    assert "docs" in top and ".autorc" not in top
    commit = api.post(
        f"{REPO}/git/commits", json={"message": "Two files", "tree": tree.json()["sha"], "parents": [master]}
    )
    assert commit.status_code == 201, commit.text
    assert [p["sha"] for p in commit.json()["parents"]] == [master]
    assert commit.json()["author"]["email"] == github.state.noreply_email(github.state.login)
    assert branch_sha(api, "master") == master  # nothing moves until a ref does
    created = api.post(f"{REPO}/git/refs", json={"ref": "refs/heads/two-files", "sha": commit.json()["sha"]})
    assert created.status_code == 201, created.text
    assert (file_text(api, "two-files", "docs/one.md"), file_text(api, "two-files", "docs/two.md")) == (
        "one\n",
        "two\n",
    )
    assert file_text(api, "two-files", ".autorc") is None

    both = {"path": "x", "mode": "100644", "type": "blob", "sha": master, "content": "x"}
    assert api.post(f"{REPO}/git/trees", json={"tree": [both]}).status_code == 422
    unknown = {"message": "No tree", "tree": "0" * 40, "parents": [master]}
    assert api.post(f"{REPO}/git/commits", json=unknown).json()["message"] == "Tree SHA does not exist"

    github.state.tokens["ghp_repo_scope_only"] = {"repo"}  # a classic token without the workflow scope
    workflow = [{"path": ".github/workflows/extra.yml", "mode": "100644", "type": "blob", "content": "on: push\n"}]
    edited = api.post(f"{REPO}/git/trees", json={"base_tree": base_tree, "tree": workflow}).json()["sha"]
    edit = api.post(f"{REPO}/git/commits", json={"message": "CI", "tree": edited, "parents": [master]}).json()["sha"]
    headers = {"Authorization": "token ghp_repo_scope_only"}
    new_branch = api.post(f"{REPO}/git/refs", json={"ref": "refs/heads/ci", "sha": edit}, headers=headers)
    moved = api.patch(f"{REPO}/git/refs/heads/two-files", json={"sha": edit, "force": True}, headers=headers)
    for refused in (new_branch, moved):
        assert refused.status_code == 403, refused.text
        assert "without `workflow` scope" in refused.json()["message"]
    assert api.get(f"{REPO}/git/ref/heads/ci").status_code == 404


def test_moving_a_branch_through_the_git_refs_api_is_a_push_that_starts_its_workflows(api, github):
    master = branch_sha(api, "master")
    tree = git_commit(api, master)["tree"]["sha"]
    entries = [{"path": "dandiapi/moved.py", "mode": "100644", "type": "blob", "content": "MOVED = 1\n"}]
    changed = api.post(f"{REPO}/git/trees", json={"base_tree": tree, "tree": entries}).json()["sha"]
    commit = api.post(f"{REPO}/git/commits", json={"message": "Moved", "tree": changed, "parents": [master]})
    before = len(github.state.runs_of(github.repo, "backend-staging-deploy.yml"))

    moved = api.patch(f"{REPO}/git/refs/heads/master", json={"sha": commit.json()["sha"]})

    assert moved.status_code == 200, moved.text
    runs = github.state.runs_of(github.repo, "backend-staging-deploy.yml")
    assert len(runs) == before + 1  # staging deploys on a push to master, however the branch moved
    assert (runs[-1].event, runs[-1].head_sha) == ("push", commit.json()["sha"])


def test_contents_answer_the_raw_file_for_githubs_raw_media_types(api):
    for accept in ("application/vnd.github.raw+json", "application/vnd.github.raw", "application/vnd.github.v3.raw"):
        answer = api.get(f"{REPO}/contents/README.md", headers={"Accept": accept})
        assert answer.status_code == 200 and answer.content == b"# dandi-archive (sandbox fork)\n"
        assert answer.headers["Content-Type"].startswith("application/vnd.github.raw")
    as_json = api.get(f"{REPO}/contents/README.md").json()
    assert base64.b64decode(as_json["content"]) == b"# dandi-archive (sandbox fork)\n"
    folder = api.get(f"{REPO}/contents/.github/workflows", headers=RAW)
    assert folder.headers["Content-Type"] == "application/json" and isinstance(folder.json(), list)


# --- releases ----------------------------------------------------------------------------------------


def test_a_draft_release_has_no_tag_and_is_found_by_tag_only_once_published(api, github):
    draft = api.post(f"{REPO}/releases", json={"tag_name": "v0.2.0", "name": "v0.2.0", "draft": True})
    assert draft.status_code == 201 and draft.json()["draft"] is True
    assert draft.json()["published_at"] is None and "/releases/tag/untagged-" in draft.json()["html_url"]
    assert api.get(f"{REPO}/git/ref/tags/v0.2.0").status_code == 404
    assert api.get(f"{REPO}/releases/tags/v0.2.0").status_code == 404
    assert api.get(f"{REPO}/releases/{draft.json()['id']}").json()["draft"] is True
    runs_before = len(github.state.runs_of(github.repo, "backend-production-deploy.yml"))

    master = put_file(api, "master", "dandiapi/late.py", "LATE = 1\n", "A change after the draft")["commit"]["sha"]
    published = api.patch(f"{REPO}/releases/{draft.json()['id']}", json={"draft": False, "body": "Notes"})
    assert published.status_code == 200 and published.json()["draft"] is False and published.json()["published_at"]
    assert api.get(f"{REPO}/git/ref/tags/v0.2.0").json()["object"]["sha"] == master  # tagged when published
    assert api.get(f"{REPO}/releases/tags/v0.2.0").json()["body"] == "Notes"
    runs = github.state.runs_of(github.repo, "backend-production-deploy.yml")
    assert len(runs) == runs_before + 1 and runs[-1].head_sha == master  # "released" starts the deploy


# --- errors and reads without a token ---------------------------------------------------------------


def test_unknown_routes_and_methods_answer_githubs_json_not_found(api):
    for method, path in (("GET", "/no/such/route"), ("DELETE", "/rate_limit"), ("POST", f"{REPO}/branches")):
        answer = api.request(method, path)
        assert answer.status_code == 404 and answer.headers["Content-Type"] == "application/json"
        body = answer.json()
        assert (body["message"], body["status"]) == ("Not Found", "404") and body["documentation_url"]


def test_a_public_repository_is_read_without_a_token_under_the_anonymous_rate_limit(github):
    import httpx

    with httpx.Client(base_url=github.url) as anonymous:
        first = anonymous.get(f"{REPO}/contents/README.md")
        second = anonymous.get(REPO)
        assert first.status_code == second.status_code == 200
        assert first.headers["X-RateLimit-Limit"] == "60"
        assert int(second.headers["X-RateLimit-Remaining"]) == int(first.headers["X-RateLimit-Remaining"]) - 1
        assert "permissions" not in second.json()
        assert anonymous.get("/rate_limit").json()["rate"]["limit"] == 60
        for refused in (
            anonymous.get("/user"),
            anonymous.get(f"{REPO}/actions/secrets"),
            anonymous.post(f"{REPO}/labels", json={"name": "x"}),
        ):
            assert refused.status_code == 401 and refused.json()["message"] == "Requires authentication"
        bad = anonymous.get(REPO, headers={"Authorization": "token not-a-token"})
        assert bad.status_code == 401 and bad.json()["message"] == "Bad credentials"
        github.state.anonymous_rate.remaining = 0
        limited = anonymous.get(REPO)
        assert limited.status_code == 403 and limited.json()["message"].startswith("API rate limit exceeded for")
        assert anonymous.get(REPO, headers={"Authorization": f"token {github.token}"}).status_code == 200


# --- workflow runs -----------------------------------------------------------------------------------


def test_a_finished_runs_logs_redirect_to_a_short_lived_zip_of_its_jobs_and_steps(api, github):
    import httpx

    state, repo = github.state, github.repo
    state.script_next_run("failure", at_step="Build the source distribution")
    run = state.runs_of(repo, "backend-staging-deploy.yml")[-1]
    state.rerun(repo, run)
    assert api.get(f"{REPO}/actions/runs/{run.id}/logs").status_code == 404  # not finished yet
    state.finish(run)

    answer = api.get(f"{REPO}/actions/runs/{run.id}/logs")
    assert answer.status_code == 302 and answer.headers["Location"].startswith(github.url)
    archive = httpx.get(answer.headers["Location"])
    assert archive.status_code == 200 and archive.headers["Content-Type"] == "application/zip"
    files = zipfile.ZipFile(io.BytesIO(archive.content))
    assert "0_Deploy to staging.txt" in files.namelist()
    failed = files.read("Deploy to staging/6_Build the source distribution.txt").decode()
    assert "Run uv build --sdist" in failed and "##[error]Process completed with exit code 1." in failed
    assert not any(name.endswith("Deploy to Heroku.txt") for name in files.namelist())  # skipped: no log
    tampered = answer.headers["Location"].replace("signature=", "signature=0")
    assert httpx.get(tampered).status_code == 403


def test_a_held_run_let_go_from_the_control_route_ends_as_scripted(api, github):
    import httpx

    from dandiops.sandbox.github.state import RunPace

    state, repo = github.state, github.repo
    state.script_next_run("failure", hold=True, workflow="backend-staging-deploy.yml")
    put_file(api, "master", "dandiapi/held.py", "HELD = 1\n", "A change whose deploy is held")
    run = state.runs_of(repo, "backend-staging-deploy.yml")[-1]
    state.set_pace(RunPace(queue_seconds=0.01, step_seconds=0.01))
    assert state.wait_for(lambda: run.held)
    assert api.get(f"{REPO}/actions/runs/{run.id}").json()["status"] == "in_progress"

    release = f"{github.url}/_sandbox{REPO}/actions/runs/{run.id}/release"
    assert httpx.post(release).status_code == 200
    assert state.wait_for(lambda: run.status == "completed")
    assert api.get(f"{REPO}/actions/runs/{run.id}").json()["conclusion"] == "failure"
    again = httpx.post(release)
    assert again.status_code == 409 and "not held" in again.json()["message"]


def all_refs(api) -> dict[str, str]:
    return {
        ref["ref"]: ref["object"]["sha"]
        for kind in ("heads", "tags", "pull")
        for ref in api.get(f"{REPO}/git/matching-refs/{kind}").json()
    }


def test_a_reset_rolls_the_forks_history_back_to_the_seeded_one(api, sandbox):
    refs_before = all_refs(api)
    branch_with(api, "gone-after-reset", {"dandiapi/gone.py": "GONE = 1\n"})
    pull = open_pull(api, "gone-after-reset", "Gone after reset")
    merged = merge(api, pull["number"]).json()["sha"]

    assert "refs/pull/1/head" in all_refs(api)
    sandbox.reset()
    assert all_refs(api) == refs_before
    assert api.get(f"{REPO}/git/commits/{merged}").status_code == 404
    assert api.get(f"{REPO}/pulls", params={"state": "all"}).json() == []
    assert file_text(api, "master", "dandiapi/gone.py") is None
