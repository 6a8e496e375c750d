"""Terraform (or OpenTofu) as a subprocess: plan with -detailed-exitcode, apply a saved plan, stream -json.

Terraform's machine-readable UI (`-json`) writes one JSON object per line; each has `type`
(version, planned_change, change_summary, apply_start, apply_progress, apply_complete,
apply_errored, diagnostic, outputs, ...) and a human `@message`. We turn the ones an operator
cares about into progress events as they arrive, and keep planned changes and error diagnostics.

Before anything runs, `cloud_workspace` reads the configuration (python-hcl2) for a Terraform
Cloud workspace (a `cloud` block, or a `remote`/`cloud` backend): its runs are applied in Terraform
Cloud, never from here. `Terraform.scratch_copy` gives a copy of the folder to plan in, so that a
dry run leaves the operator's folder exactly as it was (`terraform init` writes `.terraform/` and
`.terraform.lock.hcl` there, the lock file even with TF_DATA_DIR set).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

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


# --- Terraform Cloud ---------------------------------------------------------------------------
@dataclass(frozen=True)
class CloudWorkspace:
    """Where a configuration's runs happen when it names Terraform Cloud (or Terraform Enterprise)."""

    file: str  # the file that says so
    declared_by: str  # 'a cloud block', 'backend "remote"' or 'backend "cloud"'
    hostname: str = "app.terraform.io"
    organization: str | None = None
    workspace: str | None = None  # None: chosen by tags or a prefix, or TF_WORKSPACE

    def describe(self) -> str:
        where = "/".join(part for part in (self.organization, self.workspace) if part)
        return f"Terraform Cloud workspace {where}" if where else "a Terraform Cloud workspace"

    @property
    def runs_url(self) -> str | None:
        if not (self.organization and self.workspace):
            return None
        return f"https://{self.hostname}/app/{self.organization}/workspaces/{self.workspace}/runs"


_CLOUD_BACKENDS = ("remote", "cloud")
_MENTIONS = re.compile(r"\b(cloud|backend)\b")


def cloud_workspace(directory: str | os.PathLike[str]) -> CloudWorkspace | None:
    """The Terraform Cloud workspace the configuration in `directory` uses, or None.

    Every `*.tf` and `*.tf.json` file of the folder is read (as Terraform reads them). A file that
    cannot be read is passed over: Terraform itself reports it, as it always has. A `.tf` file that
    python-hcl2 cannot parse is scanned for the block instead, comments left out.
    """
    folder = Path(directory).expanduser()
    if not folder.is_dir():
        return None
    for path in sorted([*folder.glob("*.tf"), *folder.glob("*.tf.json")]):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if not _MENTIONS.search(text):
            continue
        found = _json_cloud(path.name, text) if path.name.endswith(".json") else _hcl_cloud(path.name, text)
        if found is not None:
            return found
    return None


def _unquoted(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value


def _first(value: Any) -> dict[str, Any]:
    """A block as python-hcl2 (a list of one dict) or Terraform's JSON syntax (a dict, or a list) give it."""
    if isinstance(value, list):
        value = value[0] if value else {}
    return value if isinstance(value, dict) else {}


def _workspace(file: str, declared_by: str, settings: dict[str, Any]) -> CloudWorkspace:
    workspaces = _first(settings.get("workspaces"))
    return CloudWorkspace(
        file,
        declared_by,
        hostname=_unquoted(settings.get("hostname")) or "app.terraform.io",
        organization=_unquoted(settings.get("organization")),
        workspace=_unquoted(workspaces.get("name")),
    )


def _from_terraform_blocks(file: str, blocks: Any) -> CloudWorkspace | None:
    for block in blocks if isinstance(blocks, list) else [blocks]:
        if not isinstance(block, dict):
            continue
        if "cloud" in block:
            return _workspace(file, "a cloud block", _first(block["cloud"]))
        for backend in block.get("backend", []) if isinstance(block.get("backend"), list) else [block.get("backend")]:
            for label, settings in (backend or {}).items():
                if _unquoted(label) in _CLOUD_BACKENDS:
                    return _workspace(file, f'backend "{_unquoted(label)}"', _first(settings))
    return None


def _hcl_cloud(file: str, text: str) -> CloudWorkspace | None:
    import hcl2

    try:
        parsed = hcl2.loads(text)
    except Exception:  # lark's parse errors share no public base with its other failures
        return _scanned_cloud(file, text)
    return _from_terraform_blocks(file, parsed.get("terraform", []))


def _json_cloud(file: str, text: str) -> CloudWorkspace | None:
    try:
        parsed = json.loads(text)
    except ValueError:
        return None  # Terraform reports the file
    return _from_terraform_blocks(file, parsed.get("terraform", [])) if isinstance(parsed, dict) else None


_COMMENTS = re.compile(r'("(?:\\.|[^"\\])*")|/\*.*?\*/|(?:#|//)[^\n]*', re.S)
_CLOUD_BLOCK = re.compile(r'(?m)^\s*cloud\s*\{|\bbackend\s+"(remote|cloud)"\s*\{')
_ORGANIZATION = re.compile(r'\borganization\s*=\s*"([^"]+)"')


def _scanned_cloud(file: str, text: str) -> CloudWorkspace | None:
    """For a file python-hcl2 cannot parse: the block found by a scan, comments left out."""
    code = _COMMENTS.sub(lambda m: m.group(1) or "", text)
    found = _CLOUD_BLOCK.search(code)
    if found is None or not re.search(r"\bterraform\s*\{", code):
        return None
    declared_by = f'backend "{found.group(1)}"' if found.group(1) else "a cloud block"
    organization = _ORGANIZATION.search(code[found.start() :])
    return CloudWorkspace(file, declared_by, organization=organization.group(1) if organization else None)


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

    def scratch_copy(self, into: str | os.PathLike[str]) -> "Terraform":
        """The same Terraform on a copy of the folder in `into`, to plan without writing into the folder.

        Files are copied; the data directory (.terraform, or TF_DATA_DIR) is given as links to its
        providers and modules plus copies of its small files, so nothing is downloaded again; the
        folder's siblings are linked beside the copy, so `../modules/...` sources still resolve.
        """
        into = Path(into)
        copy = into / self.directory.name
        shutil.copytree(self.directory, copy, ignore=shutil.ignore_patterns(".terraform", ".git"))
        for sibling in self.directory.parent.iterdir():
            if sibling.name != self.directory.name and not (into / sibling.name).exists():
                (into / sibling.name).symlink_to(sibling, target_is_directory=sibling.is_dir())
        data = Path(self.environ.get("TF_DATA_DIR") or ".terraform")
        data = data if data.is_absolute() else self.directory / data
        environ = dict(self.environ)
        environ["TF_DATA_DIR"] = str(copy / ".terraform")
        if data.is_dir():
            (copy / ".terraform").mkdir()
            for item in data.iterdir():
                if item.is_dir():
                    (copy / ".terraform" / item.name).symlink_to(item.resolve(), target_is_directory=True)
                else:
                    shutil.copy2(item, copy / ".terraform" / item.name)
        return Terraform(copy, binary=self.binary, environ=environ, on_progress=self.on_progress)

    def initialized(self) -> bool:
        data = Path(self.environ.get("TF_DATA_DIR") or ".terraform")
        return (data if data.is_absolute() else self.directory / data).is_dir()

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
