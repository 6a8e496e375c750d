"""The Netlify stand-in's routes, one blueprint per resource (the API's under /api/v1)."""

from __future__ import annotations

from flask import Blueprint

from dandiops.sandbox.netlify.routes import account, builds, control, env, sites

BLUEPRINTS: tuple[Blueprint, ...] = (
    account.blueprint,
    sites.blueprint,
    env.blueprint,
    builds.blueprint,
    control.blueprint,
)
