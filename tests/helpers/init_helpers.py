"""Constants the init tests share (a module of its own: `conftest` names collide across test folders)."""

import json
from pathlib import Path

DEMO_ANSWERS = Path(__file__).resolve().parents[2] / "dandiops" / "sandbox" / "demo-answers.yaml"
SUPERUSER_PASSWORD = "sandbox-superuser-pw-4711"


def confirmations(workdir, app="dandi-sandbox-api-staging") -> dict:
    """Manual items confirmed for `app` (the store `dandiops alerts` and init share)."""
    return json.loads((workdir / ".dandiops" / "confirmations.json").read_text())["apps"][app]
