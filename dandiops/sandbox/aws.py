"""AWS in the sandbox: moto's ThreadedMotoServer on 127.0.0.1 for S3, IAM, STS and SES.

An empty sandbox's account has nothing. Otherwise, seeded as Terraform would, for each sandbox
environment: the dandiset bucket (versioned, public access allowed, Terraform's
bucket policy, CORS, AES256, owner-enforced) with its log and inventory buckets, and the app's
IAM user with one access key, whose id and secret replace the Heroku app's AWS_* config vars so
the two stand-ins agree; and, as the smtp module makes them, the SES identity of the API's domain
and an IAM user allowed ses:SendRawEmail whose key's SMTP password is in the app's
DJANGO_EMAIL_URL, pointing at the sandbox's SMTP server. Every request is recorded, so tests can
prove a run wrote nothing.

SES calls dandiops makes that moto does not answer (SesAdditions: v2 GetAccount) are answered in
front of moto, at the method and path botocore's service model gives them, in the shape of its
output (`model_problems` checks an answer against it). A seeded account has production access; one
started empty is in the SES sandbox, as a new AWS account is.

moto keeps its data in process-wide backends: starting a component or restoring its snapshot
replaces them, so a process may hold several sandboxes but uses one sandbox's AWS at a time (each
test resets the sandbox it uses first).
"""

from __future__ import annotations

import io
import json
import secrets as random_secrets
import threading
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from dandiops.archive.infrastructure import PUBLIC_ACCESS_BLOCK, bucket_policy, default_iam_user

if TYPE_CHECKING:
    from dandiops.sandbox.runtime import Sandbox

REGION = "us-east-2"
SNAPSHOT_SERVICES = ("s3", "iam", "ses", "sesv2")  # the moto backends that hold state (STS answers from the account)
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


def _credential_scope(environ) -> tuple[str | None, str | None]:
    """(region, service) of a SigV4-signed request's Authorization header."""
    header = environ.get("HTTP_AUTHORIZATION", "")
    _, found, rest = header.partition("Credential=")
    parts = rest.split(",", 1)[0].split("/") if found else []
    return (parts[2], parts[3]) if len(parts) >= 5 else (None, None)


class SesAdditions:
    """WSGI middleware answering the SES v2 operations moto lacks, before moto sees the request."""

    SERVICE = "sesv2"

    def __init__(self, app, component: "AwsComponent"):
        from botocore.session import get_session

        self.app = app
        self.component = component
        model = get_session().get_service_model(self.SERVICE)
        self.signing_name = model.signing_name
        self.routes = {}
        for operation, answer in (("GetAccount", self.get_account),):
            http = model.operation_model(operation).http
            self.routes[(http["method"], http["requestUri"])] = answer

    def __call__(self, environ, start_response):
        answer = self.routes.get((environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")))
        region, service = _credential_scope(environ)
        if answer is None or service != self.signing_name or region is None:
            return self.app(environ, start_response)
        body = json.dumps(answer(region)).encode()
        start_response(
            "200 OK",
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(body))),
                ("x-amzn-RequestId", str(uuid.uuid4())),
            ],
        )
        return [body]

    def get_account(self, region: str) -> dict[str, Any]:
        """What SES answers for an account of `region`: a sandbox account's quota is 200 a day, 1 a second."""
        production = self.component.ses_production_access(region)
        return {
            "DedicatedIpAutoWarmupEnabled": False,
            "EnforcementStatus": "HEALTHY",
            "ProductionAccessEnabled": production,
            "SendQuota": {
                "Max24HourSend": 50000.0 if production else 200.0,
                "MaxSendRate": 14.0 if production else 1.0,
                "SentLast24Hours": 0.0,
            },
            "SendingEnabled": True,
            "SuppressionAttributes": {"SuppressedReasons": []},
        }


def model_problems(service: str, operation: str, answer: Any) -> list[str]:
    """Where `answer` (a JSON document) breaks the output shape botocore's model gives `operation`."""
    from botocore.session import get_session

    shape = get_session().get_service_model(service).operation_model(operation).output_shape
    problems: list[str] = []

    def check(shape, value: Any, where: str) -> None:
        kind = shape.type_name
        expected = {
            "structure": dict,
            "map": dict,
            "list": list,
            "string": str,
            "boolean": bool,
            "timestamp": (str, int, float),
            "blob": str,
        }.get(kind, (int, float))
        if isinstance(value, bool) and kind not in ("boolean",) or not isinstance(value, expected):
            problems.append(f"{where}: {type(value).__name__} where the model has a {kind}")
            return
        if kind == "structure":
            for name in set(value) - set(shape.members):
                problems.append(f"{where}.{name}: not a member of {shape.name}")
            for name in shape.required_members:
                if name not in value:
                    problems.append(f"{where}.{name}: required by {shape.name}, missing")
            for name, member in value.items():
                if name in shape.members:
                    check(shape.members[name], member, f"{where}.{name}")
        elif kind == "list":
            for index, item in enumerate(value):
                check(shape.member, item, f"{where}[{index}]")
        elif kind == "map":
            for key, item in value.items():
                check(shape.value, item, f"{where}.{key}")
        elif kind == "string" and shape.enum and value not in shape.enum:
            problems.append(f"{where}: {value!r} is not one of {shape.name}'s values")

    check(shape, answer, operation)
    return problems


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


