"""`dandiops branding logo` over the GitHub stand-in: PyGithub really talks to it, its state is read back."""

from __future__ import annotations

import subprocess
import tomllib

import pytest
import tomli_w

LOGO_PATH = "web/src/assets/logo.svg"
NEW_LOGO = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 160"><rect width="400" height="160" '
    b'fill="#123456"/><circle cx="80" cy="80" r="60" fill="#fc0"/></svg>\n'
)
OTHER_LOGO = NEW_LOGO.replace(b"#fc0", b"#0cf")


def write(tmp_path, data: bytes, name: str = "logo.svg") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def on_branch(repo, branch: str) -> bytes | None:
    sha = repo.branch_sha(branch)
    return None if sha is None else repo.file(sha, LOGO_PATH)


def blob(data: bytes) -> str:
    """The file's git blob id, as git itself names it."""
    return (
        subprocess.run(["git", "hash-object", "--stdin"], input=data, capture_output=True, check=True)
        .stdout.decode()
        .strip()
    )


def test_opens_a_pull_request_that_replaces_the_logo(cli, tmp_path, gh_state, repo, audit_lines):
    master_before = repo.branch_sha("master")
    old_logo = on_branch(repo, "master")
    result = cli("branding", "logo", write(tmp_path, NEW_LOGO), "-e", "staging", "--json")
    assert result.exit_code == 0, result
    data = result.json()
    branch = f"dandiops/logo-{blob(NEW_LOGO)[:8]}"
    assert (data["status"], data["changed"], data["branch"], data["base"]) == ("opened", True, branch, "master")
    assert data["done"] == ["create-branch", "commit", "open-pull-request"]
    assert data["current"] == {"size": len(old_logo), "sha": blob(old_logo), "view_box": "0 0 3341 1341"}
    assert data["new"] == {"size": len(NEW_LOGO), "sha": blob(NEW_LOGO), "view_box": "0 0 400 160"}

    assert on_branch(repo, branch) == NEW_LOGO
    assert repo.branch_sha("master") == master_before and on_branch(repo, "master") == old_logo
    [pull] = repo.pulls.values()
    assert (pull.state, pull.head_ref, pull.base_ref) == ("open", branch, "master")
    assert data["pull_request"]["number"] == pull.number
    assert data["pull_request"]["url"].endswith(f"/dandi-sandbox/dandi-archive/pull/{pull.number}")
    assert f"| new | {len(NEW_LOGO):,} B | `{blob(NEW_LOGO)[:10]}` | 0 0 400 160 |" in pull.body
    assert f"| current | {len(old_logo):,} B |" in pull.body and "AppBar.vue" in pull.body
    commit = repo.commits[repo.branch_sha(branch)]
    assert commit.message == f"Replace the web app's logo ({LOGO_PATH})"
    assert commit.parents == [master_before]
    assert [(w.method, w.path.rsplit("/", 1)[-1]) for w in gh_state.writes()] == [
        ("POST", "refs"),
        ("PUT", "logo.svg"),
        ("POST", "pulls"),
    ]
    [line] = audit_lines()
    assert (line["action"], line["result"], line["detail"]["pull_request"]) == (
        "branding.logo",
        "ok",
        data["pull_request"]["url"],
    )


def test_human_output_prints_the_pull_request_url(cli, tmp_path, repo):
    result = cli("branding", "logo", write(tmp_path, NEW_LOGO), "-e", "staging")
    assert result.exit_code == 0, result
    [pull] = repo.pulls.values()
    assert "pull request: http://127.0.0.1:" in result.stdout
    assert result.stdout.rstrip().endswith(f"/dandi-sandbox/dandi-archive/pull/{pull.number}")
    assert f"opened pull request #{pull.number}" in result.stderr


def test_running_again_with_the_same_file_changes_nothing(cli, tmp_path, gh_state, repo, audit_lines):
    logo = write(tmp_path, NEW_LOGO)
    first = cli("branding", "logo", logo, "-e", "staging", "--json")
    assert first.exit_code == 0, first
    writes = len(gh_state.writes())
    again = cli("branding", "logo", logo, "-e", "staging", "--json")
    assert again.exit_code == 0, again
    assert (again.json()["status"], again.json()["changed"]) == ("proposed", False)
    assert again.json()["pull_request"] == first.json()["pull_request"]
    assert "an open pull request already proposes this logo" in again.stderr
    assert len(gh_state.writes()) == writes and len(repo.pulls) == 1
    assert len(audit_lines()) == 1


