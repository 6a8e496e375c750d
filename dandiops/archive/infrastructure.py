"""What dandi-infrastructure's Terraform makes for one API app, as values dandiops can compare against.

Sources: dandi/dandi-infrastructure terraform/api.tf, staging.tf and modules/dandiset_bucket, and
kitware-resonant/terraform-heroku-resonant v3.0.0 modules/heroku (the module api.tf uses).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

# add-on service -> plan, for a production-sized and a sandbox-sized app (api.tf / staging.tf)
PRODUCTION_ADDON_PLANS = {"heroku-postgresql": "standard-0", "cloudamqp": "squirrel-1", "papertrail": "fredrik"}
STAGING_ADDON_PLANS = {"heroku-postgresql": "essential-1", "cloudamqp": "tiger", "papertrail": "fixa"}


@dataclass(frozen=True)
class ProcessSpec:
    type: str
    quantity: int
    size: str

    def describe(self) -> str:
        return f"{self.quantity}:{self.size}"


PRODUCTION_FORMATION = (
    ProcessSpec("web", 3, "standard-2x"),
    ProcessSpec("worker", 1, "standard-2x"),
    ProcessSpec("checksum-worker", 1, "standard-2x"),
)
STAGING_FORMATION = (
    ProcessSpec("web", 1, "basic"),
    ProcessSpec("worker", 1, "basic"),
    ProcessSpec("checksum-worker", 1, "basic"),
)


def addon_plans(production: bool) -> dict[str, str]:
    return dict(PRODUCTION_ADDON_PLANS if production else STAGING_ADDON_PLANS)


def default_formation(production: bool) -> tuple[ProcessSpec, ...]:
    return PRODUCTION_FORMATION if production else STAGING_FORMATION


def default_iam_user(heroku_app: str) -> str:
    """Terraform names the app's user after the app (dandi-api -> dandi-api-heroku)."""
    return f"{heroku_app}-heroku"


# --- the dandiset bucket (modules/dandiset_bucket/main.tf) -------------------------------------
# Public access stays allowed: the archive serves public dandisets straight from the bucket.
PUBLIC_ACCESS_BLOCK = {
    "BlockPublicAcls": False,
    "IgnorePublicAcls": False,
    "BlockPublicPolicy": False,
    "RestrictPublicBuckets": False,
}
EMBARGO_TAG_CONDITION = "s3:ExistingObjectTag/embargoed"


def bucket_policy(bucket: str, heroku_user_arn: str, embargo_reader_arns: Iterable[str] = ()) -> dict[str, Any]:
    """The statements Terraform puts on the dandiset bucket, minus the log-delivery grant."""
    arn = f"arn:aws:s3:::{bucket}"
    both = [arn, f"{arn}/*"]
    return {
        "Version": "2008-10-17",
        "Statement": [
            {
                "Sid": "PublicRead",
                "Effect": "Allow",
                "Principal": "*",
                "Action": ["s3:Get*", "s3:List*"],
                "Resource": both,
            },
            {
                "Sid": "DenyEmbargoedObjects",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": f"{arn}/*",
                "Condition": {
                    "StringEquals": {EMBARGO_TAG_CONDITION: "true"},
                    "ArnNotEquals": {"aws:PrincipalArn": [heroku_user_arn, *embargo_reader_arns]},
                },
            },
            {
                "Sid": "HerokuUserFullAccess",
                "Effect": "Allow",
                "Principal": {"AWS": heroku_user_arn},
                "Action": "s3:*",
                "Resource": both,
            },
            {
                "Sid": "PreventDeletionOfObjectVersions",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:DeleteObjectVersion",
                "Resource": f"{arn}/*",
            },
        ],
    }


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _principals(statement: dict) -> list[str]:
    principal = statement.get("Principal")
    if principal == "*":
        return ["*"]
    if isinstance(principal, dict):
        found: list[str] = []
        for key, value in principal.items():
            found.extend("*" if v == "*" and key in ("AWS", "*") else v for v in _as_list(value))
        return found
    return _as_list(principal)


def _grants(statement: dict, effect: str, principal: str, action: str, resource: str) -> bool:
    return (
        statement.get("Effect") == effect
        and principal in _principals(statement)
        and action in _as_list(statement.get("Action"))
        and resource in _as_list(statement.get("Resource"))
    )


def policy_findings(policy: dict | None, bucket: str, heroku_user_arn: str | None) -> list[str]:
    """What the bucket policy lacks compared with Terraform's; an empty list means it matches."""
    if not policy:
        return ["the bucket has no policy (Terraform sets public read, the embargo deny and the app user's access)"]
    arn = f"arn:aws:s3:::{bucket}"
    statements = _as_list(policy.get("Statement"))
    findings = []
    if not any(
        _grants(s, "Allow", "*", "s3:Get*", f"{arn}/*") and "s3:List*" in _as_list(s.get("Action")) for s in statements
    ):
        findings.append("no public s3:Get*/s3:List* statement: public dandisets would not be readable")
    if not any(
        s.get("Effect") == "Deny" and EMBARGO_TAG_CONDITION in (s.get("Condition") or {}).get("StringEquals", {})
        for s in statements
    ):
        findings.append("no Deny on objects tagged embargoed=true: embargoed data would be public")
    if heroku_user_arn and not any(_grants(s, "Allow", heroku_user_arn, "s3:*", arn) for s in statements):
        findings.append(f"no s3:* statement for the app's IAM user {heroku_user_arn}")
    if not any(_grants(s, "Deny", "*", "s3:DeleteObjectVersion", f"{arn}/*") for s in statements):
        findings.append("no Deny on s3:DeleteObjectVersion: object versions could be deleted")
    return findings
