"""Fixtures for backups, logs, access and alerts: the stand-in parts behind them, and what changed.

These commands talk to the Heroku stand-in only (Platform API, Data API, log sessions), so the
`sandbox` here runs just that component, with the extensions build_sandbox installs; its
responses are validated against Heroku's schema at teardown exactly as the shared fixture does.
test_sandbox_wiring.py checks the full sandbox carries the same extensions.
"""

from __future__ import annotations

import threading

import pytest

from heroku_schema import schema_problems


@pytest.fixture
def sandbox(tmp_path, schema_validator):
    from dandiops.sandbox.heroku.operations import operations_extensions
    from dandiops.sandbox.runtime import Sandbox

    box = Sandbox(tmp_path / "sandbox", heroku_extensions=operations_extensions())
    box.start()
    try:
        yield box
    finally:
        # Stopping waits for the server loop's half-second poll; nothing below needs the server gone.
        threading.Thread(target=box.stop, name="sandbox-stop", daemon=True).start()
    problems = schema_problems(box.heroku.state, schema_validator)
    assert not problems, "stand-in responses that break Heroku's schema:\n" + "\n".join(problems[:20])

@pytest.fixture
def data_api(sandbox):
    from dandiops.sandbox.heroku.data_api import HerokuDataStandIn
    from dandiops.sandbox.heroku.operations import installed

    return installed(sandbox, HerokuDataStandIn)


@pytest.fixture
def log_service(sandbox):
    from dandiops.sandbox.heroku.log_sessions import LogSessionsStandIn
    from dandiops.sandbox.heroku.operations import installed

    return installed(sandbox, LogSessionsStandIn)


@pytest.fixture
def app_features(sandbox):
    from dandiops.sandbox.heroku.features import AppFeaturesStandIn
    from dandiops.sandbox.heroku.operations import installed

    return installed(sandbox, AppFeaturesStandIn)


@pytest.fixture
def audit_lines(tmp_path):
    """The audit log the `cli` fixture writes to, as parsed JSON lines."""
    import json

    def read() -> list[dict]:
        path = tmp_path / "sandbox" / "audit.log"
        if not path.is_file():
            return []
        return [json.loads(line) for line in path.read_text().splitlines()]

    return read
