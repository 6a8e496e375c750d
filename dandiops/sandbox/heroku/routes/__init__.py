"""The Heroku Platform API stand-in's own routes, one blueprint per resource; extensions add the rest
(provisioning, one-off dynos, log sessions, the Data API, app features, team permissions)."""

from __future__ import annotations

from flask import Blueprint

from dandiops.sandbox.heroku.routes import (
    account,
    addons,
    apps,
    collaborators,
    config_vars,
    control,
    domains,
    dynos,
    releases,
)

BLUEPRINTS: tuple[Blueprint, ...] = (
    account.blueprint,
    apps.listing,
    apps.blueprint,
    config_vars.blueprint,
    releases.blueprint,
    dynos.blueprint,
    addons.blueprint,
    addons.account_wide,
    domains.blueprint,
    collaborators.personal,
    collaborators.team_apps,
    control.blueprint,
)
