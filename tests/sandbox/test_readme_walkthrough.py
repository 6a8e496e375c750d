"""The README's "drive the stand-ins yourself" block, pasted whole into a fresh shell, works."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
FIRST_LINE = "dandiops sandbox serve --detach"
# What a fresh shell lacks: nothing of this run's sandbox, credentials or dandiops settings.
NOT_INHERITED = ("DANDIOPS_", "HEROKU_", "GITHUB_", "GH_", "AWS_", "NETLIFY_", "DJANGO_")


def walkthrough() -> str:
    """The README's fenced sh block that starts the sandbox with FIRST_LINE."""
    blocks = re.findall(r"^```sh\n(.*?)^```", README.read_text(), flags=re.MULTILINE | re.DOTALL)
    [block] = [block for block in blocks if block.startswith(FIRST_LINE)]
    return block


@pytest.mark.sandbox
def test_the_readme_walkthrough_pasted_whole_into_bash_approves_a_user_and_stops_the_sandbox(tmp_path):
    from dandiops.sandbox.background import process_command

    bin_dir = Path(sys.executable).parent
    if not (bin_dir / "dandiops").exists():
        pytest.skip("the dandiops console script is not installed in this environment")
    env = {name: value for name, value in os.environ.items() if not name.startswith(NOT_INHERITED)}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}"
    try:
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", walkthrough()],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
    finally:  # a block that failed half-way leaves no server behind
        subprocess.run(["dandiops", "sandbox", "stop"], cwd=tmp_path, env=env, capture_output=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "To: admin@dandi.test, camillo.golgi@example.org" in result.stdout  # the approval email, in the mailbox
    server = re.search(r"server pid (\d+)", result.stderr)
    assert server is not None, result.stderr
    assert process_command(int(server.group(1))) is None
    assert not (tmp_path / ".env.sandbox").exists() and not (tmp_path / ".env.sandbox.pid").exists()
