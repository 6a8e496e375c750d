"""AWS in the sandbox: moto's ThreadedMotoServer on 127.0.0.1 for S3, IAM and STS, seeded as Terraform would.

For each sandbox environment: the dandiset bucket (versioned, public access allowed, Terraform's
bucket policy, CORS, AES256, owner-enforced) with its log and inventory buckets, and the app's
IAM user with one access key, whose id and secret replace the Heroku app's AWS_* config vars so
the two stand-ins agree. Every request is recorded, so tests can prove a run wrote nothing.

moto keeps its data in process-wide backends: starting or resetting a component resets them, so
one process should run one sandbox's AWS at a time.
"""

from __future__ import annotations

import io
import secrets as random_secrets
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from dandiops.archive.infrastructure import PUBLIC_ACCESS_BLOCK, bucket_policy, default_iam_user

if TYPE_CHECKING:
    from dandiops.sandbox.runtime import Sandbox

REGION = "us-east-2"
READ_ACTION_PREFIXES = ("Get", "List", "Describe", "Head", "Simulate")


@dataclass(frozen=True)
class AwsRequest:
    method: str
    path: str
    action: str | None  # the query API's Action (IAM, STS); None for S3's REST calls

    @property
    def write(self) -> bool:
        if self.action is not None:
            return not self.action.startswith(READ_ACTION_PREFIXES)
        return self.method in ("PUT", "POST", "DELETE", "PATCH")


class _RequestCount:
    """Requests to every moto server in this process: they share moto's backends, which change only
    through requests (moto's own reset included)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.value = 0

    def add(self) -> None:
        with self._lock:
            self.value += 1


_moto_requests = _RequestCount()


class RequestRecorder:
    """WSGI middleware noting each request's method, path and Action (the body is passed on intact)."""

    def __init__(self, app, log: list[AwsRequest], lock: threading.Lock):
        self.app = app
        self.log = log
        self.lock = lock

    def __call__(self, environ, start_response):
        _moto_requests.add()
        path = environ.get("PATH_INFO", "")
        action = parse_qs(environ.get("QUERY_STRING", "")).get("Action", [None])[0]
        if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(body)
            action = parse_qs(body.decode("utf-8", "replace")).get("Action", [action])[0]
        if not path.startswith("/moto-api"):
            with self.lock:
                self.log.append(AwsRequest(environ["REQUEST_METHOD"], path, action))
        return self.app(environ, start_response)


def _recording_server(log: list[AwsRequest], lock: threading.Lock):
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from moto.server import ThreadedMotoServer
    from werkzeug.serving import make_server

    class RecordingMotoServer(ThreadedMotoServer):
        """ThreadedMotoServer whose WSGI app is wrapped by the request recorder."""

        def _server_entry(self) -> None:
            app = RequestRecorder(DomainDispatcherApplication(create_backend_app), log, lock)
            self._server = make_server(self._ip_address, self._port, app, True, request_handler=_Quiet)
            self._server_ready_event.set()
            self._server.serve_forever(poll_interval=0.05)  # stop() waits up to one poll

    class _Quiet(MotoRequestHandler):
        def log_request(self, *args, **kwargs) -> None:  # werkzeug would print every request to stderr
            pass

    return RecordingMotoServer(ip_address="127.0.0.1", port=0, verbose=False)


