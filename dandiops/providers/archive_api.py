"""The archive's public API as its users reach it: `GET {api_url}/api/info/`.

A probe never raises: what it saw (status, time taken, the instance it names, or why it could
not reach the API) is the answer. Nothing here prints.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any, Mapping


@dataclass(frozen=True)
class InfoProbe:
    url: str
    status: int | None = None
    latency_ms: int | None = None
    instance_name: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.error is None

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


def probe_info(api_url: str, *, timeout: float = 30.0, environ: Mapping[str, str] | None = None) -> InfoProbe:
    import httpx

    from dandiops.core.settings import connect_origin
    from dandiops.providers.http import tls_context

    url = f"{api_url.rstrip('/')}/api/info/"
    started = time.monotonic()
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False, verify=tls_context()) as client:
            answer = client.get(connect_origin(url, environ), headers={"Accept": "application/json"})
    except httpx.HTTPError as exc:
        return InfoProbe(url, error=f"not reached ({type(exc).__name__})")
    latency_ms = round((time.monotonic() - started) * 1000)
    if answer.status_code != 200:
        return InfoProbe(url, answer.status_code, latency_ms, error=f"answered {answer.status_code}")
    try:
        body = answer.json()
        name = body["instance_config"]["instance_name"]
    except (ValueError, KeyError, TypeError):
        return InfoProbe(url, answer.status_code, latency_ms, error="answered 200 without the archive's info")
    return InfoProbe(url, answer.status_code, latency_ms, instance_name=str(name))
