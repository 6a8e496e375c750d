"""Editing a workflow file: workflow_dispatch added and the Heroku app renamed, comments and layout kept."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from dandiops.archive.workflows import (
    WorkflowError,
    add_dispatch_trigger,
    heroku_deploy_targets,
    parse,
    set_heroku_app,
)
from dandiops.sandbox.github import upstream

JOBS = "jobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n"


def test_a_flow_list_of_triggers_with_a_comment_gains_workflow_dispatch_and_stays_valid():
    text = "name: Deploy\non: [push, release]  # deploys on both\n" + JOBS
    edited = add_dispatch_trigger(text)
    assert list(parse(edited).triggers) == ["push", "release", "workflow_dispatch"]
    assert "# deploys on both" in edited
    assert edited.replace("[push, release, workflow_dispatch]", "[push, release]").replace(" #", "  #") == text


def test_a_single_trigger_becomes_a_list_on_its_line():
    edited = add_dispatch_trigger("on: push  # only pushes\n" + JOBS)
    assert edited.startswith("on: [push, workflow_dispatch]")
    assert "# only pushes" in edited
    assert list(parse(edited).triggers) == ["push", "workflow_dispatch"]


def test_the_upstream_staging_workflow_gains_one_line_inside_its_triggers():
    text = upstream.files()[upstream.STAGING_WORKFLOW].decode()
    edited = add_dispatch_trigger(text)
    lines = edited.splitlines()
    added = lines.index("  workflow_dispatch:")
    assert lines[:added] + lines[added + 1 :] == text.splitlines()
    assert lines[added - 1] == "      - CHANGELOG.md" and lines[added + 1] == ""  # the blank line stays after `on:`
    assert parse(edited).runs_on_push("master", ["dandiapi/x.py"])
    assert add_dispatch_trigger(edited) == edited


def test_comments_after_the_last_trigger_stay_after_it():
    text = "on:\n  push:\n    branches: [master]  # the default branch\n\n# jobs follow\njobs: {}\n"
    edited = add_dispatch_trigger(text)
    assert edited == (
        "on:\n  push:\n    branches: [master]  # the default branch\n  workflow_dispatch:\n\n# jobs follow\njobs: {}\n"
    )


def test_a_workflow_without_triggers_is_refused():
    with pytest.raises(WorkflowError, match="no top-level `on:`"):
        add_dispatch_trigger(JOBS)
    with pytest.raises(WorkflowError, match="invalid YAML"):
        add_dispatch_trigger("on: [push\n")


def test_renaming_the_heroku_app_keeps_a_block_script_and_its_comment():
    text = (
        "on: push\njobs:\n  deploy:\n    steps:\n      # build, then deploy\n      - run: |\n"
        "          uv build --sdist\n          heroku builds:create -a old-app --source-tar dist/x.tar.gz  # keep\n"
    )
    edited = set_heroku_app(text, "new-app")
    assert edited == text.replace("-a old-app", "-a new-app")
    assert set_heroku_app(edited, "new-app") == edited


def test_every_build_in_a_workflow_is_renamed():
    text = upstream.files()[upstream.PRODUCTION_WORKFLOW].decode()
    edited = set_heroku_app(text, "my-dandi-api")
    assert heroku_deploy_targets(parse(edited)) == ["my-dandi-api"]
    assert [line for line in edited.splitlines() if line not in text.splitlines()] == [
        "        run: heroku builds:create -a my-dandi-api --source-tar dist/*.tar.gz"
    ]


def test_a_workflow_that_builds_no_heroku_app_is_refused():
    with pytest.raises(WorkflowError, match="builds:create"):
        set_heroku_app("on: push\n" + JOBS, "my-app")


# --- property: any shape of `on:` ------------------------------------------------------------------
TRIGGERS = st.lists(
    st.sampled_from(["push", "pull_request", "release", "schedule", "workflow_call", "merge_group"]),
    min_size=1,
    max_size=4,
    unique=True,
)
COMMENT = st.one_of(st.just(""), st.from_regex(r"[a-z ]{1,12}", fullmatch=True).map(lambda text: f"  # {text}"))


@st.composite
def workflows(draw) -> str:
    triggers = draw(TRIGGERS)
    shape = draw(st.sampled_from(["scalar", "flow", "block list", "block map", "flow map"]))
    comment = draw(COMMENT)
    if shape == "scalar":
        on = f"on: {triggers[0]}{comment}\n"
    elif shape == "flow":
        on = f"on: [{', '.join(triggers)}]{comment}\n"
    elif shape == "block list":
        on = f"on:{comment}\n" + "".join(f"  - {name}\n" for name in triggers)
    elif shape == "flow map":
        on = "on: {" + ", ".join(f"{name}: {{}}" for name in triggers) + "}" + comment + "\n"
    else:
        on = f"on:{comment}\n" + "".join(
            f"  {name}:\n    branches: [master]\n" if draw(st.booleans()) else f"  {name}:\n" for name in triggers
        )
    trailer = draw(st.sampled_from(["", "\n", "\n# jobs\n", "  # after\n"]))
    return f"name: Generated\n{on}{trailer}{JOBS}"


@settings(max_examples=60)
@given(workflows())
def test_workflow_dispatch_is_added_to_any_trigger_shape_keeping_the_rest(text):
    before = parse(text)
    edited = add_dispatch_trigger(text)
    after = parse(edited)
    assert list(after.triggers) == [*before.triggers, "workflow_dispatch"]
    assert {key: value for key, value in after.triggers.items() if key != "workflow_dispatch"} == before.triggers
    assert yaml.safe_load(edited)["jobs"] == yaml.safe_load(text)["jobs"]
    for line in text.splitlines():
        if "#" in line:
            assert line.split("#", 1)[1] in edited  # every comment survives
    assert add_dispatch_trigger(edited) == edited
