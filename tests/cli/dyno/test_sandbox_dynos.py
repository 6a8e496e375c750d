"""The sandbox's dyno routes, runner, web router and miniature archive, seen from their clients."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tomllib

import httpx
import pytest

from dyno_helpers import STAGING_APP, one_off_dynos, wait_until


@pytest.mark.parametrize(
    "body, message",
    [
        ({}, "Command can't be blank."),
        ({"command": "true", "size": "enormous"}, "No such size as enormous."),
        ({"command": "true", "env": {"NOT VALID": "x"}}, "Invalid env entry 'NOT VALID'"),
        ({"command": "true", "env": {"N": 1}}, "Invalid env entry 'N'"),
        ({"command": "true", "time_to_live": 0}, "time_to_live must be a whole number"),
        ({"command": "true", "attach": "yes"}, "attach must be true or false."),
    ],
)
def test_invalid_dyno_requests_are_refused(heroku_client, heroku_state, body, message):
    from dandiops.core.errors import UsageError

    with pytest.raises(UsageError) as caught:
        heroku_client.post(f"/apps/{STAGING_APP}/dynos", body)
    assert message in caught.value.message
    assert one_off_dynos(heroku_state) == []


def test_unknown_app_and_unknown_dyno(heroku_client):
    from dandiops.core.errors import NotFoundError

    with pytest.raises(NotFoundError, match="app nope not found"):
        heroku_client.post("/apps/nope/dynos", {"command": "true"})
    with pytest.raises(NotFoundError):
        heroku_client.post(f"/apps/{STAGING_APP}/dynos/run.99/actions/stop", {})


def test_detached_dyno_logs_its_output_and_ends(heroku_client, heroku_state):
    dyno = heroku_client.post(f"/apps/{STAGING_APP}/dynos", {"command": "echo detached-output", "attach": False})
    assert dyno["attach_url"] is None and dyno["name"].startswith("run.")
    wait_until(lambda: one_off_dynos(heroku_state) == [])
    lines = heroku_state.log_lines[STAGING_APP]
    assert any(line.endswith(f"app[{dyno['name']}]: detached-output") for line in lines)
    assert any(f"heroku[{dyno['name']}]: Process exited with status 0" in line for line in lines)


def test_restart_all_ends_one_off_dynos(heroku_client, heroku_state):
    heroku_client.post(f"/apps/{STAGING_APP}/dynos", {"command": "sleep 30", "attach": False})
    wait_until(lambda: any(d.state == "up" for d in one_off_dynos(heroku_state)))
    assert heroku_client.delete(f"/apps/{STAGING_APP}/dynos") == {}
    wait_until(lambda: one_off_dynos(heroku_state) == [])


# Run beside a test that has just stopped its own process (sandbox and client alike, as Ctrl-Z stops
# `sandbox serve`): lets the dyno finish while the process is stopped, keeps it stopped a while longer
# (longer than the relay waits for output before it looks whether the dyno has exited), then resumes it.
_PAUSE = """
import os, signal, sys, time
from pathlib import Path

paused, go, dyno = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])


def state(pid):
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


deadline = time.monotonic() + 30
try:
    while state(paused) != "T" and time.monotonic() < deadline:
        time.sleep(0.01)
    with open(go, "w") as fifo:
        fifo.write("go\\n")
    while state(dyno) not in ("Z", "gone") and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(1.5)
finally:
    os.kill(paused, signal.SIGCONT)
