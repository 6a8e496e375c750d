"""Names and request filters the backups, logs, access and alerts tests share."""

from __future__ import annotations

STAGING = "dandi-sandbox-api-staging"
PRODUCTION = "dandi-sandbox-api"
# Requests that read, though sent as POST: resolving an attachment, opening a log session.
READ_ONLY_POSTS = ("/actions/addon-attachments/resolve",)


def mutations(state) -> list:
    """Every request that could have changed something remote (reads sent as POST left out)."""
    return [r for r in state.writes() if r.path not in READ_ONLY_POSTS and not r.path.endswith("/log-sessions")]


def applied(state) -> list:
    """The mutations the stand-in accepted."""
    return [r for r in mutations(state) if r.status < 400]
