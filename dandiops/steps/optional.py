"""Capabilities that ship in separate modules: find out whether this install has them.

Steps that rely on a capability (one-off dynos, the GitHub provider, backups) report
Status.UNAVAILABLE with the reason instead of pretending, when the module is absent.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType


def find_module(name: str) -> ModuleType | None:
    """The module when it is installed, else None. Errors inside an installed module still raise."""
    try:
        if importlib.util.find_spec(name) is None:
            return None
    except ModuleNotFoundError:  # a parent package is missing
        return None
    return importlib.import_module(name)


def unavailable_reason(module: str, capability: str) -> str:
    return f"{capability} needs {module}, which this installation of dandiops does not have yet"
