"""The sandbox with every stand-in dandiops has, as `sandbox serve` and the tests use it."""

from __future__ import annotations

from pathlib import Path

from dandiops.sandbox.runtime import Sandbox


def build_sandbox(workdir: Path, *, app_dirs: dict[str, str] | None = None,
                  database_urls: dict[str, str] | None = None) -> Sandbox:
    components: list = []
    return Sandbox(workdir, app_dirs=app_dirs, database_urls=database_urls, components=components)
