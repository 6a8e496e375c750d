"""AWS through boto3: who we are (STS), the dandiset bucket (S3), the app's IAM users and SES.

boto3 and botocore are imported inside the methods that need them. Reads are retried by botocore
("standard" mode); every error becomes a DandiopsError that says what failed and what to do.
`endpoint_url` (AWS_ENDPOINT_URL) points every client at a local stand-in such as moto.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, cast

from dandiops.core.errors import AuthError, ConfigError, ConflictError, DandiopsError, NotFoundError, UnavailableError
from dandiops.providers.api_json import JsonObject
from dandiops.providers.writes import READ_OPERATION_PREFIXES, WriteCounter

if TYPE_CHECKING:
    import boto3.session
    from botocore.exceptions import ClientError

_MISSING_CODES = {
    "404",
    "NoSuchBucket",
    "NoSuchEntity",
    "NoSuchBucketPolicy",
    "NoSuchPublicAccessBlockConfiguration",
    "NoSuchCORSConfiguration",
    "NoSuchLifecycleConfiguration",
    "ServerSideEncryptionConfigurationNotFoundError",
    "OwnershipControlsNotFoundError",
    "NotFoundException",  # SES v2
}
_AUTH_CODES = {
    "AccessDenied",
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "UnrecognizedClientException",
    "ExpiredToken",
    "InvalidAccessKeyId",
    "403",
    "AuthFailure",
}


# What bucket() can read of a bucket; each is one request (inventories may take several).
BUCKET_PARTS = frozenset(
    {
        "versioning",
        "public_access_block",
        "policy",
        "encryption",
        "cors",
        "ownership",
        "logging",
        "lifecycle",
        "inventories",
    }
)

# Settings read into the BucketReport as S3 answers them, or None when not configured:
# part -> (operation, what it is, the answer's key).
_SETTINGS_READ_AS_THEY_ARE = {
    "public_access_block": ("get_public_access_block", "the public access block", "PublicAccessBlockConfiguration"),
    "cors": ("get_bucket_cors", "the CORS", "CORSRules"),
    "lifecycle": ("get_bucket_lifecycle_configuration", "the lifecycle rules", "Rules"),
}


@dataclass
class BucketReport:
    """A bucket's settings as read; a setting that is not configured is None (or empty)."""

    name: str
    exists: bool
    versioning: str | None = None  # "Enabled", "Suspended" or None (never enabled)
    public_access_block: dict[str, bool] | None = None
    policy: dict[str, Any] | None = None
    encryption: list[str] | None = None  # the default-encryption algorithms of its rules
    cors: list[dict[str, Any]] | None = None
    ownership: str | None = None  # the object ownership rule, e.g. BucketOwnerEnforced
    logging: dict[str, Any] | None = None  # LoggingEnabled: TargetBucket, TargetPrefix
    lifecycle: list[dict[str, Any]] | None = None
    inventories: dict[str, dict[str, Any]] = field(default_factory=dict)  # by Id

    @property
    def log_target(self) -> str | None:
        return (self.logging or {}).get("TargetBucket") or None


@dataclass
class AccessKey:
    id: str
    status: str
    created: str


@dataclass
class UserReport:
    name: str
    exists: bool
    arn: str | None = None
    access_keys: list[AccessKey] = field(default_factory=list)

    @property
    def active_keys(self) -> list[str]:
        return [key.id for key in self.access_keys if key.status == "Active"]


@dataclass
class SesIdentity:
    """A domain identity of SES in one region, as read; `exists` False when SES does not know it."""

    domain: str
    exists: bool
    verification: str | None = None  # Pending, Success, Failed, TemporaryFailure, NotStarted
    dkim_enabled: bool = False
    dkim_status: str | None = None  # the same values, for the DKIM records
    dkim_tokens: list[str] = field(default_factory=list)


@dataclass
class SesAccount:
    """The SES account of one region (SES v2 GetAccount)."""

    production_access: bool  # False: still in the SES sandbox (verified recipients only)
    sending_enabled: bool
    max_24_hour_send: float | None = None
    max_send_rate: float | None = None
    enforcement: str | None = None  # HEALTHY, PROBATION, SHUTDOWN


