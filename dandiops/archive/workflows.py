"""The archive's GitHub Actions workflow files, read the way GitHub reads them.

What a workflow is triggered by (push with branches/paths-ignore, release types, workflow_dispatch),
its concurrency group, and its jobs and steps (names as GitHub shows them) all come from the YAML.
`dandiops release` uses this to choose how to trigger a deploy; the GitHub stand-in uses it so its
runs follow whatever file the repository holds.
"""

from __future__ import annotations

import fnmatch
import io
import itertools
import re
from dataclasses import dataclass, field
from typing import Any, Callable

import yaml


@dataclass(frozen=True)
class StepSpec:
    name: str
    run: str | None = None
    uses: str | None = None
    inputs: dict[str, str] = field(default_factory=dict)  # an action's `with:`, as written


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
            given = step.get("with")
            inputs = given if isinstance(given, dict) else {}
            steps.append(
                StepSpec(
                    name=_step_name(step, index),
                    run=step.get("run"),
                    uses=step.get("uses"),
                    inputs={str(key): str(value) for key, value in inputs.items()},
                )
            )
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


def heroku_deploy_targets(spec: WorkflowSpec) -> list[str]:
    """Every Heroku app the workflow builds (`heroku builds:create -a APP`), in order."""
    return [match.group(1) for command in spec.commands() for match in HEROKU_BUILD.finditer(command)]


def is_auto_shipit(spec: WorkflowSpec) -> bool:
    return any("auto shipit" in command for command in spec.commands())


# --- editing: round trips through ruamel.yaml, so comments, quotes and layout survive -------------
def _indentation(text: str) -> tuple[int, int, int]:
    """(mapping, sequence, offset) indentation as the file writes it, for ruamel's emitter.

    Read from the first block mapping and block sequence nested under a key: `key:` then
    `  child:` gives the mapping indent; `key:` then `  - item` gives the sequence's offset (where
    the dash is) and indent (where the item starts).
    """
    mapping = sequence = offset = None
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    for parent, line in itertools.pairwise(lines):
        if not parent.rstrip().endswith(":"):
            continue
        depth = len(parent) - len(parent.lstrip(" "))
        indent = len(line) - len(line.lstrip(" "))
        item = line.lstrip(" ")
        if item.startswith("- ") and sequence is None and indent >= depth:
            offset = indent - depth
            sequence = offset + 2 + len(item[2:]) - len(item[2:].lstrip(" "))
        elif not item.startswith("-") and mapping is None and indent > depth:
            mapping = indent - depth
        if mapping is not None and sequence is not None:
            break
    mapping = mapping or 2
    return mapping, sequence or mapping, offset or 0