def _recording_server(log: list[AwsRequest], lock: threading.Lock, component: "AwsComponent"):
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from moto.server import ThreadedMotoServer
    from werkzeug.serving import make_server

    class RecordingMotoServer(ThreadedMotoServer):
        """ThreadedMotoServer whose WSGI app is wrapped by the request recorder."""

        def _server_entry(self) -> None:
            app = RequestRecorder(SesAdditions(DomainDispatcherApplication(create_backend_app), component), log, lock)
            self._server = make_server(self._ip_address, self._port, app, True, request_handler=_Quiet)
            self._server_ready_event.set()
            self._server.serve_forever(poll_interval=0.05)  # stop() waits up to one poll

    class _Quiet(MotoRequestHandler):
        def log_request(self, *args, **kwargs) -> None:  # werkzeug would print every request to stderr
            pass

    return RecordingMotoServer(ip_address="127.0.0.1", port=0, verbose=False)


@dataclass(frozen=True)
class AwsSnapshot:
    backends: bytes  # moto's backends of SNAPSHOT_SERVICES, pickled (their objects' contents included)
    keys: dict[str, tuple[str, str]]
    smtp_keys: dict[str, tuple[str, str]]
    ses_production: dict[str, bool]


class AwsComponent:
    """moto for S3, IAM, STS and SES."""

    def __init__(self) -> None:
        self.requests: list[AwsRequest] = []
        self._lock = threading.Lock()
        self.server = None
        self.access_key_id = "AKIASANDBOX" + random_secrets.token_hex(4).upper()
        self.secret_access_key = "sandbox-aws-" + random_secrets.token_hex(16)
        self.users: dict[str, str] = {}  # environment -> IAM user name, as dandiops.toml names it
        self._keys: dict[str, tuple[str, str]] = {}  # environment -> its IAM user's access key (id, secret)
        self._smtp_keys: dict[str, tuple[str, str]] = {}  # environment -> its SMTP user's access key
        self._ses_production: dict[str, bool] = {}  # region -> whether SES granted production access
        self._smtp_address: str | None = None  # the sandbox's SMTP server, when it has one
        self._restored: tuple[AwsSnapshot, int] | None = None  # the last snapshot restored, moto's count then

    def start(self, sandbox: "Sandbox") -> None:
        for env_name in sandbox.ENVIRONMENTS:  # Terraform's name for each app's user, made or not
            self.users[env_name] = default_iam_user(sandbox.heroku.environment_settings(env_name)["heroku_app"])
        self._smtp_address = _smtp_address(sandbox)
        self.server = _recording_server(self.requests, self._lock, self)
        self.server.start()
        self._reset_moto()
        if sandbox.seeded:
            self._ses_production = {REGION: True}
            self.seed(sandbox)

    def halt(self) -> None:
        pass  # moto answers each request as it comes; nothing runs between requests

    def snapshot(self) -> AwsSnapshot:
        """Every bucket (with its objects), user, key and SES identity as moto has them now."""
        import pickle

        from moto.backends import get_backend

        saved = AwsSnapshot(
            pickle.dumps({name: dict(get_backend(name)) for name in SNAPSHOT_SERVICES}),  # type: ignore[call-overload]
            dict(self._keys),
            dict(self._smtp_keys),
            dict(self._ses_production),
        )
        self._restored = (saved, _moto_requests.value)
        return saved

    def restore(self, sandbox: "Sandbox", snapshot: AwsSnapshot) -> None:
        """moto's backends as `snapshot` saw them; the request log is emptied.

        When no request at all has reached moto in this process since this snapshot was taken or last
        restored, its backends are still exactly that and are left alone."""
        import pickle

        from moto.backends import get_backend

        with self._lock:
            self.requests.clear()
        self._smtp_address = _smtp_address(sandbox)
        self._ses_production = dict(snapshot.ses_production)
        if self._restored is not None and self._restored[0] is snapshot and self._restored[1] == _moto_requests.value:
            return
        self._reset_moto()
        for name, accounts in pickle.loads(snapshot.backends).items():
            backends = get_backend(name)  # type: ignore[call-overload]
            backends.update(accounts)
            for account in accounts:
                backends[account]  # noqa: B018 - a lookup enrols the backends in moto's next reset
        self._keys, self._smtp_keys = dict(snapshot.keys), dict(snapshot.smtp_keys)
        self._restored = (snapshot, _moto_requests.value)

    def _reset_moto(self) -> None:
        """Every moto backend of this process empty (moto's own reset)."""
        import urllib.request

        urllib.request.urlopen(urllib.request.Request(f"{self.url}/moto-api/reset", method="POST"), timeout=10).read()
        self._keys.clear()
        self._smtp_keys.clear()

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

    def ses_production_access(self, region: str = REGION) -> bool:
        return self._ses_production.get(region, False)

    def set_ses_production_access(self, granted: bool, region: str = REGION) -> None:
        """What AWS support decides on a request for production access (until the next reset)."""
        self._ses_production[region] = granted

    def client(self, service: str):
        """A boto3 client for this moto (tests use it to look behind dandiops, and to make drift)."""
        return _seed_session().client(service, endpoint_url=self.url)

    def writes(self) -> list[AwsRequest]:
        with self._lock:
            return [r for r in self.requests if r.write]

    # --- what Terraform makes ----------------------------------------------------------------
    def seed(self, sandbox: "Sandbox") -> None:
        from dandiops.archive.email import SEND_POLICY_NAME, default_smtp_user, send_policy

        s3, iam, ses = self.client("s3"), self.client("iam"), self.client("ses")
        heroku = sandbox.heroku
        for env_name in sandbox.ENVIRONMENTS:
            settings = heroku.environment_settings(env_name)
            app_name, bucket, user = settings["heroku_app"], settings["bucket"], self.users[env_name]
            user_arn = iam.create_user(UserName=user)["User"]["Arn"]
            key = iam.create_access_key(UserName=user)["AccessKey"]
            self._keys[env_name] = (key["AccessKeyId"], key["SecretAccessKey"])
            make_dandiset_bucket(s3, bucket, user_arn)
            # the smtp module: the API's domain as an SES identity with Easy DKIM, a user that may send
            domain = _mail_domain(settings)
            ses.verify_domain_identity(Domain=domain)
            ses.verify_domain_dkim(Domain=domain)
            smtp_user = default_smtp_user(app_name)
            iam.create_user(UserName=smtp_user)
            iam.put_user_policy(
                UserName=smtp_user, PolicyName=SEND_POLICY_NAME, PolicyDocument=json.dumps(send_policy())
            )
            smtp_key = iam.create_access_key(UserName=smtp_user)["AccessKey"]
            self._smtp_keys[env_name] = (smtp_key["AccessKeyId"], smtp_key["SecretAccessKey"])
        self._give_apps_their_keys(sandbox)

    def _give_apps_their_keys(self, sandbox: "Sandbox") -> None:
        """Each app's AWS_* config vars are its IAM user's key, and its DJANGO_EMAIL_URL signs in to the
        sandbox's SMTP server with its SMTP user's key, so the stand-ins agree."""
        from dandiops.archive.email import default_from_email, email_url, smtp_address
        from dandiops.providers.aws import ses_smtp_password

        heroku = sandbox.heroku
        for env_name, (key_id, secret) in self._keys.items():
            settings = heroku.environment_settings(env_name)
            app = heroku.state.find_app(settings["heroku_app"])
            if app is None:
                continue
            config = {"AWS_ACCESS_KEY_ID": key_id, "AWS_SECRET_ACCESS_KEY": secret, "AWS_DEFAULT_REGION": REGION}
            if self._smtp_address and env_name in self._smtp_keys:
                smtp_key_id, smtp_secret = self._smtp_keys[env_name]
                host, port = smtp_address(REGION, self._smtp_address)
                config["DJANGO_EMAIL_URL"] = email_url(smtp_key_id, ses_smtp_password(smtp_secret, REGION), host, port)
                config["DJANGO_DEFAULT_FROM_EMAIL"] = default_from_email(_mail_domain(settings))
            heroku.state.seed_config(app, config)


def _mail_domain(settings: dict[str, Any]) -> str:
    from urllib.parse import urlsplit

    return str(urlsplit(settings["api_url"]).hostname)


def _smtp_address(sandbox: "Sandbox") -> str | None:
    """HOST:PORT of the sandbox's SMTP server, if it has one (it starts before this component)."""
    from dandiops.sandbox.smtp import SesSmtpComponent

    smtp = next((c for c in sandbox.components if isinstance(c, SesSmtpComponent)), None)
    return smtp.address if smtp is not None and smtp.port else None


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
    log, inventory = tf.companion_bucket(bucket, "logs"), tf.companion_bucket(bucket, "inventory")
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
