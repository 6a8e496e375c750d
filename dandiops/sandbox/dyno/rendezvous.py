"""A rendezvous listener like rendezvous.runtime.heroku.com:5000, on 127.0.0.1 with its own CA.

A client opens TLS to the port of a dyno's `attach_url`, writes the URL's path (the secret) and a
line end, and from then on the connection carries the dyno's output one way and its stdin the
other. The certificate is made at start (SAN IP:127.0.0.1) and written beside the sandbox so
clients can trust it through DANDIOPS_RENDEZVOUS_CA_FILE (or NODE_EXTRA_CA_CERTS for the
official CLI).

Faults (`inject_fault`) apply to connections in the order they arrive: a `delay` holds the TLS
handshake back, kind "stall" never answers it (a network path that swallows the connection).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import secrets as random_secrets
import socket
import ssl
import threading
import time
from pathlib import Path
from typing import Callable

from dandiops.sandbox.faults import Fault, FaultInjection
from dandiops.sandbox.server import ThreadedService

Handler = Callable[[ssl.SSLSocket], None]

_SECRET_READ_TIMEOUT = 10.0


def make_certificate(folder: Path, name: str = "rendezvous") -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost, written as NAME-ca.pem and NAME-key.pem
    in `folder`; returns (certificate, key) paths."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    # A name of its own: trust stores find issuers by name, so two sandboxes' CAs must not share one.
    common_name = f"dandiops sandbox {name} {random_secrets.token_hex(4)}"
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    start = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=5)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False,
        )
        # It is its own trust anchor, so it must be allowed to act as a CA.
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    cert_path = folder / f"{name}-ca.pem"
    key_path = folder / f"{name}-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    return cert_path, key_path


class RendezvousListener(FaultInjection, ThreadedService):
    """Accepts TLS connections and hands each to the handler registered under its secret."""

    def __init__(self, cert_dir: Path, host: str = "127.0.0.1"):
        self.lock = threading.RLock()  # the faults'
        self.faults: list[Fault] = []
        self.host = host
        self.cert_path, key_path = make_certificate(cert_dir)
        self._tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._tls.load_cert_chain(self.cert_path, key_path)
        self._handlers: dict[str, Handler] = {}
        self._lock = threading.Lock()
        self._stalls_end = threading.Event()  # set to let go of the connections a "stall" fault holds
        self._listen()

    def _listen(self) -> None:
        self._socket = socket.create_server((self.host, 0))
        self.port = self._socket.getsockname()[1]
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._accept_loop, args=(self._socket, self._stopping), name=f"rendezvous:{self.port}", daemon=True
        )

    def _interrupt(self) -> None:
        self._stopping.set()
        self._stalls_end.set()
        try:
            self._socket.shutdown(socket.SHUT_RDWR)  # wakes the accept at once
        except OSError:
            pass

    def _release(self) -> None:
        self._socket.close()

    def reset(self) -> None:
        """No faults, no dyno waiting for its client, stalled connections closed, listening (again, on a new
        port, if it was stopped: attach URLs carry the port, the CA stays the same)."""
        with self.lock:
            self.faults = []
        with self._lock:
            self._handlers.clear()
        self._stalls_end.set()
        self._stalls_end = threading.Event()
        if self._stopping.is_set():
            self._listen()
            self.start()

    def new_secret(self) -> str:
        return random_secrets.token_urlsafe(24)

    def attach_url(self, secret: str) -> str:
        return f"rendezvous://{self.host}:{self.port}/{secret}"

    def register(self, secret: str, handler: Handler) -> None:
        with self._lock:
            self._handlers[secret] = handler

    def unregister(self, secret: str) -> None:
        with self._lock:
            self._handlers.pop(secret, None)

    def _accept_loop(self, listening: socket.socket, stopping: threading.Event) -> None:
        while not stopping.is_set():
            try:
                raw, _ = listening.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(raw,), name="rendezvous-conn", daemon=True).start()

    def _serve(self, raw: socket.socket) -> None:
        fault = self.take_fault("CONNECT", "/")
        if fault and fault.kind == "stall":
            self._stalls_end.wait()
            raw.close()
            return
        if fault and fault.delay:
            time.sleep(fault.delay)
        raw.settimeout(_SECRET_READ_TIMEOUT)
        try:
            conn = self._tls.wrap_socket(raw, server_side=True)
        except (OSError, ssl.SSLError):
            raw.close()
            return
        try:
            secret = self._read_secret(conn)
            with self._lock:
                # One attach per secret, as on Heroku: a second connection finds nothing.
                handler = self._handlers.pop(secret, None) if secret else None
            if handler is None:
                conn.close()
                return
            handler(conn)
        except (OSError, ssl.SSLError):
            conn.close()

    @staticmethod
    def _read_secret(conn: ssl.SSLSocket) -> str:
        # Clients differ: the official CLI sends "secret\r\n", Ruby "secret\n", heroku3 just "secret".
        data = b""
        while b"\n" not in data and len(data) < 1024:
            chunk = conn.recv(1024)
            if not chunk:
                break
            data += chunk
            if b"\n" not in data and len(data) >= 16:
                break  # a whole secret without a line end: take it as is
        return data.decode("ascii", "replace").strip()