def test_the_logo_already_on_the_default_branch_is_left_alone(cli, tmp_path, gh_state, repo):
    current = on_branch(repo, "master")
    result = cli("branding", "logo", write(tmp_path, current), "-e", "staging", "--json")
    assert result.exit_code == 0, result
    assert (result.json()["status"], result.json()["changed"]) == ("in-place", False)
    assert "already in place on dandi-sandbox/dandi-archive (master)" in result.stderr
    assert gh_state.writes() == [] and repo.pulls == {}


def test_a_repository_without_a_logo_gets_one_added(cli, tmp_path, gh_state, repo):
    gh_state.commit_files(repo, "master", {LOGO_PATH: None}, "Drop the logo [skip ci]")
    result = cli("branding", "logo", write(tmp_path, NEW_LOGO), "-e", "staging", "--json")
    assert result.exit_code == 0, result
    assert (result.json()["status"], result.json()["current"]) == ("opened", None)
    branch = result.json()["branch"]
    assert on_branch(repo, branch) == NEW_LOGO and on_branch(repo, "master") is None
    [pull] = repo.pulls.values()
    assert pull.title == "Add the web app's logo" and pull.body.startswith(f"Adds `{LOGO_PATH}`")
    assert repo.commits[repo.branch_sha(branch)].message == f"Add the web app's logo ({LOGO_PATH})"


def test_dry_run_names_the_app_shows_the_difference_and_writes_nothing(cli, tmp_path, gh_state, repo, audit_lines):
    result = cli("branding", "logo", write(tmp_path, NEW_LOGO), "-e", "staging", "--dry-run")
    assert result.exit_code == 0, result
    assert (
        "dry run of opening a pull request that replaces the logo: environment staging, app "
        "dandi-sandbox-api-staging" in result.stderr
    )
    old = on_branch(repo, "master")
    assert f'current: {len(old):,} bytes, sha {blob(old)[:10]}, viewBox "0 0 3341 1341"' in result.stdout
    assert f'new:     {len(NEW_LOGO):,} bytes, sha {blob(NEW_LOGO)[:10]}, viewBox "0 0 400 160"' in result.stdout
    assert "would create branch dandiops/logo-" in result.stderr and "then open a pull request" in result.stderr
    assert gh_state.writes() == [] and audit_lines() == []


def test_a_new_file_on_an_existing_branch_is_committed_to_its_open_pull_request(cli, tmp_path, gh_state, repo):
    first = cli("branding", "logo", write(tmp_path, NEW_LOGO), "-e", "staging", "--branch", "brand/new-logo")
    assert first.exit_code == 0, first
    writes = len(gh_state.writes())
    second = cli(
        "branding",
        "logo",
        write(tmp_path, OTHER_LOGO, "other.svg"),
        "-e",
        "staging",
        "--branch",
        "brand/new-logo",
        "--json",
    )
    assert second.exit_code == 0, second
    assert (second.json()["status"], second.json()["done"]) == ("updated", ["commit"])
    assert on_branch(repo, "brand/new-logo") == OTHER_LOGO and len(repo.pulls) == 1
    assert [w.method for w in gh_state.writes()[writes:]] == ["PUT"]


def test_an_interrupted_run_is_finished_by_the_next_one(cli, tmp_path, gh_state, repo, audit_lines):
    gh_state.inject_fault(502, methods={"POST"}, path_prefix="/repos/dandi-sandbox/dandi-archive/pulls")
    logo = write(tmp_path, NEW_LOGO)
    failed = cli("branding", "logo", logo, "-e", "staging")
    assert failed.exit_code == 9, failed
    assert "the write was not retried" in failed.stderr
    assert repo.pulls == {} and on_branch(repo, f"dandiops/logo-{blob(NEW_LOGO)[:8]}") == NEW_LOGO
    assert audit_lines()[-1]["result"] == "failed"
    assert audit_lines()[-1]["detail"]["done"] == ["create-branch", "commit"]
    writes = len(gh_state.writes())
    resumed = cli("branding", "logo", logo, "-e", "staging", "--json")
    assert resumed.exit_code == 0, resumed
    assert resumed.json()["done"] == ["open-pull-request"]
    assert [w.path.rsplit("/", 1)[-1] for w in gh_state.writes()[writes:]] == ["pulls"]
    assert len(repo.pulls) == 1


