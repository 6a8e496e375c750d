"""State objects rendered as the GitHub REST API renders them.

Shapes follow GitHub's OpenAPI description (the tests check them against `@octokit/openapi`).
Every URL is built from the stand-in's own base URL: PyGithub refuses URLs on another host, and
a clone's operator should never be sent to github.com by the sandbox. Web pages (`html_url`) live
under the same base, the way GitHub Enterprise Server serves both from one host.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import quote

from dandiops.sandbox.github.git import Commit, Entry, FileChange, Person
from dandiops.sandbox.github.state import (
    WEB_FLOW,
    GhRelease,
    GitHubState,
    Job,
    Label,
    Pull,
    RateLimit,
    Repo,
    Run,
    Secret,
    Workflow,
)

EPOCH = "2024-01-01T00:00:00Z"


def _node_id(kind: str, ident: int | str) -> str:
    return base64.b64encode(f"{kind}:{ident}".encode()).decode().rstrip("=")


def user(base: str, login: str, user_id: int = 583231, kind: str = "User") -> dict:
    api = f"{base}/users/{login}"
    return {
        "login": login,
        "id": user_id,
        "node_id": _node_id(kind, user_id),
        "avatar_url": f"{base}/avatars/{login}",
        "gravatar_id": "",
        "url": api,
        "html_url": f"{base}/{login}",
        "followers_url": f"{api}/followers",
        "following_url": f"{api}/following{{/other_user}}",
        "gists_url": f"{api}/gists{{/gist_id}}",
        "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{api}/subscriptions",
        "organizations_url": f"{api}/orgs",
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events{{/privacy}}",
        "received_events_url": f"{api}/received_events",
        "type": kind,
        "site_admin": False,
        "user_view_type": "public",
    }


def account(base: str, state: GitHubState) -> dict:
    """The authenticated user (GET /user), as a public user."""
    return {
        **user(base, state.login, state.user_id),
        "name": "Sandbox Operator",
        "company": None,
        "blog": "",
        "location": None,
        "email": None,
        "hireable": None,
        "bio": None,
        "twitter_username": None,
        "public_repos": len(state.repos),
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "created_at": EPOCH,
        "updated_at": EPOCH,
    }


def repository(base: str, state: GitHubState, repo: Repo) -> dict:
    api = f"{base}/repos/{repo.full_name}"
    html = f"{base}/{repo.full_name}"
    open_pulls = sum(1 for p in repo.pulls.values() if p.state == "open")
    return {
        "id": repo.id,
        "node_id": _node_id("Repository", repo.id),
        "name": repo.name,
        "full_name": repo.full_name,
        "private": repo.private,
        "owner": user(base, repo.owner, 9001, "Organization"),
        "html_url": html,
        "description": repo.description,
        "fork": False,
        "url": api,
        "forks_url": f"{api}/forks",
        "keys_url": f"{api}/keys{{/key_id}}",
        "collaborators_url": f"{api}/collaborators{{/collaborator}}",
        "teams_url": f"{api}/teams",
        "hooks_url": f"{api}/hooks",
        "issue_events_url": f"{api}/issues/events{{/number}}",
        "events_url": f"{api}/events",
        "assignees_url": f"{api}/assignees{{/user}}",
        "branches_url": f"{api}/branches{{/branch}}",
        "tags_url": f"{api}/tags",
        "blobs_url": f"{api}/git/blobs{{/sha}}",
        "git_tags_url": f"{api}/git/tags{{/sha}}",
        "git_refs_url": f"{api}/git/refs{{/sha}}",
        "trees_url": f"{api}/git/trees{{/sha}}",
        "statuses_url": f"{api}/statuses/{{sha}}",
        "languages_url": f"{api}/languages",
        "stargazers_url": f"{api}/stargazers",
        "contributors_url": f"{api}/contributors",
        "subscribers_url": f"{api}/subscribers",
        "subscription_url": f"{api}/subscription",
        "commits_url": f"{api}/commits{{/sha}}",
        "git_commits_url": f"{api}/git/commits{{/sha}}",
        "comments_url": f"{api}/comments{{/number}}",
        "issue_comment_url": f"{api}/issues/comments{{/number}}",
        "contents_url": f"{api}/contents/{{+path}}",
        "compare_url": f"{api}/compare/{{base}}...{{head}}",
        "merges_url": f"{api}/merges",
        "archive_url": f"{api}/{{archive_format}}{{/ref}}",
        "downloads_url": f"{api}/downloads",
        "issues_url": f"{api}/issues{{/number}}",
        "pulls_url": f"{api}/pulls{{/number}}",
        "milestones_url": f"{api}/milestones{{/number}}",
        "notifications_url": f"{api}/notifications{{?since,all,participating}}",
        "labels_url": f"{api}/labels{{/name}}",
        "releases_url": f"{api}/releases{{/id}}",
        "deployments_url": f"{api}/deployments",
        "created_at": repo.created_at,
        "updated_at": repo.updated_at,
        "pushed_at": repo.pushed_at,
        "git_url": f"{base.replace('http', 'git', 1)}/{repo.full_name}.git",
        "ssh_url": f"{base.replace('http', 'ssh', 1)}/{repo.full_name}.git",
        "clone_url": f"{html}.git",
        "svn_url": html,
        "homepage": None,
        "size": 10240,
        "stargazers_count": 0,
        "watchers_count": 0,
        "language": "Python",
        "has_issues": True,
        "has_projects": False,
        "has_downloads": True,
        "has_wiki": False,
        "has_pages": False,
        "has_discussions": False,
        "forks_count": 0,
        "mirror_url": None,
        "archived": False,
        "disabled": False,
        "open_issues_count": open_pulls,
        "license": None,
        "allow_forking": True,
        "is_template": False,
        "web_commit_signoff_required": False,
        "topics": [],
        "visibility": "private" if repo.private else "public",
        "forks": 0,
        "open_issues": open_pulls,
        "watchers": 0,
        "default_branch": repo.default_branch,
        "permissions": {"admin": True, "maintain": True, "push": True, "triage": True, "pull": True},
        "network_count": 0,
        "subscribers_count": 1,
    }


def workflow(base: str, repo: Repo, item: Workflow) -> dict:
    api = f"{base}/repos/{repo.full_name}/actions/workflows/{item.id}"
    return {
        "id": item.id,
        "node_id": _node_id("Workflow", item.id),
        "name": item.name,
        "path": item.path,
        "state": "active",
        "created_at": item.created_at,
        "updated_at": item.updated_at,
        "url": api,
        "html_url": f"{base}/{repo.full_name}/blob/{repo.default_branch}/{item.path}",
        "badge_url": f"{base}/{repo.full_name}/workflows/{item.name.replace(' ', '%20')}/badge.svg",
    }


def _minimal_repo(base: str, state: GitHubState, repo: Repo) -> dict:
    body = repository(base, state, repo)
    return body


def _commit_summary(commit: Commit) -> dict:
    return {
        "id": commit.sha,
        "tree_id": commit.tree_sha,
        "message": commit.message,
        "timestamp": commit.committer.date,
        "author": {"name": commit.author.name, "email": commit.author.email},
        "committer": {"name": commit.committer.name, "email": commit.committer.email},
    }


def run(base: str, state: GitHubState, item: Run) -> dict:
    repo = item.repo
    api = f"{base}/repos/{repo.full_name}/actions/runs/{item.id}"
    commit = repo.commits[item.head_sha]
    repo_body = _minimal_repo(base, state, repo)
    return {
        "id": item.id,
        "name": item.workflow.name,
        "node_id": _node_id("WorkflowRun", item.id),
        "head_branch": item.head_branch,
        "head_sha": item.head_sha,
        "path": item.workflow.path,
        "display_title": item.display_title,
        "run_number": item.run_number,
        "event": item.event,
        "status": item.status,
        "conclusion": item.conclusion,
        "workflow_id": item.workflow.id,
        "check_suite_id": item.id + 1,
        "check_suite_node_id": _node_id("CheckSuite", item.id + 1),
        "url": api,
        "html_url": f"{base}/{repo.full_name}/actions/runs/{item.id}",
        "pull_requests": [],
        "created_at": item.created_at,
        "updated_at": item.updated_at,
        "actor": user(base, item.actor, state.user_id),
        "triggering_actor": user(base, item.actor, state.user_id),
        "run_attempt": item.run_attempt,
        "referenced_workflows": [],
        "run_started_at": item.run_started_at or item.created_at,
        "jobs_url": f"{api}/jobs",
        "logs_url": f"{api}/logs",
        "check_suite_url": f"{base}/repos/{repo.full_name}/check-suites/{item.id + 1}",
        "artifacts_url": f"{api}/artifacts",
        "cancel_url": f"{api}/cancel",
        "rerun_url": f"{api}/rerun",
        "previous_attempt_url": f"{api}/attempts/{item.run_attempt - 1}" if item.run_attempt > 1 else None,
        "workflow_url": f"{base}/repos/{repo.full_name}/actions/workflows/{item.workflow.id}",
        "head_commit": _commit_summary(commit),
        "repository": repo_body,
        "head_repository": repo_body,
    }


def job(base: str, state: GitHubState, item_run: Run, item: Job) -> dict:
    repo = item_run.repo
    return {
        "id": item.id,
        "run_id": item_run.id,
        "workflow_name": item_run.workflow.name,
        "head_branch": item_run.head_branch,
        "run_url": f"{base}/repos/{repo.full_name}/actions/runs/{item_run.id}",
        "run_attempt": item.run_attempt,
        "node_id": _node_id("CheckRun", item.id),
        "head_sha": item_run.head_sha,
        "url": f"{base}/repos/{repo.full_name}/actions/jobs/{item.id}",
        "html_url": f"{base}/{repo.full_name}/actions/runs/{item_run.id}/job/{item.id}",
        "status": item.status,
        "conclusion": item.conclusion,
        "created_at": item.created_at,
        "started_at": item.started_at or item.created_at,
        "completed_at": item.completed_at,
        "name": item.name,
        "steps": [
            {
                "name": s.name,
                "status": s.status,
                "conclusion": s.conclusion,
                "number": s.number,
                "started_at": s.started_at,
                "completed_at": s.completed_at,
            }
            for s in item.steps
        ],
        "check_run_url": f"{base}/repos/{repo.full_name}/check-runs/{item.id}",
        "labels": ["ubuntu-latest"],
        "runner_id": 1 if item.runner_name else None,
        "runner_name": item.runner_name,
        "runner_group_id": 1 if item.runner_name else None,
        "runner_group_name": "GitHub Actions" if item.runner_name else None,
    }


def label(base: str, repo: Repo, item: Label) -> dict:
    return {
        "id": item.id,
        "node_id": _node_id("Label", item.id),
        "url": f"{base}/repos/{repo.full_name}/labels/{quote(item.name)}",
        "name": item.name,
        "description": item.description,
        "color": item.color,
        "default": item.default,
    }


def release(base: str, state: GitHubState, repo: Repo, item: GhRelease) -> dict:
    api = f"{base}/repos/{repo.full_name}/releases/{item.id}"
    # a draft has no tag yet: its page is an "untagged" one and there is no archive of it
    page = f"untagged-{hashlib.sha1(str(item.id).encode()).hexdigest()[:20]}" if item.draft else item.tag_name
    archives = {} if item.draft else archive_urls(base, repo, item.tag_name)
    return {
        "url": api,
        "html_url": f"{base}/{repo.full_name}/releases/tag/{page}",
        "assets_url": f"{api}/assets",
        "upload_url": f"{api}/assets{{?name,label}}",
        "tarball_url": archives.get("tarball_url"),
        "zipball_url": archives.get("zipball_url"),
        "id": item.id,
        "node_id": _node_id("Release", item.id),
        "tag_name": item.tag_name,
        "target_commitish": item.target_commitish,
        "name": item.name,
        "body": item.body,
        "draft": item.draft,
        "prerelease": item.prerelease,
        "immutable": False,
        "created_at": item.created_at,
        "published_at": item.published_at,
        "updated_at": item.published_at or item.created_at,
        "author": user(base, item.author, state.user_id),
        "assets": [],
    }


def archive_urls(base: str, repo: Repo, ref: str) -> dict[str, str]:
    return {f"{kind}_url": f"{base}/repos/{repo.full_name}/{kind}/{ref}" for kind in ("tarball", "zipball")}


def tag(base: str, repo: Repo, name: str, sha: str) -> dict:
    return {
        "name": name,
        "node_id": _node_id("Ref", name),
        "commit": _commit_link(base, repo, sha),
        **archive_urls(base, repo, f"refs/tags/{name}"),
    }


def _commit_link(base: str, repo: Repo, sha: str) -> dict[str, str]:
    return {"sha": sha, "url": f"{base}/repos/{repo.full_name}/commits/{sha}"}


def git_ref(base: str, repo: Repo, ref: str, sha: str, kind: str = "commit") -> dict:
    return {
        "ref": ref,
        "node_id": _node_id("Ref", ref),
        "url": f"{base}/repos/{repo.full_name}/git/{ref}",
        "object": {"type": kind, "sha": sha, "url": f"{base}/repos/{repo.full_name}/git/{kind}s/{sha}"},
    }


def short_branch(base: str, repo: Repo, name: str, sha: str) -> dict:
    return {"name": name, "commit": _commit_link(base, repo, sha), "protected": False}


def branch(base: str, repo: Repo, name: str, head: dict) -> dict:
    """A branch with its `head` commit (as `commit` renders it)."""
    api = f"{base}/repos/{repo.full_name}/branches/{name}"
    return {
        "name": name,
        "commit": head,
        "_links": {"self": api, "html": f"{base}/{repo.full_name}/tree/{name}"},
        "protected": False,
        "protection": {
            "enabled": False,
            "required_status_checks": {"enforcement_level": "off", "contexts": [], "checks": []},
        },
        "protection_url": f"{api}/protection",
    }


UNSIGNED = {"verified": False, "reason": "unsigned", "signature": None, "payload": None, "verified_at": None}


def _git_person(person: Person) -> dict:
    return {"name": person.name, "email": person.email, "date": person.date}


def _parents(base: str, repo: Repo, item: Commit) -> list[dict]:
    return [
        {**_commit_link(base, repo, sha), "html_url": f"{base}/{repo.full_name}/commit/{sha}"} for sha in item.parents
    ]


def git_commit(base: str, repo: Repo, item: Commit) -> dict:
    """A commit as the git data API shows it (GET /git/commits/{sha}, and in a contents write's answer)."""
    api = f"{base}/repos/{repo.full_name}"
    return {
        "sha": item.sha,
        "node_id": _node_id("Commit", item.sha),
        "url": f"{api}/git/commits/{item.sha}",
        "html_url": f"{base}/{repo.full_name}/commit/{item.sha}",
        "author": _git_person(item.author),
        "committer": _git_person(item.committer),
        "message": item.message,
        "tree": {"sha": item.tree_sha, "url": f"{api}/git/trees/{item.tree_sha}"},
        "parents": [{**link, "url": f"{api}/git/commits/{link['sha']}"} for link in _parents(base, repo, item)],
        "verification": UNSIGNED,
    }


WEB_FLOW_ID = 19864447  # the account GitHub commits its merge button's commits as


def _account_of(base: str, state: GitHubState, person: Person) -> dict | None:
    """The GitHub account a commit's email belongs to (the token's user, or GitHub's web-flow); None for
    an email no account here has, as GitHub answers."""
    if person.email == state.noreply_email(state.login):
        return user(base, state.login, state.user_id)
    if (person.name, person.email) == WEB_FLOW:
        return user(base, "web-flow", WEB_FLOW_ID)
    return None


def commit(base: str, state: GitHubState, repo: Repo, item: Commit, changes: list[FileChange]) -> dict:
    """A commit as the commits API shows it (GET /commits/{ref}): with its files changed against its first parent."""
    api = f"{base}/repos/{repo.full_name}"
    files = [
        {
            "sha": change.sha,
            "filename": change.path,
            "status": change.status,
            "additions": change.additions,
            "deletions": change.deletions,
            "changes": change.additions + change.deletions,
            "blob_url": f"{base}/{repo.full_name}/blob/{item.sha}/{change.path}",
            "raw_url": f"{base}/{repo.full_name}/raw/{item.sha}/{change.path}",
            "contents_url": f"{api}/contents/{change.path}?ref={item.sha}",
        }
        for change in changes
    ]
    additions = sum(change.additions for change in changes)
    deletions = sum(change.deletions for change in changes)
    return {
        "url": f"{api}/commits/{item.sha}",
        "sha": item.sha,
        "node_id": _node_id("Commit", item.sha),
        "html_url": f"{base}/{repo.full_name}/commit/{item.sha}",
        "comments_url": f"{api}/commits/{item.sha}/comments",
        "commit": {
            "url": f"{api}/git/commits/{item.sha}",
            "author": _git_person(item.author),
            "committer": _git_person(item.committer),
            "message": item.message,
            "comment_count": 0,
            "tree": {"sha": item.tree_sha, "url": f"{api}/git/trees/{item.tree_sha}"},
            "verification": UNSIGNED,
        },
        "author": _account_of(base, state, item.author),
        "committer": _account_of(base, state, item.committer),
        "parents": _parents(base, repo, item),
        "stats": {"additions": additions, "deletions": deletions, "total": additions + deletions},
        "files": files,
    }


def git_tree(base: str, repo: Repo, sha: str, entries: dict[str, Entry], *, recursive: bool) -> dict:
    api = f"{base}/repos/{repo.full_name}/git"
    listed = []
    for path, entry in sorted(entries.items()):
        if not recursive and "/" in path:
            continue
        item: dict[str, Any] = {"path": path, "mode": entry.mode, "type": entry.kind, "sha": entry.sha}
        if entry.kind == "blob":
            item["size"] = entry.size
        listed.append({**item, "url": f"{api}/{entry.kind}s/{entry.sha}"})
    return {"sha": sha, "url": f"{api}/trees/{sha}", "tree": listed, "truncated": False}


def git_blob(base: str, repo: Repo, sha: str, content: bytes) -> dict:
    return {
        "sha": sha,
        "node_id": _node_id("Blob", sha),
        "size": len(content),
        "url": f"{base}/repos/{repo.full_name}/git/blobs/{sha}",
        "content": _base64_lines(content),
        "encoding": "base64",
    }


def _base64_lines(content: bytes) -> str:
    """Base64 in lines of 60 characters, as GitHub sends file contents."""
    encoded = base64.b64encode(content).decode()
    return "\n".join(encoded[i : i + 60] for i in range(0, len(encoded), 60)) + "\n"


def _content_links(base: str, repo: Repo, path: str, sha: str, ref: str) -> dict[str, Any]:
    api = f"{base}/repos/{repo.full_name}/contents/{path}?ref={ref}"
    return {
        "url": api,
        "git_url": f"{base}/repos/{repo.full_name}/git/blobs/{sha}",
        "html_url": f"{base}/{repo.full_name}/blob/{ref}/{path}",
        "download_url": f"{base}/{repo.full_name}/raw/{ref}/{path}",
    }


def content_file(base: str, repo: Repo, path: str, content: bytes, sha: str, ref: str) -> dict:
    links = _content_links(base, repo, path, sha, ref)
    return {
        "type": "file",
        "encoding": "base64",
        "size": len(content),
        "name": path.rsplit("/", 1)[-1],
        "path": path,
        "content": _base64_lines(content),
        "sha": sha,
        **links,
        "_links": {"self": links["url"], "git": links["git_url"], "html": links["html_url"]},
    }


def content_entry(base: str, repo: Repo, path: str, kind: str, sha: str, size: int, ref: str) -> dict:
    links = _content_links(base, repo, path, sha, ref)
    if kind == "dir":
        links["download_url"] = None
    return {
        "type": kind,
        "size": size,
        "name": path.rsplit("/", 1)[-1],
        "path": path,
        "sha": sha,
        **links,
        "_links": {"self": links["url"], "git": links["git_url"], "html": links["html_url"]},
    }


def file_commit(base: str, repo: Repo, path: str, size: int, sha: str, item: Commit, branch: str) -> dict:
    links = _content_links(base, repo, path, sha, branch)
    return {
        "content": {
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "sha": sha,
            "size": size,
            **links,
            "type": "file",
            "_links": {"self": links["url"], "git": links["git_url"], "html": links["html_url"]},
        },
        "commit": git_commit(base, repo, item),
    }


def pull(base: str, state: GitHubState, repo: Repo, item: Pull, *, full: bool = True) -> dict:
    api = f"{base}/repos/{repo.full_name}"
    html = f"{base}/{repo.full_name}/pull/{item.number}"
    repo_body = repository(base, state, repo)
    author = user(base, item.user, state.user_id)

    # a pull request's repositories have the `repository` shape, without the full repository's counters
    repo_body = {k: v for k, v in repo_body.items() if k not in ("network_count", "subscribers_count")}

    def side(ref: str, sha: str) -> dict:
        return {
            "label": f"{repo.owner}:{ref}",
            "ref": ref,
            "sha": sha,
            "user": user(base, repo.owner, 9001, "Organization"),
            "repo": repo_body,
        }

    body = {
        "url": f"{api}/pulls/{item.number}",
        "id": item.id,
        "node_id": _node_id("PullRequest", item.id),
        "html_url": html,
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "issue_url": f"{api}/issues/{item.number}",
        "commits_url": f"{api}/pulls/{item.number}/commits",
        "review_comments_url": f"{api}/pulls/{item.number}/comments",
        "review_comment_url": f"{api}/pulls/comments{{/number}}",
        "comments_url": f"{api}/issues/{item.number}/comments",
        "statuses_url": f"{api}/statuses/{item.head_sha}",
        "number": item.number,
        "state": item.state,
        "locked": False,
        "title": item.title,
        "user": author,
        "body": item.body,
        "labels": [label(base, repo, repo.labels[name]) for name in item.labels],
        "milestone": None,
        "active_lock_reason": None,
        "created_at": item.created_at,
        "updated_at": item.updated_at,
        "closed_at": item.closed_at,
        "merged_at": item.merged_at,
        "merge_commit_sha": item.merge_commit_sha,
        "assignee": None,
        "assignees": [],
        "requested_reviewers": [],
        "requested_teams": [],
        "head": side(item.head_ref, item.head_sha),
        "base": side(item.base_ref, item.base_sha),
        "_links": {
            "self": {"href": f"{api}/pulls/{item.number}"},
            "html": {"href": html},
            "issue": {"href": f"{api}/issues/{item.number}"},
            "comments": {"href": f"{api}/issues/{item.number}/comments"},
            "review_comments": {"href": f"{api}/pulls/{item.number}/comments"},
            "review_comment": {"href": f"{api}/pulls/comments{{/number}}"},
            "commits": {"href": f"{api}/pulls/{item.number}/commits"},
            "statuses": {"href": f"{api}/statuses/{item.head_sha}"},
        },
        "author_association": "MEMBER",
        "auto_merge": None,
        "draft": False,
    }
    if full:
        comparison = item.comparison
        # whether it merges is only worked out while it is open; GitHub says "unknown" afterwards
        checked = comparison if item.state == "open" else None
        body.update(
            {
                "merged": item.merged,
                "mergeable": None if checked is None else checked.mergeable,
                "rebaseable": None if checked is None else checked.rebaseable,
                "mergeable_state": "unknown" if checked is None else "clean" if checked.mergeable else "dirty",
                "merged_by": user(base, item.merged_by, state.user_id) if item.merged_by else None,
                "comments": 0,
                "review_comments": 0,
                "maintainer_can_modify": item.maintainer_can_modify,
                "commits": comparison.commits if comparison else 0,
                "additions": comparison.additions if comparison else 0,
                "deletions": comparison.deletions if comparison else 0,
                "changed_files": comparison.changed_files if comparison else 0,
            }
        )
    return body


def secret(item: Secret) -> dict:
    return {"name": item.name, "created_at": item.created_at, "updated_at": item.updated_at}


def rate_limit(rate: RateLimit, *, anonymous: bool) -> dict:
    """GET /rate_limit for the caller: the token's limits, or an anonymous caller's (no GraphQL at all)."""
    core = {"limit": rate.limit, "remaining": max(rate.remaining, 0), "reset": rate.reset, "used": rate.used}

    def idle(limit: int) -> dict:
        return {"limit": limit, "remaining": limit, "reset": rate.reset, "used": 0}

    search, graphql = (10, 0) if anonymous else (30, 5000)
    return {"resources": {"core": core, "search": idle(search), "graphql": idle(graphql)}, "rate": core}


def run_logs(item: Run) -> dict[str, str]:
    """A finished run's log archive as GitHub lays it out: `<n>_<job>.txt` with the whole job, and
    `<job>/<n>_<step>.txt` for each step that ran. What a step printed is what the stand-in knows of it:
    the command it ran and, when it failed, why."""
    files: dict[str, str] = {}
    for index, job_item in enumerate(item.jobs):
        spec_job = next((j for j in item.spec.jobs if j.key == job_item.key), None)
        whole = []
        for step in job_item.steps:
            if step.started_at is None:
                continue  # skipped: it printed nothing
            lines = _step_log_lines(job_item, step, spec_job.steps if spec_job else ())
            stamped = "".join(f"{step.started_at} {line}\n" for line in lines)
            files[f"{_log_name(job_item.name)}/{step.number}_{_log_name(step.name)}.txt"] = stamped
            whole.append(stamped)
        files[f"{index}_{_log_name(job_item.name)}.txt"] = "".join(whole)
    return files


def _step_log_lines(job_item: Job, step: Any, spec_steps: tuple) -> list[str]:
    if step.number == 1:
        return [
            "Current runner version: '2.320.0'",
            f"Runner name: '{job_item.runner_name}'",
            "Job is about to start running",
        ]
    if step.number == len(job_item.steps):
        return ["Cleaning up orphan processes"]
    spec_step = spec_steps[step.number - 2] if 0 <= step.number - 2 < len(spec_steps) else None
    command = (spec_step.run or spec_step.uses or "") if spec_step is not None else ""
    first, *rest = command.strip().splitlines() or [step.name]
    lines = [f"##[group]Run {first}", *rest, "##[endgroup]"]
    if step.failure:
        lines.append(f"##[error]{step.failure.strip()}")
    return lines


def _log_name(name: str) -> str:
    """A job's or step's name as a file name in the archive (GitHub drops what a path cannot hold)."""
    return "".join(c for c in name if c not in '/\\:*?"<>|').strip() or "step"
