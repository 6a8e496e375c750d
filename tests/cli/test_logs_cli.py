"""`dandiops logs` over the stand-in's log sessions: filters, tail, both body kinds, drops, Ctrl-C."""

import os
import signal
import subprocess
import sys
import threading
from urllib.parse import urlsplit

import pytest

from ops_helpers import STAGING


def log(state, message, *, source="app", dyno="web.1", app=STAGING):
    state.log(state.apps[app], message, source=source, dyno=dyno)


def printed(result):
    return [line.split(": ", 1)[1] if ": " in line else line for line in result.stdout.splitlines()]


def sessions(state):
    return [r for r in state.requests if r.method == "POST" and r.path.endswith("/log-sessions")]


@pytest.fixture
def app_lines(heroku_state):
    """A few lines as dynos and the router print them, after the seeded release events."""
    log(heroku_state, "GET /api/dandisets/ 200", dyno="web.1")
    log(heroku_state, "celery@worker ready", dyno="worker.1")
    log(heroku_state, 'at=info method=GET path="/api/" status=200', source="heroku", dyno="router")
    log(heroku_state, "GET /api/info/ 200", dyno="web.2")
    return list(heroku_state.log_lines[STAGING])


def in_background(work):
    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread


def test_recent_lines_over_event_stream(cli, heroku_state, app_lines):
    result = cli("logs", "-e", "staging")
    assert result.exit_code == 0, result
    assert result.stdout.splitlines() == app_lines  # release events and dyno output, in order, verbatim
    [session] = sessions(heroku_state)
    assert session.body == {"lines": 100, "tail": False}
    stream = next(r for r in heroku_state.requests if r.path.startswith("/sessions/"))
    assert stream.headers["Accept"] == "text/event-stream"


def test_plain_line_bodies_are_read_too(cli, heroku_state, log_service, app_lines):
    log_service.serve_event_stream = False
    result = cli("logs", "-e", "staging", "-n", "3")
    assert result.exit_code == 0, result
    assert result.stdout.splitlines() == app_lines[-3:]


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--source", "app"], ["GET /api/dandisets/ 200", "celery@worker ready", "GET /api/info/ 200"]),
        (["--source", "heroku", "--dyno", "router"], ['at=info method=GET path="/api/" status=200']),
        (["--dyno", "web", "--source", "app"], ["GET /api/dandisets/ 200", "GET /api/info/ 200"]),
        (["--dyno", "web.2"], ["GET /api/info/ 200"]),
        (["-n", "1"], ["GET /api/info/ 200"]),
        (["-n", "0"], []),
    ],
)
def test_filters_and_line_counts(cli, heroku_state, app_lines, args, expected):
    result = cli("logs", "-e", "staging", *args)
    assert result.exit_code == 0, result
    assert printed(result) == expected
    body = sessions(heroku_state)[0].body
    if "--dyno" in args:
        assert body["dyno"] == args[args.index("--dyno") + 1]
    if "--source" in args:
        assert body["source"] == args[args.index("--source") + 1]


def test_json_gives_one_document_of_parsed_lines(cli, app_lines):
    result = cli("logs", "-e", "staging", "--dyno", "web.1", "--source", "app", "--json")
    assert result.exit_code == 0, result
    data = result.json()
    assert data["app"] == STAGING and (data["filter"]["dyno"], data["filter"]["source"]) == ("web.1", "app")
    [line] = data["lines"]
    assert (line["source"], line["dyno"], line["message"]) == ("app", "web.1", "GET /api/dandisets/ 200")
    assert line["line"] == app_lines[-4]


@pytest.mark.parametrize(
    "args, message",
    [
        (["-n", "1501"], "-n 1501 is out of range"),
        (["-n", "-1"], "-n -1 is out of range"),
        (["--json", "--tail"], "--json prints one document and cannot follow a stream"),
        (["--dyno", "web 1"], "is not a dyno or process type name"),
        (["--dyno", "web;rm"], "is not a dyno or process type name"),
        (["--dyno", "$(id)"], "is not a dyno or process type name"),
    ],
)
def test_bad_options_are_refused_before_any_request(cli, heroku_state, args, message):
    result = cli("logs", "-e", "staging", *args)
    assert result.exit_code == 2, result
    assert message in result.stderr
    assert heroku_state.requests == []


def test_unknown_source_is_a_usage_error(cli, heroku_state):
    result = cli("logs", "-e", "staging", "--source", "router")
    assert result.exit_code == 2
    assert "--source 'router' is not a log source" in result.stderr
    assert "--source app or --source heroku" in result.stderr
    assert heroku_state.requests == []


def test_tail_follows_new_lines_until_the_stream_ends(cli, heroku_state, log_service, app_lines):
    seen = {}

    def feed():  # records what it saw; the test thread asserts it
        try:
            seen["tailing"] = log_service.wait_until_tailing(1)
            log(heroku_state, "GET /api/dandisets/000001/ 200", dyno="web.1")
            log(heroku_state, "task done", dyno="worker.1")  # filtered out: not a web dyno
            log(heroku_state, "GET /api/stats/ 200", dyno="web.3")
        finally:
            log_service.end_tails()

    feeder = in_background(feed)
    result = cli("logs", "-e", "staging", "--tail", "--dyno", "web", "-n", "1")
    feeder.join(5)
    assert seen["tailing"], "dandiops never opened a tailing stream"
    assert result.exit_code == 0, result
    assert printed(result) == ["GET /api/info/ 200", "GET /api/dandisets/000001/ 200", "GET /api/stats/ 200"]
    assert sessions(heroku_state)[0].body == {"lines": 1, "tail": True, "dyno": "web"}


