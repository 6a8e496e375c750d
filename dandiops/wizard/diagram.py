"""The clone `dandiops init` builds, as a Mermaid flowchart GitHub renders.

Two parts: what the clone is made of (the Heroku app and its process types and add-ons, the S3
buckets, the GitHub fork and its workflows, the Netlify site, the DNS records) and the order init
builds it in. Given the outcome of a run, each part is marked done, pending, waiting on the
operator or failed, from the steps that make it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping, Sequence

from dandiops.steps.base import Status

if TYPE_CHECKING:
    from dandiops.core.settings import Environment

MARKS = {"done": "✓", "pending": "…", "waiting": "✋", "failed": "✗"}
CLASSES = (
    "classDef done fill:#d9f2d9,stroke:#2e7d32",
    "classDef pending fill:#fff4ce,stroke:#b08800",
    "classDef waiting fill:#e3ecfa,stroke:#1f5fbf",
    "classDef failed fill:#fbe0e0,stroke:#c62828",
)
_STATE_OF = {
    Status.OK: "done",
    Status.APPLIED: "done",
    Status.CONFIRMED: "done",
    Status.SKIPPED: "done",
    Status.UNAVAILABLE: "done",
    Status.PENDING: "pending",
    Status.MANUAL: "waiting",
    Status.FAILED: "failed",
}
_WORST_FIRST = ("failed", "waiting", "pending", "done")


@dataclass(frozen=True)
class Part:
    id: str
    group: str
    label: str
    steps: tuple[str, ...]  # the init steps that make or check it


def parts(env: "Environment | None") -> list[Part]:
    app = env.heroku_app if env else "the API's app"
    repo = (env.github_repo if env else None) or "fork of dandi-archive"
    api = _host(env.api_url) if env and env.api_url else "API domain"
    web = _host(env.web_url) if env and env.web_url else "web domain"
    bucket = (env.bucket if env else None) or "dandiset bucket"
    return [
        Part("app", "heroku", f"{app} (Django API)", ("infrastructure", "config-vars", "hosts")),
        Part("web", "heroku", "web: gunicorn", ("formation", "first-deploy")),
        Part("worker", "heroku", "worker: celery + beat", ("formation",)),
        Part("checksum", "heroku", "checksum-worker: celery", ("formation",)),
        Part("release", "heroku", "release: migrate", ("first-deploy",)),
        Part("postgres", "heroku", "Heroku Postgres + daily backups", ("infrastructure", "backups")),
        Part("amqp", "heroku", "CloudAMQP", ("infrastructure",)),
        Part("database", "heroku", "cache table, superuser, sign-in", ("cachetable", "superuser", "auth")),
        Part("bucket", "aws", f"S3 {bucket} + logs + inventory", ("aws",)),
        Part("iam", "aws", "IAM user for the app", ("aws",)),
        Part("ses", "aws", "SES sending domain", ("email",)),
        Part("fork", "github", f"{repo}", ("fork",)),
        Part("chain", "github", "release branch, label, Actions secrets", ("release-chain",)),
        Part("workflows", "github", "deploy workflows: staging on push, production on release", ("fork",)),
        Part("oauth", "github", "GitHub OAuth App (sign-in)", ("github-oauth-app",)),
        Part("site", "netlify", "Netlify site (web/)", ("frontend", "netlify-site")),
        Part("api_dns", "dns", f"{api} CNAME to Heroku", ("domain",)),
        Part("web_dns", "dns", f"{web} to Netlify", ("frontend", "netlify-site")),
    ]


GROUPS = {
    "github": "GitHub",
    "heroku": "Heroku",
    "aws": "AWS",
    "netlify": "Netlify",
    "dns": "DNS (created by the operator)",
}
# How the parts reach each other: deploys, storage, sign-in, names.
LINKS = (
    ("workflows", "app", "builds"),
    ("app", "bucket", "stores blobs"),
    ("app", "postgres", ""),
    ("app", "amqp", ""),
    ("app", "ses", "mails"),
    ("site", "app", "calls the API"),
    ("api_dns", "app", ""),
    ("web_dns", "site", ""),
    ("oauth", "app", "sign-in callback"),
)


def mermaid(env: "Environment | None", steps: Sequence[str], outcomes: Mapping[str, Status] | None = None) -> str:
    """The diagram; with outcomes (step name to status) each part and step is marked."""
    lines = ["flowchart LR"]
    present = set(steps)
    shown = [part for part in parts(env) if present.intersection(part.steps)]
    for group, title in GROUPS.items():
        members = [part for part in shown if part.group == group]
        if not members:
            continue
        lines.append(f'  subgraph {group}["{title}"]')
        for part in members:
            state = _state(part.steps, outcomes)
            lines.append(f"    {part.id}{_node(part.label, state)}")
        lines.append("  end")
    ids = {part.id for part in shown}
    for source, target, label in LINKS:
        if source in ids and target in ids:
            lines.append(f"  {source} -->|{label}| {target}" if label else f"  {source} --> {target}")
    lines.append('  subgraph order["init builds it in this order"]')
    lines.append("    direction TB")
    for index, name in enumerate(steps, start=1):
        lines.append(f"    step{index}{_node(f'{index}. {name}', _state((name,), outcomes))}")
    for index in range(1, len(steps)):
        lines.append(f"    step{index} --> step{index + 1}")
    lines.append("  end")
    if outcomes is not None:
        lines.extend(f"  {line}" for line in CLASSES)
    return "\n".join(lines) + "\n"


def _state(step_names: Sequence[str], outcomes: Mapping[str, Status] | None) -> str | None:
    if outcomes is None:
        return None
    states = {_STATE_OF.get(outcomes[name], "pending") for name in step_names if name in outcomes}
    return next((state for state in _WORST_FIRST if state in states), None)


def _node(label: str, state: str | None) -> str:
    text = label if state is None else f"{MARKS[state]} {label}"
    node = f'["{_quoted(text)}"]'
    return f"{node}:::{state}" if state else node


def _quoted(text: str) -> str:
    # Mermaid's quoted labels end at a double quote; #quot; is its escape for one
    return text.replace('"', "#quot;")


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).hostname or url
