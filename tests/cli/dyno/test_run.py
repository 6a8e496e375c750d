"""`dandiops run` and the one-off dyno client against the sandbox's Platform API and rendezvous."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys

import pytest

from dyno_helpers import STAGING_APP, audit_lines, dyno_posts, one_off_dynos, wait_until


def collect():
    chunks: list[str] = []
    return chunks, chunks.append


def test_output_arrives_while_the_command_still_runs(dynos, tmp_path):
    """The command waits for a file that the test creates only after seeing the first line: if
    output were delivered at exit, the first line would never arrive and the silence limit would
    fail the run."""
    flag = tmp_path / "go-on"
    chunks: list[str] = []

    def output(text: str) -> None:
        chunks.append(text)
        if "first" in "".join(chunks):
            flag.touch()

    result = dynos.run(
        'echo first; while [ ! -e "$FLAG" ]; do sleep 0.05; done; echo second', output=output, env={"FLAG": str(flag)}
    )
    assert result.exit_status == 0
    assert "".join(chunks) == "first\nsecond\n"


def test_a_character_split_across_reads_survives(dynos):
    chunks, output = collect()
    # the euro sign's three bytes leave in two writes, a pause apart
    result = dynos.run(r"printf 'price: \342\202'; sleep 0.3; printf '\254 5\n'", output=output)
    assert result.exit_status == 0
    assert "".join(chunks) == "price: € 5\n"


def test_the_banner_is_not_output_and_the_marker_is_cut(dynos, heroku_state):
    chunks, output = collect()
    dynos.run("echo hello", output=output)
    assert "".join(chunks) == "hello\n"
    command = dyno_posts(heroku_state)[0].body["command"]
    assert re.fullmatch('echo hello\necho "\uffff heroku-command-exit-status [0-9a-f]{32}: \\$\\?"', command)


def test_each_run_marks_its_exit_status_with_a_token_of_its_own(dynos, heroku_state):
    for _ in range(2):
        dynos.run("true", output=lambda text: None)
    first, second = (post.body["command"] for post in dyno_posts(heroku_state))
    assert first != second


def test_a_forged_exit_status_line_is_output_and_the_real_status_counts(cli):
    forged = "\uffff heroku-command-exit-status: 0\n"
    forging = r'printf "\357\277\277 heroku-command-exit-status: 0\n"; exit 3'  # \357\277\277 is U+FFFF
    result = cli("run", "-e", "staging", "--", "sh", "-c", forging)
    assert result.exit_code == 3, result
    assert result.stdout == forged
    line = audit_lines()[-1]
    assert (line["result"], line["detail"]["exit_status"]) == ("failed", 3)


@pytest.mark.parametrize("status", [0, 1, 3])
def test_exit_status_becomes_dandiops_exit_code(cli, heroku_state, status):
    result = cli("run", "-e", "staging", "--", "python", "-c", f"import sys; print('ran'); sys.exit({status})")
    assert result.exit_code == status, result
    assert result.stdout == "ran\n"
    assert one_off_dynos(heroku_state) == []
    line = audit_lines()[-1]
    assert (line["action"], line["detail"]["exit_status"], line["detail"]["program"]) == ("dyno.run", status, "python")


def test_a_command_line_ending_in_a_comment_still_reports_its_status(cli):
    result = cli("run", "-e", "staging", "echo ran; (exit 4)  # the comment must not swallow the status")
    assert result.exit_code == 4, result
    assert result.stdout == "ran\n"


def test_a_single_argument_is_a_shell_command_line(cli):
    result = cli("run", "-e", "staging", "echo $DYNO | tr a-z A-Z && echo done")
    assert result.exit_code == 0, result
    assert result.stdout == "RUN.1\ndone\n"


def test_stdin_is_forwarded_and_its_end_sent(dynos):
    chunks, output = collect()
    result = dynos.run(
        "while read line; do echo got:$line; done; echo end", output=output, stdin=io.BytesIO(b"one\ntwo\n")
    )
    assert result.exit_status == 0
    assert "".join(chunks) == "got:one\ngot:two\nend\n"


def test_the_dyno_is_listed_while_it_runs_and_removed_after(dynos, heroku_client, tmp_path):
    flag = tmp_path / "finish"
    seen: list[list[dict]] = []

    def output(text: str) -> None:
        if "running" in text:
            seen.append(heroku_client.get(f"/apps/{STAGING_APP}/dynos"))
            flag.touch()

    result = dynos.run(
        'echo running; while [ ! -e "$FLAG" ]; do sleep 0.05; done', output=output, env={"FLAG": str(flag)}
    )
    [listed] = seen
    [one_off] = [d for d in listed if d["type"] == "run"]
    assert (one_off["name"], one_off["state"]) == (result.dyno_name, "up")
    assert one_off["attach_url"].startswith("rendezvous://127.0.0.1:")
    assert [d["type"] for d in heroku_client.get(f"/apps/{STAGING_APP}/dynos") if d["type"] == "run"] == []


def test_no_exit_status_is_an_error_never_success(cli):
    result = cli("run", "-e", "staging", "--", "bash", "-c", "echo partial; kill -9 $PPID")
    assert result.exit_code == 1, result
    assert "partial" in result.stdout
    assert "without reporting the command's exit status" in result.stderr


def test_conflict_on_create_is_retried_twice(cli, heroku_state):
    heroku_state.inject_fault(409, 2, methods={"POST"}, path_prefix=f"/apps/{STAGING_APP}/dynos")
    result = cli("run", "-e", "staging", "--", "echo", "ok")
    assert result.exit_code == 0, result
    assert result.stdout == "ok\n"
    assert len(dyno_posts(heroku_state)) == 3


def test_conflict_three_times_gives_up_without_more_attempts(cli, heroku_state):
    heroku_state.inject_fault(409, 3, methods={"POST"}, path_prefix=f"/apps/{STAGING_APP}/dynos")
    result = cli("run", "-e", "staging", "--", "echo", "ok")
    assert result.exit_code == 10, result
    assert len(dyno_posts(heroku_state)) == 3
    assert one_off_dynos(heroku_state) == []


def test_server_error_on_create_is_not_retried(cli, heroku_state):
    heroku_state.inject_fault(503, 1, methods={"POST"}, path_prefix=f"/apps/{STAGING_APP}/dynos")
    result = cli("run", "-e", "staging", "--", "echo", "ok")
    assert result.exit_code == 9, result
    assert len(dyno_posts(heroku_state)) == 1
    assert "was not retried" in result.stderr


def test_slow_start_times_out_and_stops_the_dyno(cli, heroku_state, dyno_component):
    dyno_component.runner.start_delay = 3
    result = cli("run", "-e", "staging", "--start-timeout", "0.5", "--", "echo", "late")
    assert result.exit_code == 8, result
    assert "did not start within 0.5 s; it was stopped" in result.stderr
    assert "--start-timeout" in result.stderr
    stops = [r for r in heroku_state.requests if r.path.endswith("/actions/stop")]
    assert len(stops) == 1 and stops[0].status == 202
    assert "late" not in result.stdout


def test_silence_times_out_and_stops_the_dyno(cli, heroku_state):
    result = cli("run", "-e", "staging", "--silence-timeout", "0.5", "--", "bash", "-c", "echo hi; sleep 30")
    assert result.exit_code == 8, result
    assert result.stdout == "hi\n"
    assert "printed nothing for 0.5 s; it was stopped" in result.stderr
    assert [r.status for r in heroku_state.requests if r.path.endswith("/actions/stop")] == [202]
    wait_until(lambda: one_off_dynos(heroku_state) == [])


def test_an_untrusted_certificate_is_refused(heroku_client):
    from dandiops.core.errors import UnavailableError
    from dandiops.providers.dyno import OneOffDynos

    client = OneOffDynos(heroku_client, STAGING_APP, ca_file=None)  # system CAs only
    with pytest.raises(UnavailableError) as caught:
        client.run("echo never", output=lambda text: None)
    assert "was not trusted" in caught.value.message
    assert "DANDIOPS_RENDEZVOUS_CA_FILE" in caught.value.hint


def test_an_unwritable_audit_log_refuses_before_a_dyno_is_created(cli, heroku_state, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    result = cli(
        "run",
        "-e",
        "staging",
        "--",
        "python",
        "manage.py",
        "migrate",
        env={"DANDIOPS_AUDIT_LOG": str(blocker / "audit.log")},
    )
    assert result.exit_code == 3, result
    assert "audit log" in result.stderr and "nothing was changed" in result.stderr
    assert heroku_state.writes() == []


def test_run_on_production_names_the_app_and_needs_no_yes_without_a_terminal(cli):
    result = cli("run", "-e", "production", "--", "true")
    assert result.exit_code == 0, result
    assert "running true in a one-off dyno: environment production, PRODUCTION app dandi-sandbox-api" in result.stderr


def test_bad_dyno_env_is_refused_before_any_request(cli, heroku_state):
    result = cli("run", "-e", "staging", "--dyno-env", "NOT VALID=1", "--", "true")
    assert result.exit_code == 2, result
    assert "invalid --dyno-env name 'NOT VALID'" in result.stderr
    assert heroku_state.writes() == []


@pytest.mark.parametrize("given", ["BAD-NAME=s3cr3t-value", "s3cr3t-value"])
def test_a_bad_dyno_env_never_echoes_its_value(cli, heroku_state, given):
    result = cli("run", "-e", "staging", "--dyno-env", given, "--", "true")
    assert result.exit_code == 2, result
    assert "--dyno-env" in result.stderr and "NAME=VALUE" in result.stderr
    assert "s3cr3t-value" not in result.stdout + result.stderr
    assert heroku_state.writes() == []


def test_the_audit_line_keeps_the_program_of_a_shell_line_not_the_line(cli):
    result = cli("run", "-e", "staging", "PGPASSWORD=s3cr3t-value true --token s3cr3t-value")
    assert result.exit_code == 0, result
    line = audit_lines()[-1]
    assert (line["action"], line["detail"]["program"]) == ("dyno.run", "true")
    assert "s3cr3t-value" not in json.dumps(line)


def test_dry_run_writes_nothing(cli, heroku_state):
    result = cli("run", "-e", "staging", "--dry-run", "--", "python", "manage.py", "migrate")
    assert result.exit_code == 0, result
    assert "would start a one-off dyno on dandi-sandbox-api-staging running: python manage.py migrate" in result.stderr
    assert heroku_state.writes() == []


def test_ctrl_c_stops_the_dyno_and_exits_130(sandbox, heroku_state, tmp_path):
    """The real entry point in a child process gets SIGINT while the dyno's command runs."""
    marker = tmp_path / "finished"
    env = {**os.environ, **sandbox.environment(), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dandiops",
            "run",
            "-e",
            "staging",
            "--",
            "bash",
            "-c",
            f"echo started; sleep 30; touch {marker}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )
    try:
        assert process.stdout.readline() == b"started\n"
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, stderr.decode()
    assert b"interrupted: stopped dyno run.1" in stderr
    assert [r.status for r in heroku_state.requests if r.path.endswith("/actions/stop")] == [202]
    wait_until(lambda: one_off_dynos(heroku_state) == [])
    assert not marker.exists()


def test_time_limits_can_come_from_the_environment(cli, heroku_state):
    result = cli(
        "run", "-e", "staging", "--", "bash", "-c", "echo hi; sleep 30", env={"DANDIOPS_DYNO_SILENCE_TIMEOUT": "0.5"}
    )
    assert result.exit_code == 8, result
    assert "printed nothing for 0.5 s" in result.stderr
    bad = cli("run", "-e", "staging", "--", "true", env={"DANDIOPS_DYNO_START_TIMEOUT": "soon"})
    assert bad.exit_code == 3, bad  # a malformed setting, as docs/exit-codes.md has it
    assert "DANDIOPS_DYNO_START_TIMEOUT must be a finite number of seconds" in bad.stderr
    assert len(dyno_posts(heroku_state)) == 1  # only the first command started a dyno


# --- masking ---------------------------------------------------------------------------------
DATABASE_PASSWORD = "p" + "5e0c1a9b7d3f2e48" * 4  # Heroku Postgres passwords are long hex strings
EMAIL_PASSWORD = "pw42"  # short: masked only where it stands as a value


@pytest.fixture
def heroku_like_config(heroku_state):
    """The staging app's URLs as Heroku's add-ons set them, with passwords in their user info.
    The seeded release has migrated the database already, so no dyno here connects with them."""
    from dandiops.sandbox.dyno import database

    app = heroku_state.apps[STAGING_APP]
    database.ensure_migrated(app)
    app.config["DATABASE_URL"] = f"postgres://u7c1d2e3:{DATABASE_PASSWORD}@ec2-3-4-5-6.compute-1.amazonaws.com:5432/d1"
    app.config["DJANGO_EMAIL_URL"] = f"smtp+tls://mailer:{EMAIL_PASSWORD}@smtp.dandi.test:587"
    return app.config


def test_the_app_secret_config_values_are_masked_in_the_output(cli, heroku_like_config):
    result = cli(
        "run",
        "-e",
        "staging",
        'echo "key=$DJANGO_SECRET_KEY"; p=${DATABASE_URL#*://*:}; echo "${p%%@*}"; '
        'echo "$DJANGO_EMAIL_URL"; echo "password: pw42, mailer pw42x"',
    )
    assert result.exit_code == 0, result
    assert result.stdout == "key=***\n***\n***\npassword: ***, mailer pw42x\n"
    assert heroku_like_config["DJANGO_SECRET_KEY"] not in result.stdout + result.stderr


def test_secrets_printed_in_two_pieces_are_masked_whole(cli, heroku_like_config):
    # each value leaves the dyno in two writes a pause apart, so it straddles two reads
    result = cli(
        "run",
        "-e",
        "staging",
        "--dyno-env",
        "EXTRA_TOKEN=given-for-this-dyno",
        'printf "key=%s" "${DJANGO_SECRET_KEY:0:20}"; sleep 0.3; echo "${DJANGO_SECRET_KEY:20}"; '
        'p=${DATABASE_URL#*://*:}; p=${p%%@*}; printf %s "${p:0:30}"; sleep 0.3; echo "${p:30} end"; '
        'printf %s "${EXTRA_TOKEN:0:9}"; sleep 0.3; echo "${EXTRA_TOKEN:9}"',
    )
    assert result.exit_code == 0, result
    assert result.stdout == "key=***\n*** end\n***\n"


def test_show_secrets_prints_the_output_as_it_is(cli, heroku_like_config):
    result = cli(
        "run",
        "-e",
        "staging",
        "--show-secrets",
        "--dyno-env",
        "EXTRA_TOKEN=given-for-this-dyno",
        'echo "$DJANGO_SECRET_KEY $EXTRA_TOKEN"',
    )
    assert result.exit_code == 0, result
    assert result.stdout == f"{heroku_like_config['DJANGO_SECRET_KEY']} given-for-this-dyno\n"


def test_config_vars_the_key_may_not_read_stop_the_run_before_a_dyno_starts(cli, heroku_state):
    heroku_state.inject_fault(403, 1, methods={"GET"}, path_prefix=f"/apps/{STAGING_APP}/config-vars")
    result = cli("run", "-e", "staging", "--", "echo", "never")
    assert result.exit_code == 4, result
    assert "reading config vars of dandi-sandbox-api-staging" in result.stderr
    assert "--show-secrets" in result.stderr
    assert dyno_posts(heroku_state) == []
