"""Append-only audit log: one JSON line per applied change."""

from __future__ import annotations

import getpass
import json
import os
from pathlib import Path
from typing import Any, Mapping

from dandiops.core.files import utc_stamp
from dandiops.core.redact import SecretRegistry


def default_audit_path(environ: Mapping[str, str | None] = os.environ) -> Path:
    if explicit := environ.get("DANDIOPS_AUDIT_LOG"):
        return Path(explicit).expanduser()
    from platformdirs import user_state_dir

    return Path(user_state_dir("dandiops")) / "audit.log"


def operator_name(environ: Mapping[str, str] = os.environ) -> str:
    if explicit := environ.get("DANDIOPS_OPERATOR"):
        return explicit
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return "unknown"


class AuditLog:
    def __init__(self, path: Path, secrets: SecretRegistry, operator: str):
        self.path = path
        self.secrets = secrets
        self.operator = operator

    def ensure_writable(self) -> None:
        """Refuse before a change, not after it, when the change could not be recorded."""
        from dandiops.core.errors import ConfigError

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            os.close(fd)
        except OSError as exc:
            raise ConfigError(
                f"the audit log {self.path} cannot be written ({exc.strerror or exc}); nothing was changed",
                hint="point DANDIOPS_AUDIT_LOG at a writable file, or fix the folder's permissions",
            ) from None

    def record(self, *, env: str | None, app: str | None, action: str, result: str, **detail: Any) -> None:
        entry: dict[str, Any] = {
            "time": utc_stamp(),
            "operator": self.operator,
            "env": env,
            "app": app,
            "action": action,
            "result": result,
        }
        if detail:
            entry["detail"] = detail
        line = json.dumps(self.secrets.redact_data(entry), default=str)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")
