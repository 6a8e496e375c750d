"""The Mermaid picture of the clone: every edge joins drawn nodes, parts carry their steps' state."""

from __future__ import annotations

import re

from dandiops.core.settings import Environment
from dandiops.steps.base import Status
from dandiops.wizard.diagram import mermaid
from dandiops.wizard.steps import STEP_NAMES

NODE = re.compile(r'^\s+(\w+)\["([^"]*)"\](?::::(\w+))?$')
EDGE = re.compile(r"^\s+(\w+) -->(?:\|[^|]*\|)? (\w+)$")
STAGING = Environment(
    name="staging",
    heroku_app="my-archive-api-staging",
    github_repo="my-org/dandi-archive",
    api_url="https://api.staging.example.org",
    web_url="https://staging.example.org",
    bucket="my-archive-staging-dandisets",
)


def nodes_and_edges(text: str) -> tuple[dict[str, tuple[str, str | None]], list[tuple[str, str]]]:
    nodes, edges = {}, []
    for line in text.splitlines():
        if found := NODE.match(line):
            assert found.group(1) not in nodes, f"node {found.group(1)} drawn twice"
            nodes[found.group(1)] = (found.group(2), found.group(3))
        elif found := EDGE.match(line):
            edges.append((found.group(1), found.group(2)))
    return nodes, edges


def test_the_picture_is_a_flowchart_whose_edges_join_drawn_nodes():
    text = mermaid(STAGING, STEP_NAMES)
    assert text.startswith("flowchart LR\n")
    assert text.count("subgraph") == text.count("  end")
    nodes, edges = nodes_and_edges(text)
    assert edges and all(a in nodes and b in nodes for a, b in edges)
    labels = [label for label, _ in nodes.values()]
    assert "my-archive-api-staging (Django API)" in labels
    assert "S3 my-archive-staging-dandisets + logs + inventory" in labels
    assert [label for label in labels if re.match(r"\d+\. ", label)] == [
        f"{n}. {name}" for n, name in enumerate(STEP_NAMES, start=1)
    ]


def test_each_part_shows_the_worst_state_of_its_steps():
    outcomes = {name: Status.OK for name in STEP_NAMES}
    outcomes |= {"superuser": Status.PENDING, "github-oauth-app": Status.MANUAL, "aws": Status.FAILED}
    nodes, _ = nodes_and_edges(mermaid(STAGING, STEP_NAMES, outcomes))
    assert nodes["app"] == ("✓ my-archive-api-staging (Django API)", "done")
    assert nodes["database"] == ("… cache table, superuser, sign-in", "pending")
    assert nodes["oauth"] == ("✋ GitHub OAuth App (sign-in)", "waiting")
    assert nodes["bucket"][1] == "failed"
    assert "classDef waiting" in mermaid(STAGING, STEP_NAMES, outcomes)


def test_a_label_cannot_end_its_quotes():
    odd = Environment(name="x", heroku_app="app", bucket='b"]; click app call evil()')
    text = mermaid(odd, ["aws"])
    assert "b#quot;]; click" in text and 'b"]' not in text


def test_the_readme_and_the_init_page_show_the_clone_init_builds():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    block = "```mermaid\n" + mermaid(None, STEP_NAMES) + "```\n"
    for page in ("README.md", "docs/init.md"):
        assert block in (root / page).read_text(), f"{page}: regenerate its diagram from wizard.diagram.mermaid"