@pytest.mark.parametrize("event_stream", [True, False], ids=["event-stream", "plain"])
def test_a_dropped_stream_is_reopened_once_without_repeating_lines(
    cli, heroku_state, log_service, app_lines, event_stream
):
    log_service.serve_event_stream = event_stream
    log_service.drop_next_stream(after_lines=3)
    result = cli("logs", "-e", "staging")
    assert result.exit_code == 0, result
    assert result.stdout.splitlines() == app_lines  # every line once, in order
    assert "the log stream dropped (RemoteProtocolError); reconnecting once" in result.stderr
    assert len(sessions(heroku_state)) == 2


def test_a_tail_resumes_after_a_drop(cli, heroku_state, log_service, app_lines):
    log_service.drop_next_stream(after_lines=3)  # the backlog of 2, then one new line, then the cut

    seen = {}

    def feed():  # records what it saw; the test thread asserts it
        try:
            seen["first"] = log_service.wait_until_tailing(1)
            log(heroku_state, "first new line")
            seen["reopened"] = log_service.wait_until_tailing(2)  # the reopened stream has replayed its backlog
            log(heroku_state, "second new line")
        finally:
            log_service.end_tails()

    feeder = in_background(feed)
    result = cli("logs", "-e", "staging", "--tail", "-n", "2")
    feeder.join(5)
    assert seen == {"first": True, "reopened": True}
    assert result.exit_code == 0, result
    assert printed(result) == [*printed_tail(app_lines, 2), "first new line", "second new line"]
    assert len(sessions(heroku_state)) == 2


def printed_tail(lines, count):
    return [line.split(": ", 1)[1] for line in lines[-count:]]


def test_a_second_drop_before_any_new_line_gives_up(cli, heroku_state, log_service, app_lines):
    log_service.drop_next_stream(after_lines=2)
    log_service.drop_next_stream(after_lines=1)  # the reopened stream is cut while replaying
    result = cli("logs", "-e", "staging")
    assert result.exit_code == 9, result
    assert "again after reconnecting, before any new line arrived" in result.stderr
    assert result.stdout.splitlines() == app_lines[:2]
    assert len(sessions(heroku_state)) == 2


def test_ctrl_c_ends_a_tail_with_130_and_no_traceback(sandbox, log_service):
    env = {**os.environ, **sandbox.environment()}
    process = subprocess.Popen(
        [sys.executable, "-m", "dandiops", "logs", "--tail", "-e", "staging"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        shown = [process.stdout.readline(), process.stdout.readline()]
        assert "Release v1 created" in shown[0] and "Release v2 created" in shown[1]
        assert log_service.wait_until_tailing(1)
        process.send_signal(signal.SIGINT)
        _, errors = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, errors
    assert "Traceback" not in errors and "error" not in errors


def test_a_reader_that_goes_away_ends_a_tail_quietly(sandbox, heroku_state, log_service):
    """`dandiops logs --tail | head -2`: once head has gone, the next line ends dandiops with 0."""
    env = {**os.environ, **sandbox.environment()}
    process = subprocess.Popen(
        [sys.executable, "-m", "dandiops", "logs", "--tail", "-e", "staging"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert "Release v1 created" in process.stdout.readline()
        assert log_service.wait_until_tailing(1)
        process.stdout.close()
        log(heroku_state, "a line nobody reads")
        _, errors = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, errors
    assert "Traceback" not in errors and "BrokenPipe" not in errors


@pytest.fixture
def secret_lines(heroku_state):
    """Lines that carry the app's secrets, as a careless settings dump or a dyno's `env` prints them."""
    config = heroku_state.apps[STAGING].config
    log(heroku_state, f"settings: SECRET_KEY {config['DJANGO_SECRET_KEY']}")
    log(heroku_state, f"connecting to {config['CLOUDAMQP_URL']}")
    log(heroku_state, f"smtp login mailer/{urlsplit(config['DJANGO_EMAIL_URL']).password} refused")
    log(heroku_state, "EXTRA_TOKEN=given-to-an-earlier-run", dyno="run.1")  # a --dyno-env value dandiops never saw
    return config


def test_secrets_in_log_lines_are_masked(cli, secret_lines):
    result = cli("logs", "-e", "staging", "-n", "4")
    assert result.exit_code == 0, result
    assert printed(result) == [
        "settings: SECRET_KEY ***",
        "connecting to ***",
        "smtp login mailer/*** refused",
        "EXTRA_TOKEN=***",
    ]
    data = cli("logs", "-e", "staging", "-n", "4", "--json").json()
    assert [line["message"] for line in data["lines"]] == printed(result)
    assert secret_lines["DJANGO_SECRET_KEY"] not in result.stdout + str(data)


def test_show_secrets_prints_log_lines_as_they_are(cli, secret_lines):
    result = cli("logs", "-e", "staging", "-n", "4", "--show-secrets")
    assert result.exit_code == 0, result
    assert printed(result)[0] == f"settings: SECRET_KEY {secret_lines['DJANGO_SECRET_KEY']}"
    assert printed(result)[3] == "EXTRA_TOKEN=given-to-an-earlier-run"
