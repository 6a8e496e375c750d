"""Required config vars: which are set, which are missing. Secret values never leave here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dandiops.archive.deployment import REQUIRED_CONFIG_VARS, is_secret_config_var

if TYPE_CHECKING:
    from dandiops.steps.context import Context


def required_config_report(ctx: "Context", config: dict[str, str] | None = None) -> list[dict]:
    if config is None:
        config = ctx.heroku().config_vars(ctx.env.heroku_app)
    for name, value in config.items():
        if is_secret_config_var(name):
            ctx.secret_registry.add(value)
    report = []
    for var in REQUIRED_CONFIG_VARS:
        value = config.get(var.name)
        secret = var.secret or is_secret_config_var(var.name)
        report.append({
            "name": var.name,
            "set": bool(value),
            "secret": secret,
            "value": None if secret or not value else value,
            "provided_by": var.provided_by,
        })
    return report