def test_production_asks_for_confirmation_before_writing(cli, tmp_path, gh_state, repo):
    logo = write(tmp_path, NEW_LOGO)
    refused = cli("branding", "logo", logo, "-e", "production")
    assert refused.exit_code == 2, refused
    assert "pass --yes" in refused.stderr and gh_state.writes() == []
    confirmed = cli("branding", "logo", logo, "-e", "production", "--yes")
    assert confirmed.exit_code == 0, confirmed
    assert len(repo.pulls) == 1


# --- bad input: nothing is asked of GitHub, or at least nothing is written ------------------------
@pytest.mark.parametrize(
    "data, says",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is not UTF-8 text"),
        (b"<html><body>logo</body></html>", "not an SVG image"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>', "<script> element"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><rect onclick="steal()"/></svg>', "event attribute onclick="),
        (NEW_LOGO[:-7] + b"<!--" + b"x" * (1024 * 1024) + b"--></svg>\n", "a logo may be at most 1,048,576 bytes"),
        (
            NEW_LOGO[:-7] + b'<use href="#r"><set attributeName="href" to="javascript:alert(1)"/></use></svg>\n',
            "<set> element",
        ),
        (
            NEW_LOGO[:-7] + b'<rect id="r"><animate attributeName="fill" to="red" dur="1s"/></rect></svg>\n',
            "<animate> element",
        ),
        (
            NEW_LOGO[:-7] + b'<form xmlns="http://www.w3.org/1999/xhtml" action="https://evil.example/"/></svg>\n',
            "<form> element from the namespace http://www.w3.org/1999/xhtml",
        ),
        (
            NEW_LOGO[:-7] + b"<style>rect{fill:\\75 rl(https://evil.example/p.svg#p)}</style></svg>\n",
            "loads 'https://evil.example/p.svg#p' through url() in a <style> element",
        ),
    ],
)
def test_unacceptable_files_are_refused_before_any_request(cli, tmp_path, gh_state, data, says):
    result = cli("branding", "logo", write(tmp_path, data, "candidate.svg"), "-e", "staging")
    assert result.exit_code == 2, result
    assert says in result.stderr and "hint:" in result.stderr
    assert gh_state.requests == []


def test_a_missing_file(cli, tmp_path, gh_state):
    result = cli("branding", "logo", str(tmp_path / "nope.svg"), "-e", "staging")
    assert result.exit_code == 2, result
    assert "does not exist" in result.stderr
    assert gh_state.requests == []


@pytest.mark.parametrize("branch", ["has space", "-leading", "ends.lock", "a..b", "x~1", "trailing/"])
def test_malformed_branch_names(cli, tmp_path, gh_state, branch):
    result = cli("branding", "logo", write(tmp_path, NEW_LOGO), "-e", "staging", "--branch", branch)
    assert result.exit_code == 2, result
    assert "is not a valid branch name" in result.stderr
    assert gh_state.requests == []


def test_the_default_branch_cannot_be_the_branch(cli, tmp_path, gh_state):
    result = cli("branding", "logo", write(tmp_path, NEW_LOGO), "-e", "staging", "--branch", "master")
    assert result.exit_code == 2, result
    assert "--branch master is the default branch of dandi-sandbox/dandi-archive" in result.stderr
    assert gh_state.writes() == []


def test_a_repository_that_does_not_exist(cli, sandbox, tmp_path, gh_state):
    data = tomllib.loads(sandbox.config_path.read_text())
    data["environments"]["staging"]["github_repo"] = "dandi-sandbox/no-such-archive"
    config = tmp_path / "other.toml"
    config.write_text(tomli_w.dumps(data))
    result = cli("branding", "logo", write(tmp_path, NEW_LOGO), "-e", "staging", env={"DANDIOPS_CONFIG": str(config)})
    assert result.exit_code == 5, result
    assert "dandi-sandbox/no-such-archive" in result.stderr and "github_repo" in result.stderr
    assert gh_state.writes() == []


def test_a_rejected_token(cli, tmp_path, gh_state):
    result = cli(
        "branding", "logo", write(tmp_path, NEW_LOGO), "-e", "staging", env={"GITHUB_TOKEN": "ghp_" + "0" * 36}
    )
    assert result.exit_code == 4, result
    assert "GitHub rejected the token" in result.stderr and "GITHUB_TOKEN" in result.stderr
    assert "ghp_" + "0" * 36 not in result.stdout + result.stderr
    assert gh_state.writes() == []


def test_no_token_at_all(cli, tmp_path, gh_state):
    result = cli("branding", "logo", write(tmp_path, NEW_LOGO), "-e", "staging", env={"GITHUB_TOKEN": ""})
    assert result.exit_code == 3, result
    assert "no GitHub token" in result.stderr
    assert gh_state.requests == []
