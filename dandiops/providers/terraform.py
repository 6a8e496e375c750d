"""Terraform (or OpenTofu) as a subprocess: plan with -detailed-exitcode, apply a saved plan, stream -json.

Terraform's machine-readable UI (`-json`) writes one JSON object per line; each has `type`
(version, planned_change, change_summary, apply_start, apply_progress, apply_complete,
apply_errored, diagnostic, outputs, ...) and a human `@message`. We turn the ones an operator
cares about into progress events as they arrive, and keep planned changes and error diagnostics.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping

from dandiops.core.errors import ConfigError, DandiopsError
from dandiops.providers.api_json import JsonObject

# plan -detailed-exitcode: 0 = no changes, 1 = error, 2 = changes present
NO_CHANGES, ERROR, CHANGES = 0, 1, 2

ProgressCallback = Callable[[str, str], None]  # (level, message)

_STREAMED_TYPES = {
    "planned_change",
    "apply_start",
    "apply_progress",
    "apply_complete",
    "apply_errored",
    "change_summary",
    "resource_drift",
    "outputs",
}


@dataclass(frozen=True)
class PlannedChange:
    address: str
    action: str  # create, update, delete, replace, read, noop, move, import, remove

    def describe(self) -> str:
        return f"{self.action} {self.address}"


@dataclass
class RunResult:
    exit_code: int
    changes: list[PlannedChange] = field(default_factory=list)
    summary: str | None = None
    errors: list[str] = field(default_factory=list)
    raw_output: list[str] = field(default_factory=list)  # lines that were not JSON (crashes, init output)


def find_binary(environ: Mapping[str, str] = os.environ) -> str | None:
    explicit = environ.get("DANDIOPS_TERRAFORM")
    if explicit:
        return explicit if Path(explicit).is_file() else shutil.which(explicit)
    return shutil.which("terraform") or shutil.which("tofu")


def parse_event(line: str) -> JsonObject | None:
    line = line.strip()
    if not line.startswith("{"):
        return None
    try:
        event = json.loads(line)
    except ValueError:
        return None
    return event if isinstance(event, dict) and "type" in event else None


def fold(result: RunResult, event: JsonObject) -> tuple[str, str] | None:
    """Record `event` in `result`; return (level, message) when an operator should see it now."""
    kind = event["type"]
    message = str(event.get("@message", ""))
    if kind == "planned_change":
        change = event.get("change", {})
        address = change.get("resource", {}).get("addr") or message.split(":", 1)[0]
        result.changes.append(PlannedChange(address, str(change.get("action", "update"))))
    elif kind == "change_summary":
        result.summary = message
    elif kind == "diagnostic":
        diagnostic = event.get("diagnostic", {})
        text = diagnostic.get("summary") or message
        if diagnostic.get("detail"):
            text = f"{text}: {diagnostic['detail']}"
        where = diagnostic.get("range", {})
        if where.get("filename"):
            text = f"{text} ({where['filename']}:{where.get('start', {}).get('line', '?')})"
        if diagnostic.get("severity") == "error" or event.get("@level") == "error":
            result.errors.append(text)
            return "error", text
        return "warning", text
    elif kind == "apply_errored":
        result.errors.append(message)
        return "error", message
    if kind in _STREAMED_TYPES:
        return "info", message
    return None


class Terraform:
    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        binary: str | None = None,
        environ: Mapping[str, str] | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> None:
        self.directory = Path(directory).expanduser()
        self.environ = dict(os.environ if environ is None else environ)
        found = binary or find_binary(self.environ)
        if not found:
            raise ConfigError(
                "terraform is not installed (needed because the environment names terraform_dir)",
                hint="install Terraform >= 1.5 or OpenTofu and put it on PATH, or set DANDIOPS_TERRAFORM to its path",
            )
        if not self.directory.is_dir():
            raise ConfigError(
                f"terraform_dir {self.directory} is not a directory",
                hint="point terraform_dir in dandiops.toml at your dandi-infrastructure checkout's terraform folder",
            )
        self.binary = found
        self.on_progress = on_progress or (lambda level, message: None)

    def _env(self) -> dict[str, str]:
        env = dict(self.environ)
        env.update(TF_IN_AUTOMATION="1", TF_INPUT="0")
        return env

    def run(self, args: Iterable[str]) -> RunResult:
        """Run terraform with `args` (which include -json), streaming events as they arrive."""
        command = [self.binary, f"-chdir={self.directory}", *args]
        try:
            process = subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self._env(),
                text=True,
                bufsize=1,
            )
        except OSError as exc:
            raise ConfigError(
                f"could not run {self.binary}: {exc.strerror}", hint="check DANDIOPS_TERRAFORM or the terraform on PATH"
            ) from None
        result = RunResult(exit_code=-1)
        assert process.stdout is not None
        try:
            for line in process.stdout:
                event = parse_event(line)
                if event is None:
                    if line.strip():
                        result.raw_output.append(line.rstrip("\n"))
                    continue
                shown = fold(result, event)
                if shown:
                    self.on_progress(*shown)
        except BaseException:
            process.terminate()  # Ctrl-C: let terraform release its state lock
            process.wait(timeout=30)
            raise
        result.exit_code = process.wait()
        return result

    def initialized(self) -> bool:
        return (self.directory / ".terraform").is_dir()

    def init(self) -> None:
        result = self.run(["init", "-input=false", "-no-color"])
        if result.exit_code != 0:
            tail = "\n".join(result.raw_output[-15:])
            raise DandiopsError(
                f"terraform init failed in {self.directory}:\n{tail}",
                hint="fix what it reports (backend credentials, provider downloads), then run again",
            )

    def plan(self, plan_file: str | os.PathLike[str] | None = None) -> RunResult:
        args = ["plan", "-detailed-exitcode", "-input=false", "-json", "-lock-timeout=60s"]
        if plan_file:
            args.append(f"-out={plan_file}")
        return self.run(args)

    def apply(self, plan_file: str | os.PathLike[str] | None = None) -> RunResult:
        args = ["apply", "-input=false", "-json", "-lock-timeout=60s"]
        args += [str(plan_file)] if plan_file else ["-auto-approve"]
        return self.run(args)
