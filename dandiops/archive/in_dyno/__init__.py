"""Python that runs inside a one-off dyno of the archive (`manage.py shell -c`), kept as files.

These modules are read as text and sent as the dyno's command; importing them here would run
them against no database, so dandiops never does.
"""

from __future__ import annotations

from pathlib import Path

_FOLDER = Path(__file__).resolve().parent


def source(name: str) -> str:
    """The text of the script `name` (e.g. "users"), without its leading comment block."""
    text = (_FOLDER / f"{name}.py").read_text(encoding="utf-8")
    lines = text.splitlines()
    while lines and (lines[0].startswith("#") or not lines[0].strip()):
        lines.pop(0)
    return "\n".join(lines) + "\n"