class AwsComponent:
    """moto for S3, IAM and STS; `seed=False` starts it empty (tests that build their own resources)."""

    def __init__(self, *, seed: bool = True):
        self.seed_resources = seed
        self.requests: list[AwsRequest] = []
        self._lock = threading.Lock()
        self.server = None
        self.access_key_id = "AKIASANDBOX" + random_secrets.token_hex(4).upper()
        self.secret_access_key = "sandbox-aws-" + random_secrets.token_hex(16)
        self.users: dict[str, str] = {}  # environment -> IAM user name
        self._keys: dict[str, tuple[str, str]] = {}  # environment -> its IAM user's access key (id, secret)
        self._seeded_after: int | None = None  # moto's request count when the seed was done

    def start(self, sandbox: "Sandbox") -> None:
        self.server = _recording_server(self.requests, self._lock)
        self.server.start()
        self.reset(sandbox)

    def halt(self) -> None:
        pass  # moto answers each request as it comes; nothing runs between requests

    def reset(self, sandbox: "Sandbox") -> None:
        """moto's own reset (every backend empty), then the same seed as at start; the request log is emptied.

        When no request at all has reached moto in this process since the seed, its backends are still
        exactly as seeded and only the Heroku apps (seeded anew) are given the users' keys again.
        """
        if self._seeded_after is not None and self._seeded_after == _moto_requests.value:
            self._give_apps_their_keys(sandbox)
            return
        import urllib.request

        urllib.request.urlopen(urllib.request.Request(f"{self.url}/moto-api/reset", method="POST"), timeout=10).read()
        self.users.clear()
        self._keys.clear()
        if self.seed_resources:
            self.seed(sandbox)
        with self._lock:
            self.requests.clear()
        self._seeded_after = _moto_requests.value

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    @property
    def url(self) -> str:
        host, port = self.server.get_host_and_port()
        return f"http://{host}:{port}"

    def environment(self) -> dict[str, str]:
        return {
            "AWS_ENDPOINT_URL": self.url,
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_DEFAULT_REGION": REGION,
        }

    def environment_settings(self, env_name: str) -> dict[str, Any]:
        return {"iam_user": self.users[env_name]} if env_name in self.users else {}

    def client(self, service: str):
        """A boto3 client for this moto (tests use it to look behind dandiops, and to make drift)."""
        return _seed_session().client(service, endpoint_url=self.url)

    def writes(self) -> list[AwsRequest]:
        with self._lock:
            return [r for r in self.requests if r.write]

    # --- what Terraform makes ----------------------------------------------------------------
    def seed(self, sandbox: "Sandbox") -> None:
        s3, iam = self.client("s3"), self.client("iam")
        heroku = sandbox.heroku
        for env_name in sandbox.ENVIRONMENTS:
            settings = heroku.environment_settings(env_name)
            app_name, bucket = settings["heroku_app"], settings["bucket"]
            user = default_iam_user(app_name)
            self.users[env_name] = user
            user_arn = iam.create_user(UserName=user)["User"]["Arn"]
            key = iam.create_access_key(UserName=user)["AccessKey"]
            self._keys[env_name] = (key["AccessKeyId"], key["SecretAccessKey"])
            make_dandiset_bucket(s3, bucket, user_arn)
        self._give_apps_their_keys(sandbox)

    def _give_apps_their_keys(self, sandbox: "Sandbox") -> None:
        """Each app's AWS_* config vars are its IAM user's key, so the two stand-ins agree."""
        heroku = sandbox.heroku
        for env_name, (key_id, secret) in self._keys.items():
            app = heroku.state.find_app(heroku.environment_settings(env_name)["heroku_app"])
            if app is not None:
                heroku.state.seed_config(
                    app, {"AWS_ACCESS_KEY_ID": key_id, "AWS_SECRET_ACCESS_KEY": secret, "AWS_DEFAULT_REGION": REGION}
                )


_session = None


def _seed_session():
    """One boto3 session per process: building clients from a warm session is much faster."""
    global _session
    if _session is None:
        import boto3

        _session = boto3.session.Session(
            aws_access_key_id="AKIASANDBOXSEED", aws_secret_access_key="sandbox-seed", region_name=REGION
        )
    return _session


def make_dandiset_bucket(s3, bucket: str, user_arn: str) -> None:
    """The dandiset bucket and its log and inventory buckets, as modules/dandiset_bucket makes them."""
    import json

    from dandiops.archive import infrastructure as tf

    account = _seed_session().client("sts", endpoint_url=s3.meta.endpoint_url).get_caller_identity()["Account"]
    log, inventory = tf.default_log_bucket(bucket), tf.default_inventory_bucket(bucket)
    location = {"LocationConstraint": REGION}
    for name in (bucket, log, inventory):
        s3.create_bucket(Bucket=name, CreateBucketConfiguration=location)
    for name in (bucket, log):
        s3.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": tf.ENCRYPTION_ALGORITHM}}]
            },
        )
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=dict(PUBLIC_ACCESS_BLOCK))
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [dict(tf.CORS_RULE)]})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_ownership_controls(
        Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": tf.OBJECT_OWNERSHIP}]}
    )
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(bucket_policy(bucket, user_arn)))
    s3.put_bucket_policy(
        Bucket=log, Policy=json.dumps(tf.merged_policy(None, tf.log_bucket_statement(log, bucket, account)))
    )
    s3.put_bucket_policy(
        Bucket=inventory,
        Policy=json.dumps(tf.merged_policy(None, tf.inventory_bucket_statement(inventory, [bucket, log], account))),
    )
    s3.put_bucket_logging(
        Bucket=bucket, BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": log, "TargetPrefix": ""}}
    )
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": list(tf.LIFECYCLE_RULES)})
    for source, spec in [*((bucket, spec) for spec in tf.DANDISET_INVENTORIES), (log, tf.LOG_INVENTORY)]:
        s3.put_bucket_inventory_configuration(
            Bucket=source, Id=spec.id, InventoryConfiguration=spec.configuration(inventory)
        )
