"""However a run ends early, the one-off dyno it created is stopped: checked in the stand-in's dyno list.

The faults are the sandbox's own: a create whose answer is lost (the Heroku stand-in carries the
request out, then closes the connection), a rendezvous listener that swallows the TLS handshake
or is gone, a reader of the output that goes away, Ctrl-C.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from dyno_helpers import STAGING_APP, audit_lines, dyno_posts, one_off_dynos, wait_until

DYNOS = f"/apps/{STAGING_APP}/dynos"


def stops(state) -> list[int]:
    return [r.status for r in state.requests if r.path.endswith("/actions/stop")]


def no_dynos(state) -> bool:
    return one_off_dynos(state) == []


def test_a_stalled_tls_handshake_ends_at_the_start_limit_and_stops_the_dyno(cli, heroku_state, dyno_component):
    dyno_component.listener.inject_fault(0, kind="stall")
    result = cli("run", "-e", "staging", "--start-timeout", "0.5", "--", "echo", "never")
    assert result.exit_code == 8, result
    assert "dyno run.1 did not start within 0.5 s; it was stopped" in result.stderr
    assert stops(heroku_state) == [202]
    wait_until(lambda: no_dynos(heroku_state))


def test_a_refused_rendezvous_connection_stops_the_dyno(cli, heroku_state, dyno_component):
    dyno_component.listener.stop()
    result = cli("run", "-e", "staging", "--", "echo", "never")
    assert result.exit_code == 9, result
    assert "could not connect to dyno run.1" in result.stderr
    assert stops(heroku_state) == [202]
    wait_until(lambda: no_dynos(heroku_state))


def test_a_lost_create_answer_is_reconciled_by_the_dyno_list_not_retried(cli, heroku_state):
    heroku_state.inject_fault(0, methods={"POST"}, path_prefix=DYNOS, kind="drop")
    result = cli("run", "-e", "staging", "--", "echo", "never")
    assert result.exit_code == 9, result
    assert "the dyno it had created (run.1) was stopped" in result.stderr
    assert len(dyno_posts(heroku_state)) == 1
    assert [r.method for r in heroku_state.requests if r.path == DYNOS] == ["POST", "GET"]
    assert stops(heroku_state) == [202]
    wait_until(lambda: no_dynos(heroku_state))


def test_a_lost_create_answer_that_cannot_be_reconciled_is_audited_as_unknown(cli, heroku_state):
    heroku_state.inject_fault(0, methods={"POST"}, path_prefix=DYNOS, kind="drop")
    heroku_state.inject_fault(503, 10, methods={"GET"}, path_prefix=DYNOS)
    result = cli("run", "-e", "staging", "--", "echo", "never")
    assert result.exit_code == 9, result
    assert "whether the dyno was created is unknown" in result.stderr
    assert f"heroku ps -a {STAGING_APP}" in result.stderr
    line = audit_lines()[-1]
    assert (line["action"], line["result"]) == (f"POST {DYNOS}", "unknown")


def test_a_create_answered_after_the_start_limit_is_stopped(cli, heroku_state):
    heroku_state.inject_fault(0, methods={"POST"}, path_prefix=DYNOS, kind="drop", delay=30)
    result = cli("run", "-e", "staging", "--start-timeout", "1", "--", "echo", "never")
    assert result.exit_code == 8, result
    assert "did not start within 1 s" in result.stderr
    assert "the dyno it had created (run.1) was stopped" in result.stderr
    assert len(dyno_posts(heroku_state)) == 1
    wait_until(lambda: no_dynos(heroku_state))


def test_a_failed_create_with_no_dyno_listed_says_so(cli, heroku_state):
    heroku_state.inject_fault(503, methods={"POST"}, path_prefix=DYNOS)
    result = cli("run", "-e", "staging", "--", "echo", "never")
    assert result.exit_code == 9, result
    assert "dandi-sandbox-api-staging lists no dyno of this run" in result.stderr
    assert stops(heroku_state) == []


def _dandiops(sandbox, tmp_path, *args: str) -> subprocess.Popen:
    env = {**os.environ, **sandbox.environment(), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "dandiops", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp_path
    )


def test_ctrl_c_before_the_create_is_answered_stops_the_dyno(sandbox, heroku_state, tmp_path):
    heroku_state.inject_fault(0, methods={"POST"}, path_prefix=DYNOS, kind="drop", delay=30)
    process = _dandiops(sandbox, tmp_path, "run", "-e", "staging", "--", "echo", "never")
    try:
        wait_until(lambda: not no_dynos(heroku_state))  # created; its answer is being held back
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, stderr.decode()
    assert b"the dyno it had created (run.1) was stopped" in stderr
    assert stops(heroku_state) == [202]
    wait_until(lambda: no_dynos(heroku_state))


def test_a_reader_that_goes_away_ends_run_quietly_and_stops_the_dyno(sandbox, heroku_state, tmp_path):
    """`dandiops run ... | head -1`: head has read its line and closed the pipe before the next one."""
    go_on, finished = tmp_path / "go-on", tmp_path / "finished"
    process = _dandiops(
        sandbox,
        tmp_path,
        "run",
        "-e",
        "staging",
        "--",
        "bash",
        "-c",
        f"echo one; while [ ! -e {go_on} ]; do sleep 0.05; done; echo two; sleep 30; touch {finished}",
    )
    try:
        assert process.stdout.readline() == b"one\n"
        process.stdout.close()
        go_on.touch()
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, stderr.decode()
    # only the line every change starts with: nothing about the pipe
    assert stderr.decode().splitlines() == [f"running bash in a one-off dyno: environment staging, app {STAGING_APP}"]
    assert stops(heroku_state) == [202]
    wait_until(lambda: no_dynos(heroku_state))
    assert not finished.exists()
    line = audit_lines(sandbox.environment()["DANDIOPS_AUDIT_LOG"])[-1]
    assert (line["action"], line["result"], line["detail"]["dyno"]) == ("dyno.run", "stopped", "run.1")


@pytest.mark.parametrize(
    "option, value",
    [
        ("--silence-timeout", "inf"),
        ("--silence-timeout", "nan"),
        ("--silence-timeout", "-1"),
        ("--start-timeout", "inf"),
        ("--start-timeout", "1e300"),
    ],
)
def test_a_time_limit_option_that_is_not_a_number_of_seconds_is_a_usage_error(cli, heroku_state, option, value):
    result = cli("run", "-e", "staging", option, value, "--", "true")
    assert result.exit_code == 2, result
    assert f"{option} must be a finite number of seconds, zero or more and at most 86400" in result.stderr
    assert "0 means no limit" in result.stderr
    assert heroku_state.writes() == []


@pytest.mark.parametrize("value", ["inf", "nan", "-5", "1e300", "soon"])
def test_a_time_limit_setting_that_is_not_a_number_of_seconds_is_a_config_error(cli, heroku_state, value):
    result = cli("run", "-e", "staging", "--", "true", env={"DANDIOPS_DYNO_SILENCE_TIMEOUT": value})
    assert result.exit_code == 3, result
    assert "DANDIOPS_DYNO_SILENCE_TIMEOUT must be a finite number of seconds" in result.stderr
    assert heroku_state.writes() == []


@pytest.mark.parametrize("command", [[""], ["  "], ["", ""]])
def test_an_empty_command_is_a_usage_error(cli, heroku_state, command):
    result = cli("run", "-e", "staging", "--", *command)
    assert result.exit_code == 2, result
    assert "the command to run is empty" in result.stderr
    assert "dandiops run -- python manage.py showmigrations" in result.stderr
    assert heroku_state.writes() == []
