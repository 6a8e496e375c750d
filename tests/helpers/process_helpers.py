"""`dandiops` as a separate process, as an operator's shell runs it."""

from __future__ import annotations

import os
import subprocess
import sys


def run_dandiops(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60, **kw
) -> subprocess.CompletedProcess:
    """`python -m dandiops ARGS` with this environment plus `env`; output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "dandiops", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        **kw,
    )