"""


def test_output_a_dyno_wrote_while_the_sandbox_was_paused_still_reaches_its_client(dynos, tmp_path):
    go = tmp_path / "go"
    os.mkfifo(go)
    out: list[str] = []
    helpers: list[subprocess.Popen] = []

    def output(text: str) -> None:
        out.append(text)
        shown = "".join(out)
        if not helpers and shown.endswith("\n"):
            dyno_pid = shown.split()[1]
            helpers.append(subprocess.Popen([sys.executable, "-c", _PAUSE, str(os.getpid()), str(go), dyno_pid]))
            os.kill(os.getpid(), signal.SIGSTOP)

    result = dynos.run(
        'echo "pid $$"; read -r _ < "$GO"; echo "written while paused"', output=output, env={"GO": str(go)}
    )
    assert helpers[0].wait(timeout=30) == 0
    assert result.exit_status == 0
    assert "".join(out).splitlines()[1:] == ["written while paused"]


def test_time_to_live_ends_the_dyno(dynos):
    from dandiops.core.errors import DandiopsError

    out: list[str] = []
    with pytest.raises(DandiopsError, match="without reporting the command's exit status"):
        # the limit counts from the dyno's creation: long enough for the attach on a busy machine
        dynos.run("echo begun; sleep 30", output=out.append, time_to_live=3)
    assert "".join(out) == "begun\n"


def test_settings_fail_like_the_real_ones_without_cloudamqp(cli, heroku_client):
    heroku_client.update_config_vars(STAGING_APP, {"CLOUDAMQP_URL": None})
    result = cli("run", "-e", "staging", "--", "python", "manage.py", "check")
    assert result.exit_code == 1, result
    assert "KeyError: 'CLOUDAMQP_URL'" in result.stdout
    assert "heroku_production.py" in result.stdout


def test_the_settings_module_is_the_one_the_app_names(cli, heroku_client, sandbox):
    assert heroku_client.config_vars(STAGING_APP)["DJANGO_SETTINGS_MODULE"] == "dandiapi.settings.heroku_production"
    result = cli(
        "run",
        "-e",
        "staging",
        "--",
        "python",
        "manage.py",
        "shell",
        "-v",
        "0",
        "-c",
        "from django.conf import settings as s; print(s.SETTINGS_MODULE, s.DATABASES['default']['ENGINE'], "
        "s.CACHES['default']['LOCATION'], s.ALLOWED_HOSTS, s.EMAIL_BACKEND, s.EMAIL_USE_TLS, "
        "f'{s.EMAIL_HOST}:{s.EMAIL_PORT}')",
    )
    assert result.exit_code == 0, result
    assert result.stdout.split() == [
        "dandiapi.settings.heroku_production",
        "django.db.backends.sqlite3",
        "dandi_cache_table",
        "['api.staging.dandi.test']",
        "django.core.mail.backends.smtp.EmailBackend",  # DJANGO_EMAIL_URL's server: the sandbox's SES
        "True",
        sandbox.environment()["DANDIOPS_SMTP_HOST"],
    ]


def test_api_host_is_routed_to_the_web_process(sandbox, heroku_client, heroku_state):
    from dandiops.core.settings import connect_origin

    config = tomllib.loads(sandbox.config_path.read_text())
    assert config["environments"]["staging"]["api_url"] == "https://api.staging.dandi.test"
    api_url = connect_origin("https://api.staging.dandi.test", sandbox.environment())
    assert api_url.startswith("http://127.0.0.1:")
    login = httpx.get(f"{api_url}/admin/login/")
    assert login.status_code == 200 and "csrfmiddlewaretoken" in login.text
    # the router presents the app's API domain; dropping it from ALLOWED_HOSTS breaks the site, as in production
    heroku_client.update_config_vars(STAGING_APP, {"DJANGO_ALLOWED_HOSTS": "elsewhere.example.org"})
    assert httpx.get(f"{api_url}/admin/login/").status_code == 400
    # a web process that cannot boot answers like Heroku's H10
    heroku_client.update_config_vars(STAGING_APP, {"DATABASE_URL": None})
    crashed = httpx.get(f"{api_url}/admin/login/")
    assert crashed.status_code == 503 and "Application Error" in crashed.text
    assert any("KeyError: 'DATABASE_URL'" in line for line in heroku_state.log_lines[STAGING_APP])


def test_verify_login_reports_a_host_missing_from_allowed_hosts(cli, heroku_client):
    heroku_client.update_config_vars(STAGING_APP, {"DJANGO_ALLOWED_HOSTS": "elsewhere.example.org"})
    result = cli(
        "superuser",
        "create",
        "-e",
        "staging",
        "--email",
        "admin@dandi.test",
        "--password-stdin",
        "--verify-login",
        input="pw-1234",
    )
    assert result.exit_code == 6, result
    assert "answered 400 Bad Request" in result.stderr and "DJANGO_ALLOWED_HOSTS" in result.stderr


@pytest.mark.sandbox
def test_the_full_sandbox_carries_dynos_and_the_web_process(tmp_path, schema_validator):
    from dandiops.providers.dyno import OneOffDynos
    from dandiops.providers.heroku import HerokuClient
    from dandiops.sandbox.full import build_sandbox

    from heroku_schema import schema_problems

    with build_sandbox(tmp_path / "full", seeded=True) as box:
        env = box.environment()
        from dandiops.core.settings import connect_origin

        public = tomllib.loads(box.config_path.read_text())["environments"]["production"]["api_url"]
        assert httpx.get(f"{connect_origin(public, env)}/admin/login/").status_code == 200
        with HerokuClient(env["HEROKU_API_KEY"], base_url=env["DANDIOPS_HEROKU_API_URL"]) as client:
            out: list[str] = []
            result = OneOffDynos(client, "dandi-sandbox-api", ca_file=env["DANDIOPS_RENDEZVOUS_CA_FILE"]).run(
                "echo $DYNO", output=out.append
            )
        assert (result.exit_status, "".join(out)) == (0, "run.1\n")
    assert schema_problems(box.heroku.state, schema_validator) == []


@pytest.mark.sandbox
def test_an_app_can_run_in_another_checkout(tmp_path, schema_validator):
    """`sandbox serve --app-dir APP=PATH`: dynos run there, and its database gets the release command."""
    import shutil

    from dandiops.providers.dyno import OneOffDynos
    from dandiops.providers.heroku import HerokuClient
    from dandiops.sandbox.dyno.executor import MINIATURE_ARCHIVE

    from dyno_helpers import dyno_sandbox

    checkout = tmp_path / "my-archive-fork"
    shutil.copytree(MINIATURE_ARCHIVE, checkout, ignore=shutil.ignore_patterns("__pycache__", "*.sqlite3"))
    with dyno_sandbox(tmp_path / "box", app_dirs={STAGING_APP: str(checkout)}) as box:
        env = box.environment()
        with HerokuClient(env["HEROKU_API_KEY"], base_url=env["DANDIOPS_HEROKU_API_URL"]) as client:
            out: list[str] = []
            result = OneOffDynos(client, STAGING_APP, ca_file=env["DANDIOPS_RENDEZVOUS_CA_FILE"]).run(
                "pwd; python manage.py showmigrations api", output=out.append
            )
        assert result.exit_status == 0
        lines = "".join(out).splitlines()
        assert lines[:3] == [str(checkout), "api", " [X] 0001_initial"]
        assert all(line.startswith(" [X] ") for line in lines[2:])  # every migration applied
        log = "\n".join(box.heroku.state.log_lines[STAGING_APP])
        assert "Applying api.0001_initial... OK" in log  # the release command ran, not a template copy
