"""What the verify tests and the empty-world tests agree on: the checks of `dandiops verify`."""

from __future__ import annotations

# the checks of issue 13, section 4, as `dandiops verify` names them (written out, not read from dandiops)
VERIFY_CHECKS = {
    "api",
    "certificate",
    "frontend",
    "frontend-build",
    "github-login",
    "cors",
    "superuser-login",
    "email",
    "github",
    "backups",
}
