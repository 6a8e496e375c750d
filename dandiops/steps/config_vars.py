"""Required config vars: which are set, which are missing. Secret values never leave here."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from dandiops.archive.deployment import REQUIRED_CONFIG_VARS, is_secret_config_var, secret_config_values

if TYPE_CHECKING:
    from dandiops.app.context import Context


class RequiredVarState(TypedDict):
    """One row of `dandiops config check`."""

    name: str
    set: bool
    secret: bool
    value: str | None  # None when the variable is secret or unset
    provided_by: str | None


def mask_app_secrets(ctx: "Context") -> None:
    """Read the app's config vars so that the values of its secret ones are masked in everything
    dandiops prints from here on, its dynos' output and log lines included."""
    from dandiops.core.errors import AuthError

    app = ctx.env.heroku_app
    try:
        config = ctx.heroku().config_vars(app)
    except AuthError as exc:
        raise AuthError(
            exc.message,
            hint="dandiops reads the config vars to mask their secret values: ask for "
            "access to them, or pass --show-secrets to see the output unmasked",
        ) from None
    for value in secret_config_values(config):
        ctx.secret_registry.add(value)


def required_config_report(ctx: "Context", config: dict[str, str] | None = None) -> list[RequiredVarState]:
    if config is None:
        config = ctx.heroku().config_vars(ctx.env.heroku_app)
    for secret_value in secret_config_values(config):
        ctx.secret_registry.add(secret_value)
    report: list[RequiredVarState] = []
    for var in REQUIRED_CONFIG_VARS:
        value = config.get(var.name)
        secret = var.secret or is_secret_config_var(var.name)
        report.append(
            {
                "name": var.name,
                "set": bool(value),
                "secret": secret,
                "value": None if secret or not value else value,
                "provided_by": var.provided_by,
            }
        )
    return report
