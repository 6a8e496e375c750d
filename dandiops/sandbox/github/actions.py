"""What the archive's workflow steps do when the stand-in runs them.

A step's `uses:` and `run:` decide its effect, so a fork's own workflow files drive the sandbox:
- `actions/checkout`: with a `token:` input, the token must be given (a missing secret is an empty
  string: "Input required and not supplied: token") and able to push to the repository; a `ref:`
  must name a branch, tag or commit the repository has ("A branch or tag with the name 'release'
  could not be found"). Either failure fails the step, as the action does.
- `heroku builds:create -a APP`: with the repository secret HEROKU_API_KEY accepted by the Heroku
  stand-in, a new release of APP (pending), whose release phase runs the Procfile's `release`
  command for real through the dyno executor; the release succeeds or fails by its exit status.
- `git push --force origin release`: the release branch moves to the run's commit.
- `auto shipit`: when the merged pull request carries the `release` label, the next version is
  tagged and released (which starts the production deploy), as intuit/auto does upstream. It works
  on the repository `.autorc` names (`owner`, `repo`; the run's own when it names none): one the
  stand-in does not hold, or another than the run's, fails the step as GitHub's 404 would.
"""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING

from dandiops.archive.workflows import HEROKU_BUILD
from dandiops.sandbox.github.state import GitHubState, Job, Run

if TYPE_CHECKING:
    from dandiops.sandbox.heroku.state import App, HerokuState, Release

_SEMVER = re.compile(r"^v(\d+)\.(\d+)\.(\d+)$")
_EXPRESSION = re.compile(r"\$\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}")
# What a token needs to push to a repository (classic scopes).
_PUSH_SCOPES = {"repo", "public_repo"}


class HerokuDeploys:
    """The `heroku builds:create` step against the Heroku stand-in in the same process."""

    def __init__(self, heroku: "HerokuState"):
        self.heroku = heroku
        self.release_threads: list[threading.Thread] = []

    def __call__(self, state: GitHubState, run: Run, job: Job, step) -> str | None:
        match = HEROKU_BUILD.search(step.run or "")
        if not match:
            return None
        key = state.open_secret(run.repo, "HEROKU_API_KEY")
        if key != self.heroku.api_key:
            return " ▸    Invalid credentials provided."
        app = self.heroku.find_app(match.group(1))
        if app is None:
            return " ▸    Couldn't find that app."
        release = self.heroku.create_release(
            app,
            f"Deploy {run.head_sha[:8]}",
            status="pending",
            commit=run.head_sha,
            user_email=state.open_secret(run.repo, "HEROKU_EMAIL"),
        )
        thread = threading.Thread(
            target=run_release_phase,
            args=(self.heroku, app, release),
            name=f"release-phase:{app.name}:v{release.version}",
            daemon=True,
        )
        self.release_threads.append(thread)
        thread.start()
        return None

    def wait(self, timeout: float = 60.0) -> None:
        for thread in list(self.release_threads):
            thread.join(timeout)


def run_release_phase(heroku: "HerokuState", app: "App", release: "Release") -> None:
    """Run the Procfile's release command in a release dyno; its exit status decides the release."""
    from dandiops.sandbox.dyno import database
    from dandiops.sandbox.dyno.executor import run_to_completion

    command = app.procfile.get("release")
    lines: list[str] = []

    def keep(line: str) -> None:
        lines.append(line)
        heroku.log(app, line, dyno="release.1")

    status = 0
    if command:
        heroku.log(app, f"Starting process with command `{command}`", source="heroku", dyno="release.1")
        try:
            database.ensure_migrated_before_release(app, release)
            status = run_to_completion(
                app, command, {"SOURCE_VERSION": release.commit or ""}, dyno_name="release.1", on_line=keep
            )
        except Exception as exc:  # the dyno could not start at all: the release fails, as on Heroku
            keep(f"release phase could not start: {exc}")
            status = 1
        heroku.log(app, f"Process exited with status {status}", source="heroku", dyno="release.1")
    heroku.settle_release(app, release, succeeded=status == 0, output=lines)


