"""Test-wide hooks and isolation; the sandbox fixtures (one sandbox per worker, reset before each
test, and a CLI runner pointed at it) are in helpers/sandbox_fixtures.py.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

# Typer reads these at import: plain, wide help output regardless of CI variables.
os.environ["_TYPER_FORCE_DISABLE_TERMINAL"] = "1"
os.environ["TERMINAL_WIDTH"] = "3000"
os.environ.setdefault("DANDIOPS_RETRY_BASE_DELAY", "0.01")

import pytest
import typer.testing

# Typer builds the click command tree on every invoke (about 0.25 s for dandiops); the tree never
# changes within a run, so build it once.
typer.testing._get_command = functools.lru_cache(maxsize=None)(typer.testing._get_command)

# Property tests: no per-example deadline and no "too slow" check (a loaded 2-core CI machine is slow,
# not wrong); in CI a fixed seed, so a run is repeatable.
from hypothesis import HealthCheck  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402

hypothesis_settings.register_profile(
    "dandiops", deadline=None, derandomize=bool(os.environ.get("CI")), suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("dandiops")

# Test folders mirror the code (core/, providers/, app/, archive/, wizard/, cli/, sandbox/); what several
# folders share (fixtures, helpers, response checkers) lives in tests/helpers/, importable by module name.
sys.path.insert(0, str(Path(__file__).resolve().parent / "helpers"))
pytest_plugins = ["sandbox_fixtures"]

_CLEARED = (
    "HEROKU_API_KEY",
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "DANDIOPS_ENV",
    "DANDIOPS_CONFIG",
    "DANDIOPS_HEROKU_API_URL",
    "DANDIOPS_HEROKU_DATA_API_URL",
    "DANDIOPS_GITHUB_API_URL",
    "NETLIFY_AUTH_TOKEN",
    "DANDIOPS_NETLIFY_API_URL",
    "DANDIOPS_CONNECT_TO",
    "AWS_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "GITHUB_ACTIONS",
    "FORCE_COLOR",
    "PY_COLORS",
    "DANDIOPS_AUDIT_LOG",
)


def pytest_collection_modifyitems(items):
    """Every test that uses a running sandbox belongs to the sandbox tier; the rest is the fast tier
    (`pytest -m "not sandbox"`)."""
    for item in items:
        if {"sandbox", "worker_sandbox", "worker_empty_sandbox"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.sandbox)


@pytest.fixture(autouse=True)
def _fast_tier_starts_no_stand_in(request, monkeypatch):
    """A fast-tier test that starts a stand-in fails, naming the marker it needs."""
    if request.node.get_closest_marker("sandbox"):
        return
    from dandiops.sandbox.server import ServerThread

    def refuse(self):
        raise RuntimeError(
            "this test starts a sandbox stand-in: use the `sandbox` fixture or mark it `pytest.mark.sandbox`"
        )

    monkeypatch.setattr(ServerThread, "start", refuse)


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch, tmp_path):
    for name in _CLEARED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("DANDIOPS_AUDIT_LOG", str(tmp_path / "audit.log"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))  # locks land here, not in the user's home
    monkeypatch.chdir(tmp_path)


@pytest.fixture(autouse=True)
def _needs_terraform(request):
    """Tests marked `needs_terraform` skip without the binary, except in CI (DANDIOPS_REQUIRE_TERRAFORM=1)."""
    import shutil

    if request.node.get_closest_marker("needs_terraform") and shutil.which("terraform") is None:
        if os.environ.get("DANDIOPS_REQUIRE_TERRAFORM"):
            pytest.fail("terraform is not installed, and CI requires the tests that run it")
        pytest.skip("terraform is not installed")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI (DANDIOPS_REQUIRE_POSTGRES=1) a PostgreSQL test that skips is a failure, not a pass."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("DANDIOPS_REQUIRE_POSTGRES") and item.get_closest_marker("postgres"):
        report.outcome = "failed"
        report.longrepr = f"PostgreSQL test skipped in CI: {report.longrepr}"


# PyGithub pauses 1 s between writes to spare api.github.com; the GitHub stand-in needs no pause.
os.environ.setdefault("DANDIOPS_GITHUB_WRITE_INTERVAL", "0")
