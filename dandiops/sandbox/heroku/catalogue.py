"""The add-on marketplace as the Heroku stand-in knows it: the services the archive uses and their plans.

Heroku answers an add-on's `plan` and `addon_service` with ids and names, or as whole objects when
the client asks for them (`Accept-Expansion: addon_service,plan`, as the official CLI does), and
bills each add-on at its plan's monthly price (`billed_price`). Plans are those dandi-infrastructure's
Terraform and its module's defaults use, with a few neighbours; prices are the marketplace's
monthly list prices in cents (the sandbox bills nothing). A plan missing here is refused, as Heroku
refuses a plan it does not sell.
"""

from __future__ import annotations

from dataclasses import dataclass

from dandiops.sandbox.heroku.state import stable_id

# The marketplace's catalogue does not change while the sandbox runs: one fixed timestamp.
LISTED_AT = "2024-01-01T00:00:00Z"


@dataclass(frozen=True)
class Service:
    name: str
    human_name: str
    supports_multiple_installations: bool
    supports_sharing: bool
    cli_plugin_name: str | None = None

    @property
    def id(self) -> str:
        return stable_id("addon-service", self.name)


@dataclass(frozen=True)
class Plan:
    service: str
    name: str  # the plan's own part: "standard-0"
    human_name: str
    cents: int  # per month
    default: bool = False

    @property
    def full_name(self) -> str:
        return f"{self.service}:{self.name}"

    @property
    def id(self) -> str:
        return stable_id("plan", self.full_name)


SERVICES = {
    service.name: service
    for service in (
        Service("heroku-postgresql", "Heroku Postgres", True, True),
        Service("cloudamqp", "CloudAMQP", False, False),
        Service("papertrail", "Papertrail", False, False),
    )
}

PLANS = {
    plan.full_name: plan
    for plan in (
        Plan("heroku-postgresql", "essential-0", "Essential 0", 500, default=True),
        Plan("heroku-postgresql", "essential-1", "Essential 1", 900),
        Plan("heroku-postgresql", "essential-2", "Essential 2", 2000),
        Plan("heroku-postgresql", "standard-0", "Standard 0", 5000),
        Plan("heroku-postgresql", "standard-2", "Standard 2", 20000),
        Plan("heroku-postgresql", "premium-0", "Premium 0", 20000),
        Plan("cloudamqp", "lemur", "Little Lemur", 0, default=True),
        Plan("cloudamqp", "tiger", "Tough Tiger", 1900),
        Plan("cloudamqp", "squirrel-1", "Sassy Squirrel", 5000),
        Plan("cloudamqp", "bunny-1", "Big Bunny", 9900),
        Plan("papertrail", "choklad", "Choklad", 0, default=True),
        Plan("papertrail", "fixa", "Fixa", 700),
        Plan("papertrail", "volmar", "Volmar", 1800),
        Plan("papertrail", "fredrik", "Fredrik", 23000),
    )
}


def find_plan(spec: str) -> Plan | None:
    """The plan named `service:plan`, or the service's default plan for a bare `service`."""
    service, _, name = spec.partition(":")
    if not name:
        return next((p for p in PLANS.values() if p.service == service and p.default), None)
    return PLANS.get(f"{service}:{name}")


def price(plan: Plan) -> dict:
    return {"cents": plan.cents, "contract": False, "unit": "month"}


def service_json(service: Service) -> dict:
    """An add-on-service as `Accept-Expansion: addon_service` shows it."""
    return {
        "cli_plugin_name": service.cli_plugin_name,
        "created_at": LISTED_AT,
        "human_name": service.human_name,
        "id": service.id,
        "name": service.name,
        "state": "ga",
        "supports_multiple_installations": service.supports_multiple_installations,
        "supports_sharing": service.supports_sharing,
        "updated_at": LISTED_AT,
        "supported_generations": [{"name": "cedar", "id": stable_id("generation", "cedar")}],
    }


def plan_json(plan: Plan) -> dict:
    """A plan as `Accept-Expansion: plan` shows it."""
    service = SERVICES[plan.service]
    return {
        "addon_service": {"id": service.id, "name": service.name},
        "created_at": LISTED_AT,
        "compliance": None,
        "default": plan.default,
        "description": f"{service.human_name} {plan.human_name}",
        "human_name": plan.human_name,
        "id": plan.id,
        "installable_inside_private_network": False,
        "installable_outside_private_network": True,
        "name": plan.full_name,
        "price": price(plan),
        "space_default": False,
        "state": "public",
        "updated_at": LISTED_AT,
        "visible": True,
    }