def expand(state: GitHubState, run: Run, text: str) -> str:
    """`text` with the expressions the archive's workflows use (`secrets.NAME`, `github.ref`, `github.sha`)
    put in as Actions does: a secret the repository lacks is an empty string; other expressions stay."""

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name.startswith("secrets."):
            return state.open_secret(run.repo, name.removeprefix("secrets.").upper()) or ""
        if name == "github.sha":
            return run.head_sha
        if name == "github.ref":
            return f"refs/heads/{run.head_branch}" if run.head_branch else run.head_sha
        return match.group(0)

    return _EXPRESSION.sub(value, text)


def checkout(state: GitHubState, run: Run, job: Job, step) -> str | None:
    """actions/checkout: its `token` must be given and reach the repository, its `ref` must exist."""
    if not (step.uses or "").startswith("actions/checkout@"):
        return None
    inputs = {key: expand(state, run, value) for key, value in step.inputs.items()}
    if "token" in inputs:
        token = inputs["token"].strip()
        if not token:
            return "Input required and not supplied: token"
        if not (_PUSH_SCOPES & (state.scopes(token) or set())):
            return f"fatal: Authentication failed for 'https://github.com/{run.repo.full_name}/'"
    ref = inputs.get("ref", "").strip()
    if ref and run.repo.resolve(ref) is None:
        return f"A branch or tag with the name '{ref}' could not be found"
    return None


def reset_release_branch(state: GitHubState, run: Run, job: Job, step) -> str | None:
    if "git push --force origin release" in (step.run or ""):
        state.set_branch(run.repo, "release", run.head_sha)
    return None


def auto_shipit(state: GitHubState, run: Run, job: Job, step) -> str | None:
    if "auto shipit" not in (step.run or "") or run.event != "push":
        return None
    repo = run.repo
    target = autorc_repository(repo, run.head_sha)
    if target.lower() != repo.full_name.lower():
        # auto releases the repository .autorc names, with the run's GH_TOKEN: not this fork's
        return f"HttpError: Not Found: .autorc names {target}, which GH_TOKEN cannot release"
    merged = next((p for p in repo.pulls.values() if p.merged and p.merge_commit_sha == run.head_sha), None)
    if merged is None or "release" not in merged.labels:
        return None  # onlyPublishWithReleaseLabel
    versions = [tuple(map(int, m.groups())) for r in repo.releases if (m := _SEMVER.match(r.tag_name))]
    major, minor, patch = max(versions, default=(0, 0, 0))
    if "major" in merged.labels:
        tag = f"v{major + 1}.0.0"
    elif "minor" in merged.labels:
        tag = f"v{major}.{minor + 1}.0"
    else:
        tag = f"v{major}.{minor}.{patch + 1}"
    sha = repo.branch_sha(repo.default_branch)
    assert sha is not None
    changelog = (repo.file(sha, "CHANGELOG.md") or b"").decode()
    entry = f"# {tag}\n\n- {merged.title} (#{merged.number})\n\n"
    commit = state.commit_files(
        repo,
        repo.default_branch,
        {"CHANGELOG.md": (entry + changelog).encode()},
        "Update CHANGELOG.md [skip ci]",
        author=("dandibot", "dandibot@mit.edu"),
    )
    state.create_release(repo, tag, target=commit.sha, name=tag, body=entry.strip(), author="dandibot")
    return None


def autorc_repository(repo, sha: str) -> str:
    """The OWNER/NAME `.autorc` at `sha` names (auto's `owner` and `repo`); the repository's own when it
    names none or cannot be read."""
    import json

    try:
        config = json.loads((repo.file(sha, ".autorc") or b"{}").decode())
    except (ValueError, UnicodeDecodeError):
        config = {}
    if not isinstance(config, dict):
        config = {}
    return f"{config.get('owner') or repo.owner}/{config.get('repo') or repo.name}"
