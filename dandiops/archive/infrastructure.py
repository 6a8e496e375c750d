"""What dandi-infrastructure's Terraform makes for one API app, as values dandiops can compare against.

Sources: dandi/dandi-infrastructure terraform/api.tf, staging.tf and modules/dandiset_bucket, and
kitware-resonant/terraform-heroku-resonant v3.0.0 modules/heroku (the module api.tf uses).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Literal, Mapping

# add-on service -> plan, for a production-sized and a sandbox-sized app (api.tf / staging.tf)
PRODUCTION_ADDON_PLANS = {"heroku-postgresql": "standard-0", "cloudamqp": "squirrel-1", "papertrail": "fredrik"}
STAGING_ADDON_PLANS = {"heroku-postgresql": "essential-1", "cloudamqp": "tiger", "papertrail": "fixa"}


@dataclass(frozen=True)
class ProcessSpec:
    """How many dynos of which size a process type runs: QUANTITY:SIZE, as `heroku ps:scale` takes it."""

    type: str
    quantity: int
    size: str

    @classmethod
    def of(cls, formation: Mapping[str, Any]) -> "ProcessSpec":
        """A process type as the app's formation (Heroku's Platform API) has it."""
        return cls(str(formation["type"]), int(formation["quantity"]), str(formation["size"]).lower())

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


# --- the rest of modules/dandiset_bucket: encryption, CORS, ownership, logs, lifecycle, inventories ----
ENCRYPTION_ALGORITHM = "AES256"
OBJECT_OWNERSHIP = "BucketOwnerEnforced"
# Browsers upload straight to the bucket (presigned URLs) and read ETag to finish multipart uploads.
CORS_RULE: dict[str, Any] = {
    "AllowedOrigins": ["*"],
    "AllowedMethods": ["PUT", "POST", "GET", "HEAD", "DELETE"],
    "AllowedHeaders": ["*"],
    "ExposeHeaders": ["ETag"],
    "MaxAgeSeconds": 3000,
}
LIFECYCLE_RULES: tuple[dict[str, Any], ...] = (
    {  # asset blobs deleted by the archive: the noncurrent versions go after 30 days
        "ID": "ExpireOldDeleteMarkers",
        "Filter": {"Prefix": "blobs/"},
        "Status": "Enabled",
        "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
        "Expiration": {"ExpiredObjectDeleteMarker": True},
    },
    {  # dandiset manifests are rewritten often: keep the newest old version, drop the rest after a day
        "ID": "ExpireOldManifestFileVersions",
        "Filter": {"Prefix": "dandisets/"},
        "Status": "Enabled",
        "NoncurrentVersionExpiration": {"NoncurrentDays": 1, "NewerNoncurrentVersions": 1},
        "Expiration": {"ExpiredObjectDeleteMarker": True},
    },
)
LOG_DELIVERY_SERVICE = "logging.s3.amazonaws.com"
INVENTORY_SERVICE = "s3.amazonaws.com"
# Not expressible outside Terraform: `prevent_destroy` on the three buckets is Terraform's own guard.
TERRAFORM_ONLY = ("prevent_destroy on the buckets (Terraform's guard against deleting them; S3 has no equivalent)",)


def companion_bucket(bucket: str, purpose: Literal["logs", "inventory"]) -> str:
    """The name modules/dandiset_bucket gives the bucket beside `bucket` that receives its access logs
    or its inventories: `<bucket>-logs`, `<bucket>-inventory`."""
    return f"{bucket}-{purpose}"


def bucket_arn(bucket: str) -> str:
    return f"arn:aws:s3:::{bucket}"


def bucket_from_arn(arn: str) -> str:
    return arn.removeprefix("arn:aws:s3:::")


@dataclass(frozen=True)
class InventorySpec:
    id: str
    prefix: str | None
    frequency: str  # Daily | Weekly

    def describe(self) -> str:
        scope = f"{self.prefix}*" if self.prefix else "every object"
        return f"{self.frequency.lower()} CSV of {scope}, all versions"

    def configuration(self, inventory_bucket: str) -> dict[str, Any]:
        config: dict[str, Any] = {
            "Id": self.id,
            "IsEnabled": True,
            "IncludedObjectVersions": "All",
            "Schedule": {"Frequency": self.frequency},
            "Destination": {"S3BucketDestination": {"Bucket": bucket_arn(inventory_bucket), "Format": "CSV"}},
        }
        if self.prefix:
            config["Filter"] = {"Prefix": self.prefix}
        return config

    def matches(self, config: dict[str, Any] | None, inventory_bucket: str) -> bool:
        if not config:
            return False
        destination = config.get("Destination", {}).get("S3BucketDestination", {})
        return (
            config.get("IsEnabled") is True
            and config.get("IncludedObjectVersions") == "All"
            and config.get("Schedule", {}).get("Frequency") == self.frequency
            and ((config.get("Filter") or {}).get("Prefix") or None) == self.prefix
            and destination.get("Bucket") == bucket_arn(inventory_bucket)
            and destination.get("Format") == "CSV"
        )


DANDISET_INVENTORIES = (
    InventorySpec("BlobDailyInventory", "blobs/", "Daily"),
    InventorySpec("ZarrDailyInventory", "zarr/", "Daily"),
)
LOG_INVENTORY = InventorySpec("LogBucketWeeklyInventory", None, "Weekly")


def _is_terraforms_cors_rule(rule: dict[str, Any]) -> bool:
    return (
        all(
            sorted(_as_list(rule.get(key))) == sorted(CORS_RULE[key])
            for key in ("AllowedOrigins", "AllowedMethods", "AllowedHeaders", "ExposeHeaders")
        )
        and rule.get("MaxAgeSeconds") == CORS_RULE["MaxAgeSeconds"]
    )


def cors_findings(rules: list[dict[str, Any]] | None) -> list[str]:
    """What the bucket's CORS lacks compared with Terraform's rule (other rules are the operator's own)."""
    if not rules:
        return ["no CORS configuration: browsers could not upload to the bucket"]
    if any(_is_terraforms_cors_rule(rule) for rule in rules):
        return []
    return ["no CORS rule allowing PUT, POST, GET, HEAD and DELETE from any origin with ETag exposed"]


def merged_cors(rules: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Terraform's rule first (S3 uses the first rule that matches a request); the operator's rules kept."""
    return [dict(CORS_RULE), *(rule for rule in rules or [] if not _is_terraforms_cors_rule(rule))]


def _lifecycle_rule_findings(wanted: dict[str, Any], rule: dict[str, Any] | None) -> str | None:
    name = wanted["ID"]
    if rule is None:
        return f"no lifecycle rule {name} ({wanted['Filter']['Prefix']}: noncurrent versions never expire)"
    prefix = (rule.get("Filter") or {}).get("Prefix", rule.get("Prefix"))
    expiry = rule.get("NoncurrentVersionExpiration") or {}
    wanted_expiry = wanted["NoncurrentVersionExpiration"]
    wrong = []
    if rule.get("Status") != "Enabled":
        wrong.append(f"status {rule.get('Status')}")
    if prefix != wanted["Filter"]["Prefix"]:
        wrong.append(f"prefix {prefix!r}")
    if expiry.get("NoncurrentDays") != wanted_expiry["NoncurrentDays"]:
        wrong.append(f"noncurrent days {expiry.get('NoncurrentDays')}")
    # moto (the sandbox) does not keep NewerNoncurrentVersions, so a rule read back without it is
    # compared on the rest; one that names another number is drift.
    newer = expiry.get("NewerNoncurrentVersions")
    if newer is not None and newer != wanted_expiry.get("NewerNoncurrentVersions"):
        wrong.append(f"newer noncurrent versions kept {newer}")
    if not (rule.get("Expiration") or {}).get("ExpiredObjectDeleteMarker"):
        wrong.append("expired delete markers kept")
    return f"lifecycle rule {name} differs from Terraform's: {', '.join(wrong)}" if wrong else None


def lifecycle_findings(rules: list[dict[str, Any]] | None) -> list[str]:
    by_id = {rule.get("ID"): rule for rule in rules or []}
    found = [_lifecycle_rule_findings(wanted, by_id.get(wanted["ID"])) for wanted in LIFECYCLE_RULES]
    return [finding for finding in found if finding]


def merged_lifecycle(rules: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Terraform's two rules in place of any of the same ID; the operator's other rules kept."""
    ours = {rule["ID"] for rule in LIFECYCLE_RULES}
    return [dict(rule) for rule in LIFECYCLE_RULES] + [rule for rule in rules or [] if rule.get("ID") not in ours]


def _service_statement(sid: str, service: str, bucket: str, conditions: dict[str, Any]) -> dict[str, Any]:
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "s3:PutObject",
        "Resource": f"{bucket_arn(bucket)}/*",
        "Condition": conditions,
    }


def log_bucket_statement(log_bucket: str, source_bucket: str, account_id: str) -> dict[str, Any]:
    """S3 server access logging may write into the log bucket, for the dandiset bucket of this account only."""
    return _service_statement(
        "S3ServerAccessLogsPolicy",
        LOG_DELIVERY_SERVICE,
        log_bucket,
        {"StringEquals": {"aws:SourceAccount": account_id}, "ArnLike": {"aws:SourceArn": bucket_arn(source_bucket)}},
    )


def inventory_bucket_statement(inventory_bucket: str, sources: Iterable[str], account_id: str) -> dict[str, Any]:
    """S3 inventory may write reports of `sources` (the dandiset and log buckets) into the inventory bucket."""
    return _service_statement(
        "InventoryBucketPolicy",
        INVENTORY_SERVICE,
        inventory_bucket,
        {
            "StringEquals": {"aws:SourceAccount": account_id, "s3:x-amz-acl": "bucket-owner-full-control"},
            "ArnLike": {"aws:SourceArn": [bucket_arn(source) for source in sources]},
        },
    )


def service_grant_findings(policy: dict | None, bucket: str, service: str, sources: Iterable[str]) -> list[str]:
    """Whether the policy lets `service` put objects into `bucket` for every one of `sources`."""
    resource = f"{bucket_arn(bucket)}/*"
    allowed: set[str] = set()
    for statement in _as_list((policy or {}).get("Statement")):
        principal = statement.get("Principal")
        services = _as_list(principal.get("Service")) if isinstance(principal, dict) else []
        if (
            statement.get("Effect") == "Allow"
            and service in services
            and "s3:PutObject" in _as_list(statement.get("Action"))
            and resource in _as_list(statement.get("Resource"))
        ):
            allowed.update(_as_list((statement.get("Condition") or {}).get("ArnLike", {}).get("aws:SourceArn")))
    missing = [source for source in sources if bucket_arn(source) not in allowed]
    if not missing:
        return []
    return [f"its policy does not let {service} write for {', '.join(missing)}"]


def merged_policy(policy: dict | None, statement: dict[str, Any]) -> dict[str, Any]:
    """`statement` in place of the one with its Sid; the bucket's other statements kept."""
    kept = [s for s in _as_list((policy or {}).get("Statement")) if s.get("Sid") != statement["Sid"]]
    return {"Version": (policy or {}).get("Version", "2012-10-17"), "Statement": [*kept, statement]}
