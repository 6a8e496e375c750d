"""Constants the init tests share (a module of its own: `conftest` names collide across test folders)."""

from pathlib import Path

DEMO_ANSWERS = Path(__file__).resolve().parents[2] / "dandiops" / "sandbox" / "demo-answers.yaml"
SUPERUSER_PASSWORD = "sandbox-superuser-pw-4711"
