"""The GitHub stand-in's routes, one blueprint per resource."""

from __future__ import annotations

from flask import Blueprint

from dandiops.sandbox.github.routes import (
    account,
    actions,
    contents,
    control,
    downloads,
    pulls,
    refs,
    repositories,
    secrets,
)

BLUEPRINTS: tuple[Blueprint, ...] = (
    account.blueprint,
    repositories.blueprint,
    contents.blueprint,
    refs.blueprint,
    pulls.blueprint,
    actions.blueprint,
    secrets.blueprint,
    control.blueprint,
    downloads.blueprint,
)