def ses_smtp_password(secret_access_key: str, region: str) -> str:
    """The SES SMTP password of an IAM access key in `region` (AWS's SigV4 derivation, version 4).

    SES SMTP credentials are the key's id and this, never the secret itself; the password differs
    per region, and is derived from a long-lived key only (never from temporary credentials).
    """
    import base64
    import hashlib
    import hmac

    signature = ("AWS4" + secret_access_key).encode("utf-8")
    for message in ("11111111", region, "ses", "aws4_request", "SendRawEmail"):
        signature = hmac.new(signature, message.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(bytes([0x04]) + signature).decode("ascii")


@functools.lru_cache(maxsize=None)
def _service_descriptions(data_path: str | None) -> Any:
    """botocore's loader of service descriptions and endpoint rules, one per process (per AWS_DATA_PATH).

    Each botocore session otherwise makes its own and parses the same JSON files again, a few hundred
    milliseconds of CPU for every AwsClient: a process that runs several commands (the sandbox's clone
    build, a test run, a library user) reads them once. The loader only reads files, and what it keeps
    is the same for every session."""
    from botocore.loaders import create_loader

    return create_loader(data_path)


class AwsClient:
    def __init__(
        self,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        session_token: str | None = None,
        profile: str | None = None,
        writes: WriteCounter | None = None,
    ) -> None:
        self.endpoint_url = endpoint_url or None
        self.writes = writes or WriteCounter()
        self.region = region or "us-east-1"
        # Empty means unset: boto3 then looks in its own chain (profile, environment, instance role).
        self._access_key_id = access_key_id or None
        self._secret_access_key = secret_access_key or None
        self._session_token = session_token or None
        self._profile = profile
        self._session: boto3.session.Session | None = None
        self._clients: dict[str, Any] = {}

    # --- clients -------------------------------------------------------------------------
    def client(self, service: str) -> Any:
        """The botocore client for `service` (untyped: each service's operations are named at run time)."""
        if service not in self._clients:
            import boto3
            from botocore.config import Config

            if self._session is None:
                import botocore.session

                core = botocore.session.get_session()
                self._session = boto3.session.Session(
                    profile_name=self._profile,
                    aws_access_key_id=self._access_key_id,
                    aws_secret_access_key=self._secret_access_key,
                    aws_session_token=self._session_token,
                    region_name=self.region,
                    botocore_session=core,
                )
                core.register_component("data_loader", _service_descriptions(core.get_config_variable("data_path")))
            config = Config(
                retries={"mode": "standard", "max_attempts": 4},
                connect_timeout=10,
                read_timeout=30,
                s3={"addressing_style": "path"} if self.endpoint_url else None,
            )
            client = self._session.client(service, endpoint_url=self.endpoint_url, config=config)
            client.meta.events.register("before-call", self._count_write)
            self._clients[service] = client
        return self._clients[service]

    def _count_write(self, model: Any, **_: Any) -> None:
        """botocore's before-call event: once per operation, before its first attempt is sent."""
        if not model.name.startswith(READ_OPERATION_PREFIXES):
            self.writes.add("aws")

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()

    def _call(self, service: str, operation: str, what: str, **params: Any) -> JsonObject:
        from botocore.exceptions import (
            ClientError,
            EndpointConnectionError,
            NoCredentialsError,
            NoRegionError,
            PartialCredentialsError,
            ProfileNotFound,
        )
        from botocore.exceptions import ConnectionError as BotoConnectionError

        try:
            client = self.client(service)
            return cast(JsonObject, getattr(client, operation)(**params))
        except (NoCredentialsError, PartialCredentialsError):
            raise ConfigError(
                f"no AWS credentials for {what}",
                hint="set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) in the "
                "environment or .env beside dandiops.toml",
            ) from None
        except ProfileNotFound as exc:
            raise ConfigError(f"AWS profile not found ({exc})", hint="check AWS_PROFILE") from None
        except NoRegionError:
            raise ConfigError(f"no AWS region for {what}", hint="set AWS_DEFAULT_REGION") from None
        except (EndpointConnectionError, BotoConnectionError):
            where = self.endpoint_url or "AWS"
            raise UnavailableError(
                f"could not reach {where} while {what}",
                hint="check your network, or AWS_ENDPOINT_URL if you use a local stand-in",
            ) from None
        except ClientError as exc:
            raise _client_error(exc, what) from None

    # --- reads ---------------------------------------------------------------------------
    def caller_identity(self) -> dict[str, str]:
        data = self._call("sts", "get_caller_identity", "asking STS who the AWS credentials belong to")
        return {"account": data["Account"], "arn": data["Arn"], "user_id": data["UserId"]}

    def bucket(self, name: str, parts: Iterable[str] = BUCKET_PARTS) -> BucketReport:
        """Whether `name` exists and, if it does, the settings named in `parts` (see BUCKET_PARTS)."""
        wanted = set(parts)
        unknown = wanted - BUCKET_PARTS
        if unknown:
            raise ValueError(f"unknown bucket parts {sorted(unknown)}")
        try:
            self._call("s3", "head_bucket", f"looking for bucket {name}", Bucket=name)
        except NotFoundError:
            return BucketReport(name, exists=False)
        report = BucketReport(name, exists=True)
        if "versioning" in wanted:
            versioning = self._call("s3", "get_bucket_versioning", f"reading versioning of bucket {name}", Bucket=name)
            report.versioning = versioning.get("Status")
        for part, (operation, what, key) in _SETTINGS_READ_AS_THEY_ARE.items():
            if part in wanted:
                setattr(report, part, self._optional(operation, f"reading {what} of bucket {name}", name).get(key))
        if "policy" in wanted:
            raw = self._optional("get_bucket_policy", f"reading the policy of bucket {name}", name).get("Policy")
            report.policy = json.loads(raw) if raw else None
        if "encryption" in wanted:
            encryption = "ServerSideEncryptionConfiguration"
            rules = self._rules("get_bucket_encryption", "the default encryption", name, encryption)
            algorithms = [r.get("ApplyServerSideEncryptionByDefault", {}).get("SSEAlgorithm") for r in rules]
            report.encryption = [a for a in algorithms if a] or None
        if "ownership" in wanted:
            rules = self._rules("get_bucket_ownership_controls", "the object ownership", name, "OwnershipControls")
            report.ownership = rules[0].get("ObjectOwnership") if rules else None
        if "logging" in wanted:
            logging = self._call(
                "s3", "get_bucket_logging", f"reading the access logging of bucket {name}", Bucket=name
            )
            report.logging = logging.get("LoggingEnabled")
        if "inventories" in wanted:
            report.inventories = self._inventories(name)
        return report

    def _rules(self, operation: str, what: str, bucket: str, configuration: str) -> list[JsonObject]:
        """The Rules of a bucket setting answered as {configuration: {"Rules": [...]}}; [] when not set."""
        found = self._optional(operation, f"reading {what} of bucket {bucket}", bucket)
        return cast(list[JsonObject], found.get(configuration, {}).get("Rules", []))

    def _optional(self, operation: str, what: str, bucket: str) -> JsonObject:
        """A read of a bucket setting S3 answers "not found" for when it is not configured: {} then."""
        try:
            return self._call("s3", operation, what, Bucket=bucket)
        except NotFoundError:
            return {}

    def _inventories(self, name: str) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        params: dict[str, Any] = {"Bucket": name}
        while True:
            page = self._call(
                "s3", "list_bucket_inventory_configurations", f"listing the inventories of bucket {name}", **params
            )
            for config in page.get("InventoryConfigurationList", []):
                found[config["Id"]] = config
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token:
                return found
            params["ContinuationToken"] = token

    def user(self, name: str) -> UserReport:
        try:
            data = self._call("iam", "get_user", f"looking for IAM user {name}", UserName=name)["User"]
        except NotFoundError:
            return UserReport(name, exists=False)
        keys = self._call("iam", "list_access_keys", f"listing access keys of IAM user {name}", UserName=name)
        return UserReport(
            name,
            exists=True,
            arn=data["Arn"],
            access_keys=[
                AccessKey(k["AccessKeyId"], k["Status"], str(k.get("CreateDate", "")))
                for k in keys.get("AccessKeyMetadata", [])
            ],
        )

    def user_policy(self, user: str, name: str) -> dict[str, Any] | None:
        """The inline policy `name` of IAM user `user`, or None when it has none of that name."""
        try:
            found = self._call(
                "iam", "get_user_policy", f"reading policy {name} of IAM user {user}", UserName=user, PolicyName=name
            )
        except NotFoundError:
            return None
        document = found["PolicyDocument"]
        if isinstance(document, str):  # botocore leaves it URL-encoded JSON for some endpoints
            from urllib.parse import unquote

            document = json.loads(unquote(document))
        return cast(dict[str, Any], document)

    def ses_identity(self, domain: str) -> SesIdentity:
        """The SES domain identity `domain` in this region, with its verification and Easy DKIM state."""
        verification = self._call(
            "ses",
            "get_identity_verification_attributes",
            f"reading the SES verification of {domain}",
            Identities=[domain],
        ).get("VerificationAttributes", {})
        if domain not in verification:
            return SesIdentity(domain, exists=False)
        dkim = (
            self._call(
                "ses", "get_identity_dkim_attributes", f"reading the SES DKIM records of {domain}", Identities=[domain]
            )
            .get("DkimAttributes", {})
            .get(domain, {})
        )
        return SesIdentity(
            domain,
            exists=True,
            verification=verification[domain].get("VerificationStatus"),
            dkim_enabled=bool(dkim.get("DkimEnabled")),
            dkim_status=dkim.get("DkimVerificationStatus"),
            dkim_tokens=list(dkim.get("DkimTokens", [])),
        )

    def ses_account(self) -> SesAccount:
        """Whether the SES account of this region may send to anyone (production access) and its quota."""
        data = self._call("sesv2", "get_account", f"reading the SES account of {self.region}")
        quota = data.get("SendQuota", {})
        return SesAccount(
            production_access=bool(data.get("ProductionAccessEnabled")),
            sending_enabled=bool(data.get("SendingEnabled")),
            max_24_hour_send=quota.get("Max24HourSend"),
            max_send_rate=quota.get("MaxSendRate"),
            enforcement=data.get("EnforcementStatus"),
        )

    # --- writes (never retried blindly: botocore retries only throttling and 5xx) ---------
    def create_bucket(self, name: str) -> None:
        params: dict[str, Any] = {"Bucket": name}
        if self.region != "us-east-1":  # us-east-1 refuses an explicit LocationConstraint
            params["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        self._call("s3", "create_bucket", f"creating bucket {name}", **params)

    def _set_bucket(self, operation: str, name: str, what: str, **settings: Any) -> None:
        """One S3 put_bucket_* call: `what` names the setting in an error ("the CORS" of bucket NAME)."""
        self._call("s3", operation, f"setting {what} of bucket {name}", Bucket=name, **settings)

    def enable_versioning(self, name: str) -> None:
        self._set_bucket("put_bucket_versioning", name, "versioning", VersioningConfiguration={"Status": "Enabled"})

    def put_public_access_block(self, name: str, block: dict[str, bool]) -> None:
        self._set_bucket(
            "put_public_access_block", name, "the public access block", PublicAccessBlockConfiguration=dict(block)
        )

    def put_bucket_policy(self, name: str, policy: dict[str, Any]) -> None:
        self._set_bucket("put_bucket_policy", name, "the policy", Policy=json.dumps(policy))

    def put_bucket_encryption(self, name: str, algorithm: str) -> None:
        by_default = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": algorithm}}]}
        self._set_bucket(
            "put_bucket_encryption", name, "the default encryption", ServerSideEncryptionConfiguration=by_default
        )

    def put_bucket_cors(self, name: str, rules: list[dict[str, Any]]) -> None:
        self._set_bucket("put_bucket_cors", name, "the CORS", CORSConfiguration={"CORSRules": rules})

    def put_bucket_ownership(self, name: str, ownership: str) -> None:
        controls = {"Rules": [{"ObjectOwnership": ownership}]}
        self._set_bucket("put_bucket_ownership_controls", name, "the object ownership", OwnershipControls=controls)

    def put_bucket_logging(self, name: str, target_bucket: str) -> None:
        """Server access logs of `name` into `target_bucket`, under date-partitioned keys (as Terraform sets)."""
        key_format = {"PartitionedPrefix": {"PartitionDateSource": "EventTime"}}
        logging = {"TargetBucket": target_bucket, "TargetPrefix": "", "TargetObjectKeyFormat": key_format}
        status = {"LoggingEnabled": logging}
        self._set_bucket("put_bucket_logging", name, f"access logging into {target_bucket}", BucketLoggingStatus=status)

    def put_bucket_lifecycle(self, name: str, rules: list[dict[str, Any]]) -> None:
        self._set_bucket(
            "put_bucket_lifecycle_configuration", name, "the lifecycle rules", LifecycleConfiguration={"Rules": rules}
        )

    def put_bucket_inventory(self, name: str, configuration: dict[str, Any]) -> None:
        self._set_bucket(
            "put_bucket_inventory_configuration",
            name,
            f"inventory {configuration['Id']}",
            Id=configuration["Id"],
            InventoryConfiguration=configuration,
        )

    def create_user(self, name: str) -> str:
        return cast(str, self._call("iam", "create_user", f"creating IAM user {name}", UserName=name)["User"]["Arn"])

    def create_access_key(self, user: str) -> tuple[str, str]:
        """A new key pair for `user`: (access key id, secret). The secret is shown by AWS only now."""
        key = self._call("iam", "create_access_key", f"creating an access key for IAM user {user}", UserName=user)[
            "AccessKey"
        ]
        return key["AccessKeyId"], key["SecretAccessKey"]

    def put_user_policy(self, user: str, name: str, document: dict[str, Any]) -> None:
        self._call(
            "iam",
            "put_user_policy",
            f"setting policy {name} of IAM user {user}",
            UserName=user,
            PolicyName=name,
            PolicyDocument=json.dumps(document),
        )

    def create_ses_domain_identity(self, domain: str) -> list[str]:
        """Make `domain` an SES identity with Easy DKIM (safe to repeat); returns its DKIM tokens."""
        self._call("ses", "verify_domain_identity", f"creating the SES identity {domain}", Domain=domain)
        found = self._call("ses", "verify_domain_dkim", f"creating the DKIM tokens of {domain}", Domain=domain)
        return list(found.get("DkimTokens", []))

    def delete_access_key(self, user: str, key_id: str) -> None:
        self._call(
            "iam",
            "delete_access_key",
            f"deleting access key {key_id} of IAM user {user}",
            UserName=user,
            AccessKeyId=key_id,
        )


def _client_error(exc: "ClientError", what: str) -> DandiopsError:
    error = exc.response.get("Error", {})
    code = str(error.get("Code", ""))
    message = error.get("Message") or code
    if code in _MISSING_CODES:
        return NotFoundError(f"{what}: not found ({message})", hint="check the name in dandiops.toml")
    if code in _AUTH_CODES:
        return AuthError(
            f"AWS refused {what}: {message}",
            hint="check the AWS credentials and that their IAM policy allows this action",
        )
    if code in ("LimitExceeded", "EntityAlreadyExists", "BucketAlreadyExists", "BucketAlreadyOwnedByYou"):
        hint = (
            "an IAM user has at most two access keys: delete an unused one (`aws iam delete-access-key`)"
            if code == "LimitExceeded"
            else "read the current state and run again"
        )
        return ConflictError(f"AWS refused {what}: {message}", hint=hint)
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    if status >= 500 or code in ("Throttling", "SlowDown", "ServiceUnavailable"):
        return UnavailableError(f"AWS kept failing while {what}: {message}", hint="try again later")
    return DandiopsError(f"AWS error while {what}: {code}: {message}")
