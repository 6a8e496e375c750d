"""A fork of dandi-archive as the sandbox's GitHub repository, prepared for the sandbox's clone.

Its deployment files are upstream's (dandiops/sandbox/github/upstream: staging deploys on push to
master, production when a GitHub release is released, `release.yml` runs `auto shipit`, which
publishes a release only when the merged pull request carries the `release` label) with the edits
`dandiops init`'s fork step makes (dandiops/archive/fork.py): the deploy workflows build the Heroku
stand-in's apps, `.autorc` names this repository, the web app's settings point at the sandbox's
API. So the seeded fork is what `init` would leave, made by the same code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from dandiops.archive.workflows import add_dispatch_trigger
from dandiops.sandbox.github import upstream
from dandiops.sandbox.github.state import GitHubState, Repo, RunPace

if TYPE_CHECKING:
    from dandiops.archive.fork import ForkTarget

OWNER = "dandi-sandbox"
NAME = "dandi-archive"
FULL_NAME = f"{OWNER}/{NAME}"
STAGING_WORKFLOW = upstream.STAGING_WORKFLOW
PRODUCTION_WORKFLOW = upstream.PRODUCTION_WORKFLOW
RELEASE_WORKFLOW = upstream.RELEASE_WORKFLOW

LOGO = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 3341 1341">'
    b'<rect width="3341" height="1341" fill="#2f4f7f"/><text x="200" y="900" font-size="700" '
    b'fill="#fff">DANDI</text></svg>\n'
)

# the labels `auto` uses, by name: colour and description
LABELS = {
    "release": ("007f70", "Create a release when this pr is merged"),
    "major": ("c5000b", "Increment the major version when merged"),
    "minor": ("f1a60e", "Increment the minor version when merged"),
    "patch": ("870048", "Increment the patch version when merged"),
    "internal": ("696969", "Changes only affect the internal API"),
    "documentation": ("cfd3d7", "Changes only affect the documentation"),
}


def files(targets: Iterable["ForkTarget"]) -> dict[str, bytes]:
    """Upstream's files as each environment's fork pull request leaves them, and a few of the archive's own."""
    from dandiops.archive.fork import edit_fork

    fork = {path: content.decode() for path, content in upstream.files().items()}
    for target in targets:
        fork.update(edit_fork(fork, target))
    return {
        **{path: text.encode() for path, text in fork.items()},
        "manage.py": b"#!/usr/bin/env python\nimport os\nimport sys\n\nif __name__ == '__main__':\n"
        b"    os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'dandiapi.settings.development')\n"
        b"    from django.core.management import execute_from_command_line\n\n"
        b"    execute_from_command_line(sys.argv)\n",
        "dandiapi/__init__.py": b"",
        "CHANGELOG.md": b"# v0.1.0\n\n- First release of the sandbox fork\n",
        "web/src/assets/logo.svg": LOGO,
        "README.md": b"# dandi-archive (sandbox fork)\n",
    }


def unmodified_fork(state: GitHubState) -> Repo:
    """The fork as GitHub makes it from upstream with "copy the default branch only": upstream's files in
    one commit on master, no other branch, no labels, no secrets, no releases, no runs."""
    return state.add_repo(
        OWNER,
        NAME,
        files(()),
        "Initial import of dandi-archive",
        description="DANDI Archive: sandbox fork",
    )


def seed(
    state: GitHubState,
    *,
    targets: Iterable["ForkTarget"],
    secrets: dict[str, str] | None = None,
) -> Repo:
    """The fork with history: v0.1.0 released, one finished staging and production deploy each."""
    repo = state.add_repo(
        OWNER,
        NAME,
        files(targets),
        "Initial import of dandi-archive",
        description="DANDI Archive: sandbox fork",
    )
    with state.lock:
        for name, (color, description) in LABELS.items():
            state.ensure_label(repo, name, color, description)
        head = repo.branch_sha(repo.default_branch)
        assert head is not None
        state.set_branch(repo, "release", head)
        for name, value in (secrets or {}).items():
            state.put_secret(repo, name, state.seal(value), state.key_id)
        paused, state.pace = state.pace, RunPace(None, None)
        try:
            # History as a fork would have it: the tag released and deployed, master deployed.
            state.create_release(repo, "v0.1.0", target=head, name="v0.1.0", body="First release")
            for run in list(repo.runs.values()):
                state.finish(run)
            state.commit_files(
                repo,
                repo.default_branch,
                {"CHANGELOG.md": b"# v0.1.0\n\n- First release\n- Sandbox settings\n"},
                "Describe the sandbox fork",
                push_event=False,
            )
            state._create_run(
                repo,
                STAGING_WORKFLOW,
                _spec(repo, STAGING_WORKFLOW),
                event="push",
                head_branch=repo.default_branch,
                head_sha=repo.branch_sha(repo.default_branch) or head,
                title="Describe the sandbox fork",
            )
            for run in list(repo.runs.values()):
                state.finish(run)
        finally:
            state.pace = paused
    return repo


def _spec(repo: Repo, path: str):
    from dandiops.archive.workflows import parse

    sha = repo.branch_sha(repo.default_branch)
    assert sha is not None
    content = repo.file(sha, path)
    assert content is not None
    return parse(content.decode(), path=path)


def set_staging_dispatch(state: GitHubState, repo: Repo, enabled: bool = True) -> None:
    """Give the staging workflow a workflow_dispatch trigger (or remove it) on the default branch.

    The commit says [skip ci], so, as on GitHub, it starts no workflow run.
    """
    sha = repo.branch_sha(repo.default_branch)
    assert sha is not None
    current = (repo.file(sha, STAGING_WORKFLOW) or b"").decode()
    if enabled:
        updated = add_dispatch_trigger(current)
    else:
        updated = "".join(line for line in current.splitlines(keepends=True) if line.strip() != "workflow_dispatch:")
    if updated != current:
        state.commit_files(
            repo,
            repo.default_branch,
            {STAGING_WORKFLOW: updated.encode()},
            f"{'Allow' if enabled else 'Disallow'} manual staging deploys [skip ci]",
        )