def round_trip(text: str, edit: Callable[[Any], None], *, path: str = "workflow.yml") -> str:
    """The text after `edit(data)` changed its loaded data; what the edit left alone is written as it was."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    yaml_rt = YAML()  # round-trip mode: comments, key order, flow style and anchors are kept
    yaml_rt.preserve_quotes = True
    yaml_rt.width = 4096  # never fold a long line the file wrote on one
    mapping, sequence, offset = _indentation(text)
    yaml_rt.indent(mapping=mapping, sequence=sequence, offset=offset)
    first = next((line for line in text.splitlines() if line.strip() and not line.startswith("#")), "")
    yaml_rt.explicit_start = first.startswith("---")
    try:
        data = yaml_rt.load(text)
    except YAMLError as exc:
        raise WorkflowError(f"{path}: invalid YAML: {exc}") from None
    edit(data)
    out = io.StringIO()
    yaml_rt.dump(data, out)
    return out.getvalue()


def _trailing_comment(node: Any) -> Any:
    """Detach the blank lines and comment lines that follow a block collection's last entry.

    ruamel keeps them with the innermost last entry, so an entry appended after it would come
    after them: they belong after whatever is now last. An end-of-line comment stays where it is.
    Returns the detached part as a comment token (None when there is none).
    """
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.tokens import CommentToken

    while True:
        if isinstance(node, CommentedMap) and len(node) and not node.fa.flow_style():
            index: Any = list(node)[-1]
            slot = 2  # a mapping entry's comment after its value
        elif isinstance(node, CommentedSeq) and len(node) and not node.fa.flow_style():
            index, slot = len(node) - 1, 0
        else:
            return None
        entry = node.ca.items.get(index)
        token = entry[slot] if entry and len(entry) > slot else None
        if token is not None:
            first, newline, rest = token.value.partition("\n")
            if not rest:
                return None
            if first.strip():
                token.value = first + newline  # the end-of-line comment stays on its line
            else:
                entry[slot] = None
            return CommentToken("\n" + rest, token.start_mark)
        node = node[index]


def add_dispatch_trigger(text: str, *, path: str = "workflow.yml") -> str:
    """The same workflow text with `workflow_dispatch` added to its triggers, formatting kept.

    Returns the text unchanged when the trigger is already there; never returns text that does not parse.
    """
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    spec = parse(text, path=path)
    if spec.has_trigger("workflow_dispatch"):
        return text

    def edit(data: Any) -> None:
        if not isinstance(data, dict) or "on" not in data or not data["on"]:
            raise WorkflowError(f"{path}: the workflow has no top-level `on:` key to add workflow_dispatch to")
        triggers = data["on"]
        if isinstance(triggers, str):  # `on: push` becomes `on: [push, workflow_dispatch]`
            listed = CommentedSeq([triggers, "workflow_dispatch"])
            listed.fa.set_flow_style()
            data["on"] = listed
        elif isinstance(triggers, list):
            triggers.append("workflow_dispatch")
        elif isinstance(triggers, CommentedMap):
            after = _trailing_comment(triggers)
            triggers["workflow_dispatch"] = None
            if after is not None:
                triggers.ca.items["workflow_dispatch"] = [None, None, after, None]
        else:
            raise WorkflowError(f"{path}: `on:` is neither a trigger, a list nor a mapping of triggers")

    edited = round_trip(text, edit, path=path)
    if not _reparsed(edited, path).has_trigger("workflow_dispatch"):
        raise WorkflowError(f"{path}: adding workflow_dispatch did not take; add it by hand")
    return edited


def set_heroku_app(text: str, app: str, *, path: str = "workflow.yml") -> str:
    """The deploy workflow with every `heroku builds:create -a APP` building `app`, formatting kept.

    Returns the text unchanged when it already does; never returns text that does not parse.
    """
    spec = parse(text, path=path)
    targets = heroku_deploy_targets(spec)
    if not targets:
        raise WorkflowError(
            f"{path}: no step runs `heroku builds:create -a APP`, so there is no Heroku app to point at this clone's"
        )
    if set(targets) == {app}:
        return text

    def rename(match: re.Match[str]) -> str:
        start, end = match.span(1)
        return match.group(0)[: start - match.start()] + app + match.group(0)[end - match.start() :]

    def edit(data: Any) -> None:
        for job in (data.get("jobs") or {}).values():
            for step in (job.get("steps") if isinstance(job, dict) else None) or []:
                command = step.get("run") if isinstance(step, dict) else None
                if isinstance(command, str) and HEROKU_BUILD.search(command):
                    renamed = HEROKU_BUILD.sub(rename, command)
                    # the scalar keeps its style: a `run: |` block stays a block
                    step["run"] = type(command)(renamed) if type(command) is not str else renamed

    edited = round_trip(text, edit, path=path)
    if set(heroku_deploy_targets(_reparsed(edited, path))) != {app}:
        raise WorkflowError(f"{path}: pointing the deploy at {app} did not take; edit the file by hand")
    return edited


def _reparsed(text: str, path: str) -> WorkflowSpec:
    try:
        return parse(text, path=path)
    except WorkflowError as exc:
        raise WorkflowError(f"{path}: the edited file would not parse ({exc}); nothing was written") from None
