"""The archive's GitHub Actions workflow files, read the way GitHub reads them.

What a workflow is triggered by (push with branches/paths-ignore, release types, workflow_dispatch),
its concurrency group, and its jobs and steps (names as GitHub shows them) all come from the YAML.
`dandiops release` uses this to choose how to trigger a deploy; the GitHub stand-in uses it so its
runs follow whatever file the repository holds.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Any

import yaml


@dataclass(frozen=True)
class StepSpec:
    name: str
    run: str | None = None
    uses: str | None = None


@dataclass(frozen=True)
class JobSpec:
    key: str
    name: str
    steps: tuple[StepSpec, ...]
    needs: tuple[str, ...] = ()


@dataclass(frozen=True)
class WorkflowSpec:
    name: str
    triggers: dict[str, Any]
    jobs: tuple[JobSpec, ...]
    concurrency_group: str | None = None
    cancel_in_progress: bool = False
    env: dict[str, str] = field(default_factory=dict)

    def has_trigger(self, event: str) -> bool:
        return event in self.triggers

    def runs_on_push(self, branch: str, changed_paths: list[str] | None) -> bool:
        if "push" not in self.triggers:
            return False
        config = self.triggers["push"] or {}
        branches = config.get("branches")
        if branches is not None and not any(fnmatch.fnmatchcase(branch, pattern) for pattern in _list(branches)):
            return False
        ignored = _list(config.get("paths-ignore"))
        if ignored and changed_paths is not None and changed_paths:
            # a push runs the workflow unless every changed path is ignored
            if all(any(_path_matches(path, pattern) for pattern in ignored) for path in changed_paths):
                return False
        return True

    def runs_on_release(self, action: str) -> bool:
        if "release" not in self.triggers:
            return False
        types = _list((self.triggers["release"] or {}).get("types"))
        return not types or action in types

    def commands(self) -> list[str]:
        return [step.run for job in self.jobs for step in job.steps if step.run]


class WorkflowError(ValueError):
    pass


def parse(text: str, *, path: str = "workflow.yml") -> WorkflowSpec:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise WorkflowError(f"{path}: invalid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise WorkflowError(f"{path}: a workflow must be a mapping")
    # YAML 1.1 reads the bare key `on` as the boolean true
    raw_on = data.get("on", data.get(True))
    triggers = normalise_triggers(raw_on)
    jobs = []
    for key, job in (data.get("jobs") or {}).items():
        if not isinstance(job, dict):
            continue
        steps = []
        for index, step in enumerate(job.get("steps") or [], start=1):
            if not isinstance(step, dict):
                continue
            steps.append(StepSpec(name=_step_name(step, index), run=step.get("run"), uses=step.get("uses")))
        needs = job.get("needs") or ()
        jobs.append(
            JobSpec(key=str(key), name=str(job.get("name") or key), steps=tuple(steps), needs=tuple(_list(needs)))
        )
    concurrency = data.get("concurrency")
    group, cancel = None, False
    if isinstance(concurrency, str):
        group = concurrency
    elif isinstance(concurrency, dict):
        group = concurrency.get("group")
        cancel = bool(concurrency.get("cancel-in-progress", False))
    return WorkflowSpec(
        name=str(data.get("name") or path),
        triggers=triggers,
        jobs=tuple(jobs),
        concurrency_group=group,
        cancel_in_progress=cancel,
        env=dict(data.get("env") or {}),
    )


def normalise_triggers(raw: Any) -> dict[str, Any]:
    if raw is None:
        return {}
    if isinstance(raw, str):
        return {raw: None}
    if isinstance(raw, list):
        return {str(item): None for item in raw}
    if isinstance(raw, dict):
        return {str(key): value for key, value in raw.items()}
    return {}


def _step_name(step: dict, index: int) -> str:
    if step.get("name"):
        return str(step["name"])
    if step.get("uses"):
        return f"Run {step['uses']}"
    run = str(step.get("run") or "").strip().splitlines()
    return f"Run {run[0]}" if run else f"Step {index}"


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(item) for item in value]


def _path_matches(path: str, pattern: str) -> bool:
    if pattern.endswith("/**"):
        return path.startswith(pattern[:-3] + "/")
    return fnmatch.fnmatchcase(path, pattern)


HEROKU_BUILD = re.compile(r"heroku\s+builds:create\b.*?(?:-a|--app)[ =]([A-Za-z0-9-]+)")


def heroku_deploy_target(spec: WorkflowSpec) -> str | None:
    """The Heroku app a deploy workflow builds (`heroku builds:create -a APP`), if it is one."""
    for command in spec.commands():
        match = HEROKU_BUILD.search(command)
        if match:
            return match.group(1)
    return None


def is_auto_shipit(spec: WorkflowSpec) -> bool:
    return any("auto shipit" in command for command in spec.commands())


def add_dispatch_trigger(text: str) -> str:
    """The same workflow text with `workflow_dispatch:` added to its triggers, formatting kept.

    Returns the text unchanged when the trigger is already there.
    """
    spec = parse(text)
    if spec.has_trigger("workflow_dispatch"):
        return text
    lines = text.splitlines(keepends=True)
    for index, line in enumerate(lines):
        match = re.match(r"^(['\"]?on['\"]?):\s*(.*?)\s*$", line.rstrip("\n"))
        if not match:
            continue
        inline = match.group(2)
        if inline and not inline.startswith("#"):
            # `on: push` or `on: [push, release]`: rewrite as a mapping
            names = [name.strip() for name in inline.strip("[]").split(",") if name.strip()]
            block = "".join(f"  {name}:\n" for name in names) + "  workflow_dispatch:\n"
            lines[index] = "on:\n" + block
            return "".join(lines)
        indent = "  "
        for following in lines[index + 1 :]:
            if following.strip() and not following.lstrip().startswith("#"):
                indent = following[: len(following) - len(following.lstrip())] or "  "
                break
        insert_at = index + 1
        while insert_at < len(lines) and (
            not lines[insert_at].strip()
            or lines[insert_at].startswith(indent)
            or lines[insert_at].lstrip().startswith("#")
        ):
            insert_at += 1
        while insert_at > index + 1 and not lines[insert_at - 1].strip():
            insert_at -= 1
        lines.insert(insert_at, f"{indent}workflow_dispatch:\n")
        return "".join(lines)
    raise WorkflowError("the workflow has no top-level `on:` key to add workflow_dispatch to")
