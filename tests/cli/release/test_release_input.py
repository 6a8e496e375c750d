"""`dandiops release` refuses values that parse but are wrong, before it sends any request."""

from __future__ import annotations

import pytest

from dandiops.core.errors import ExitCode


def _requests(sandbox, gh_state) -> list:
    return list(gh_state.requests) + list(sandbox.heroku.state.requests)


@pytest.mark.parametrize(
    "tag",
    [
        "v\u0661.\u0662.\u0663",  # Arabic-Indic digits
        "v1.2.3\n",
        "v1.2.3 ",
        "v\uff11.2.3",  # a fullwidth digit
        "v1.2",
        "1.2.3",
        "v01.2.3",
        "v1.2.3-",
        "v1.2.3-rc..1",
        "v1.2.3-rc_1",
        "v1.2.3+build.5",
    ],
)
def test_tag_that_is_not_an_ascii_version_is_refused_before_any_request(cli, sandbox, gh_state, production_app, tag):
    result = cli("release", "production", "--tag", tag, "--yes")
    assert result.exit_code == ExitCode.USAGE, result
    assert "is not a version tag like v1.2.3" in result.stderr
    assert "vMAJOR.MINOR.PATCH" in result.stderr
    assert _requests(sandbox, gh_state) == []


@pytest.mark.parametrize("tag", ["v1.2.3", "v0.10.0", "v1.2.3-rc.1", "v2.0.0-beta"])
def test_ascii_version_tag_is_accepted(cli, gh_state, production_app, tag):
    result = cli("release", "production", "--tag", tag, "--dry-run")
    assert result.exit_code == ExitCode.OK, result
    assert f"would publish release {tag} at master" in result.stderr
    assert gh_state.writes() == []


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "-5", "0"])
def test_timeout_that_is_not_a_positive_number_of_seconds_is_refused_before_any_request(
    cli, sandbox, gh_state, dispatchable, value
):
    result = cli("release", "staging", "--timeout", value)
    assert result.exit_code == ExitCode.USAGE, result
    assert "--timeout" in result.stderr and "e.g. --timeout 900" in result.stderr
    assert _requests(sandbox, gh_state) == []


@pytest.mark.parametrize(
    "name, value",
    [
        ("DANDIOPS_POLL_INTERVAL", "nan"),
        ("DANDIOPS_POLL_INTERVAL", "inf"),
        ("DANDIOPS_POLL_INTERVAL", "0"),
        ("DANDIOPS_POLL_INTERVAL", "-1"),
        ("DANDIOPS_POLL_INTERVAL", "soon"),
        ("DANDIOPS_GITHUB_WRITE_INTERVAL", "nan"),
        ("DANDIOPS_GITHUB_WRITE_INTERVAL", "-1"),
        ("DANDIOPS_GITHUB_WRITE_INTERVAL", "one"),
        ("DANDIOPS_GITHUB_MAX_RATE_WAIT", "inf"),
        ("DANDIOPS_GITHUB_MAX_RATE_WAIT", "-60"),
        ("DANDIOPS_GITHUB_MAX_RATE_WAIT", "a minute"),
    ],
)
def test_duration_setting_that_is_not_a_number_of_seconds_is_refused_before_any_request(
    cli, sandbox, gh_state, dispatchable, monkeypatch, name, value
):
    monkeypatch.setenv(name, value)
    result = cli("release", "staging", "--detach")
    assert result.exit_code == ExitCode.CONFIG, result
    assert name in result.stderr and "seconds" in result.stderr
    assert "Traceback" not in result.stderr
    assert _requests(sandbox, gh_state) == []


@pytest.mark.parametrize(
    "name, value", [("DANDIOPS_GITHUB_WRITE_INTERVAL", "0"), ("DANDIOPS_GITHUB_MAX_RATE_WAIT", "0")]
)
def test_zero_write_interval_and_zero_rate_wait_are_accepted(cli, dispatchable, staging_app, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    result = cli("release", "staging", "--detach")
    assert result.exit_code == ExitCode.OK, result
