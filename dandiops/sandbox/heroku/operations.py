"""The stand-in parts behind `backups`, `logs`, `access` and `alerts`, for build_sandbox to install."""

from __future__ import annotations

from typing import Any, TypeVar

from dandiops.sandbox.heroku.data_api import HerokuDataStandIn
from dandiops.sandbox.heroku.features import AppFeaturesStandIn
from dandiops.sandbox.heroku.log_sessions import LogSessionsStandIn
from dandiops.sandbox.heroku.team_collaborators import team_collaborator_updates

T = TypeVar("T")


def operations_extensions() -> list:
    return [HerokuDataStandIn(), LogSessionsStandIn(), AppFeaturesStandIn(), team_collaborator_updates]


def installed(sandbox: Any, kind: type[T]) -> T:
    """The sandbox's instance of one of these extensions (tests look behind the API through it)."""
    return next(e for e in sandbox.heroku.extensions if isinstance(e, kind))
