"""Replacing the web app's logo through a pull request on the environment's GitHub repository.

The file is validated (dandiops.archive.branding.validate_logo) before any request. Reads decide
what is left to do, so a re-run, or a run after an interrupted one, writes only what is missing:
nothing when the default branch already has the logo or an open pull request proposes it; a pull
request when the branch already holds the logo; a commit when the branch holds another one.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from dandiops.archive.branding import LOGO_PATH
from dandiops.core.errors import UsageError

if TYPE_CHECKING:
    from dandiops.app.context import Context

BRANCH_PREFIX = "dandiops/logo-"
USED_BY = ("web/src/components/AppBar/AppBar.vue", "web/src/views/HomeView/HomeView.vue")
# git check-ref-format, as it applies to a branch name given on the command line
_BAD_REF_CHARS = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]")


def blob_sha(data: bytes) -> str:
    """The sha git (and GitHub's contents API) gives a file with these bytes."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def default_branch_name(data: bytes) -> str:
    return BRANCH_PREFIX + blob_sha(data)[:8]


def validate_branch(name: str) -> str:
    problem = None
    if not name or len(name) > 200:
        problem = "it is empty or longer than 200 characters"
    elif _BAD_REF_CHARS.search(name):
        problem = "it contains a space, a control character or one of ~ ^ : ? * [ \\"
    elif name.startswith(("-", "/")) or name.endswith(("/", ".", ".lock")) or name == "@":
        problem = "it starts with - or /, or ends with /, . or .lock"
    elif ".." in name or "//" in name or "@{" in name or any(part.startswith(".") for part in name.split("/")):
        problem = "it contains .., //, @{ or a part starting with ."
    if problem:
        raise UsageError(
            f"--branch {name!r} is not a valid branch name: {problem}",
            hint=f"use letters, digits, - _ . and /, e.g. {BRANCH_PREFIX}new; nothing was changed",
        )
    return name


def view_box(data: bytes | None) -> str | None:
    """The root element's viewBox, or None when there is none or the file cannot be read safely."""
    if data is None:
        return None
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except Exception:  # the current logo was never validated by dandiops; it only loses its viewBox here
        return None
    return root.attrib.get("viewBox")


@dataclass
class LogoFile:
    size: int
    sha: str  # git blob sha
    view_box: str | None

    @classmethod
    def of(cls, data: bytes) -> "LogoFile":
        return cls(size=len(data), sha=blob_sha(data), view_box=view_box(data))

    def describe(self) -> str:
        box = f'viewBox "{self.view_box}"' if self.view_box else "no viewBox"
        return f"{self.size:,} bytes, sha {self.sha[:10]}, {box}"


@dataclass
class LogoPlan:
    """What the repository holds now and what is left to do; `actions` empty means nothing to write."""

    repo: str
    base: str  # the default branch the pull request targets
    branch: str
    new: LogoFile
    current: LogoFile | None  # None: the default branch has no logo file
    branch_exists: bool = False
    branch_file_sha: str | None = None  # the logo's blob sha on the branch, if the branch has one
    pull_number: int | None = None
    pull_url: str | None = None
    actions: list[str] = field(default_factory=list)  # left to do: create-branch, commit, open-pull-request
    done: list[str] = field(default_factory=list)  # what apply_logo did

    @property
    def in_place(self) -> bool:
        return self.current is not None and self.current.sha == self.new.sha

    @property
    def status(self) -> str:
        if self.in_place:
            return "in-place"
        if "open-pull-request" in self.done:
            return "opened"
        if self.done:
            return "updated"  # a new commit on the branch of an open pull request
        if not self.actions:
            return "proposed"
        return "pending"

    def to_dict(self) -> dict[str, Any]:
        return {
            "repo": self.repo,
            "base": self.base,
            "path": LOGO_PATH,
            "branch": self.branch,
            "current": asdict(self.current) if self.current else None,
            "new": asdict(self.new),
            "status": self.status,
            "actions": list(self.actions),
            "done": list(self.done),
            "pull_request": {"number": self.pull_number, "url": self.pull_url} if self.pull_url else None,
        }


def _read_logo(ctx: "Context", full_name: str, ref: str) -> tuple[bytes | None, str, int] | None:
    """(content, or None when too big to inline; blob sha; size) of the logo at `ref`, or None if absent."""
    found = ctx.github().find_file(full_name, LOGO_PATH, ref)
    if found is None:
        return None
    if found.kind != "file":
        raise UsageError(
            f"{LOGO_PATH} in {full_name} is a directory, not a file",
            hint="the web app expects an SVG file there; fix the repository first",
        )
    return found.content, found.sha, found.size


def plan_logo(ctx: "Context", data: bytes, *, branch: str | None = None) -> LogoPlan:
    """Read the repository and decide what is left to do (no writes)."""
    full_name = ctx.env.require("github_repo")
    client = ctx.github()
    base = client.default_branch(full_name)
    branch = branch or default_branch_name(data)
    if branch == base:
        raise UsageError(
            f"--branch {branch} is the default branch of {full_name}",
            hint="the logo is proposed through a pull request from another branch; pick another name",
        )
    current = _read_logo(ctx, full_name, base)
    current_file = None
    if current is not None:
        content, sha, size = current
        current_file = LogoFile(size=size, sha=sha, view_box=view_box(content))
    plan = LogoPlan(repo=full_name, base=base, branch=branch, new=LogoFile.of(data), current=current_file)
    if plan.in_place:
        return plan
    plan.branch_exists = client.ref_sha(full_name, f"heads/{branch}") is not None
    if plan.branch_exists:
        on_branch = _read_logo(ctx, full_name, branch)
        plan.branch_file_sha = on_branch[1] if on_branch else None
        pulls = client.open_pulls(full_name, head=branch, base=base)
        if pulls:
            plan.pull_number, plan.pull_url = pulls[0].number, pulls[0].html_url
    else:
        plan.actions.append("create-branch")
    if plan.branch_file_sha != plan.new.sha:
        plan.actions.append("commit")
    if plan.pull_url is None:
        plan.actions.append("open-pull-request")
    return plan


def _pull_body(plan: LogoPlan) -> str:
    def row(label: str, logo: LogoFile) -> str:
        return f"| {label} | {logo.size:,} B | `{logo.sha[:10]}` | {logo.view_box or '-'} |\n"

    used = " and ".join(f"`{path}`" for path in USED_BY)
    verb = "Replaces" if plan.current else "Adds"
    return (
        f"{verb} `{LOGO_PATH}`, the logo the web app shows in {used}.\n\n"
        "| | size | sha | viewBox |\n|---|---|---|---|\n"
        + (row("current", plan.current) if plan.current else "")
        + row("new", plan.new)
        + "\nThe new file was checked before it was committed: well-formed SVG, no scripts, no event "
        "handlers, no external references, at most 1 MiB.\n"
    )


def apply_logo(ctx: "Context", plan: LogoPlan, data: bytes) -> LogoPlan:
    """Do what the plan lists, in order; one audit line for the whole proposal."""
    client = ctx.github()
    full_name = plan.repo
    done = plan.done
    try:
        if "create-branch" in plan.actions:
            base_sha = client.ref_sha(full_name, f"heads/{plan.base}")
            if base_sha is None:
                raise UsageError(
                    f"the default branch {plan.base} of {full_name} has no commit",
                    hint="push a first commit to the repository",
                )
            client.create_branch(full_name, plan.branch, base_sha)
            done.append("create-branch")
        if "commit" in plan.actions:
            existing = plan.branch_file_sha if plan.branch_exists else (plan.current.sha if plan.current else None)
            message = f"{'Replace' if existing else 'Add'} the web app's logo ({LOGO_PATH})"
            client.update_file(
                full_name,
                LOGO_PATH,
                message=message,
                content=data,
                sha=existing or None,
                branch=plan.branch,
                what=f"committing {LOGO_PATH} on {plan.branch}",
            )
            done.append("commit")
        if "open-pull-request" in plan.actions:
            pull = client.create_pull(
                full_name,
                base=plan.base,
                head=plan.branch,
                title=f"{'Replace' if plan.current else 'Add'} the web app's logo",
                body=_pull_body(plan),
            )
            plan.pull_number, plan.pull_url = pull.number, pull.html_url
            done.append("open-pull-request")
    except Exception as exc:
        if done:
            ctx.record(
                "branding.logo",
                "failed",
                repo=full_name,
                branch=plan.branch,
                sha=plan.new.sha,
                done=done,
                error=getattr(exc, "message", type(exc).__name__),
            )
        raise
    ctx.record(
        "branding.logo",
        repo=full_name,
        branch=plan.branch,
        base=plan.base,
        sha=plan.new.sha,
        done=done,
        pull_request=plan.pull_url,
    )
    plan.actions = []
    return plan
