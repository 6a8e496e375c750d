"""A sandbox reset restores the state its start left: whatever a test changed in any part of it is gone,
and what is left looks like a freshly started sandbox (ids, secrets, timestamps and ports aside)."""

from __future__ import annotations

import os
import re
import shlex
import socket
import time
import tomllib
from pathlib import Path

import httpx
import pytest

STAGING = "dandi-sandbox-api-staging"
RANDOM_CONFIG_VARS = {
    "CLOUDAMQP_URL",
    "CLOUDAMQP_APIKEY",
    "PAPERTRAIL_API_TOKEN",
    "DJANGO_SECRET_KEY",
    "DJANGO_EMAIL_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
}
LOG_STAMP = re.compile(r"^\S+ ")


def wait_until(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the sandbox did not get there"
        time.sleep(0.05)


def component(box, kind: str):
    return next(c for c in box.components if type(c).__name__ == kind)


def extension(box, kind: str):
    return next(e for e in box.heroku.extensions if type(e).__name__ == kind)


def hook_names(hooks) -> list[str]:
    return [getattr(hook, "__qualname__", type(hook).__qualname__) for hook in hooks]


def heroku_view(box) -> dict:
    state = box.heroku.state
    workdir = str(box.workdir)
    apps = {}
    for app in state.apps.values():
        config = {
            key: ("<random>" if key in RANDOM_CONFIG_VARS else value.replace(workdir, "<workdir>"))
            for key, value in app.config.items()
        }
        apps[app.name] = {
            "settings": (app.region, app.stack, app.team, app.owner_email, app.app_dir, app.acm, app.maintenance),
            "config": config,
            "formation": {f.type: (f.quantity, f.size, f.command) for f in app.formation.values()},
            "releases": [(r.version, r.description, r.status, r.commit, r.user_email) for r in app.releases],
            "addons": [(a.service, a.plan, a.attachment_name, a.config_vars) for a in app.addons],
            "collaborators": [(c.email, c.role, c.permissions) for c in app.collaborators],
            "domains": [(d.hostname, d.kind, d.status, d.acm_status) for d in app.domains],
            "dynos": sorted(app.dynos),
            "buildpacks": app.buildpacks,
            "procfile": app.procfile,
            "logs": [LOG_STAMP.sub("", line, count=1) for line in state.log_lines.get(app.name, [])],
        }
    names = {app.id: app.name for app in state.apps.values()}
    data_api = extension(box, "HerokuDataStandIn")
    features = extension(box, "AppFeaturesStandIn")
    logs = extension(box, "LogSessionsStandIn")
    return {
        "apps": apps,
        "teams": state.teams,
        "users": sorted(state.users),
        "faults": state.faults,
        "requests": len(state.requests),
        "rate_remaining": state.rate_remaining,
        "release_hooks": hook_names(state.on_release),
        "backups": {
            db.app_name: ([(s.name, s.hour, s.timezone) for s in db.schedules], len(db.transfers))
            for db in data_api.databases.values()
        },
        "features": {names.get(app_id, app_id): sorted(on) for app_id, on in features.enabled.items() if on},
        "log_sessions": (
            len(logs.sessions),
            logs.streams_served,
            len(logs._drops),
            logs.serve_event_stream,
            logs.tail_seconds,
        ),
    }


def child_processes(besides: frozenset[int] = frozenset()) -> list[str]:
    """The dynos (one-off and web) running as children of this process, other than the `besides` ones
    (see dyno_process_ids): their command lines.

    A dyno's process has DYNO in its environment, as on Heroku; other children (a multiprocessing
    helper some library started) are not the sandbox's."""
    return sorted(command for pid, command in _dyno_processes().items() if pid not in besides)


def dyno_process_ids() -> frozenset[int]:
    """The dynos running now: the worker's other sandbox (the empty world) may hold a web process of its own."""
    return frozenset(_dyno_processes())


def _dyno_processes() -> dict[int, str]:
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if fields[0] == "Z" or int(fields[1]) != os.getpid():
                continue
            if not any(v.startswith(b"DYNO=") for v in (stat.parent / "environ").read_bytes().split(b"\0")):
                continue
            found[int(stat.parent.name)] = (stat.parent / "cmdline").read_text().replace("\0", " ").strip()
        except (OSError, IndexError, ValueError):
            continue  # it ended while being read
    return found


def dyno_view(box) -> dict:
    dynos = component(box, "DynoComponent")
    runner, listener = dynos.runner, dynos.listener
    with socket.create_connection(("127.0.0.1", listener.port), timeout=5):
        pass  # listening
    web = component(box, "ArchiveWebComponent")
    return {
        "processes": len(runner._processes),
        "waiting_for_client": len(runner._secrets),
        "timers": [t for t in runner._timers if t.is_alive()],
        "start_delay": runner.start_delay,
        "rendezvous_faults": listener.faults,
        "rendezvous_handlers": len(listener._handlers),
        "web": {
            env: (router.app is box.heroku.state.find_app(router.app.name), router._process)
            for env, router in web.routers.items()
        },
    }


def github_view(box) -> dict:
    github = component(box, "GitHubComponent")
    state = github.state
    repos = {}
    for repo in state.repos.values():
        head = repo.commits[repo.branch_sha(repo.default_branch)]
        repos[repo.full_name] = {
            "refs": sorted(repo.refs),
            "commits": len(repo.commits),
            "files": head.tree,
            "labels": sorted((label.name, label.color) for label in repo.labels.values()),
            "pulls": [(p.number, p.title, p.state, p.labels) for p in repo.pulls.values()],
            "releases": [r.tag_name for r in repo.releases],
            "secrets": sorted(repo.secrets),
            "workflows": sorted((w.path, w.name) for w in repo.workflows.values()),
            "runs": sorted(
                (r.workflow.path, r.run_number, r.event, r.status, r.conclusion, r.run_attempt)
                for r in repo.runs.values()
            ),
        }
    return {
        "repos": repos,
        "tokens": sorted((token == github.token, sorted(scopes)) for token, scopes in state.tokens.items()),
        "pace": state.pace,
        "dispatch_returns_run_details": state.dispatch_returns_run_details,
        "rate_remaining": (state.rate.remaining, state.anonymous_rate.remaining),
        "scripts": state.scripts,
        "faults": state.faults,
        "requests": len(state.requests),
        "step_effects": hook_names(state.step_effects),
        "on_run_completed": hook_names(state.on_run_completed),
        "scheduler_running": state._thread is not None and state._thread.is_alive(),
        "next_id": repr(state._ids),
    }


def aws_view(box) -> dict:
    aws = component(box, "AwsComponent")
    requests_before = len(aws.requests)
    s3, iam = aws.client("s3"), aws.client("iam")
    buckets = {}
    names = sorted(b["Name"] for b in s3.list_buckets()["Buckets"])
    # S3 itself writes an access log object into a log bucket for every request (moto too): not state
    log_buckets = {s3.get_bucket_logging(Bucket=name).get("LoggingEnabled", {}).get("TargetBucket") for name in names}
    for bucket in names:
        try:
            cors = s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
        except s3.exceptions.ClientError:
            cors = None
        objects = [] if bucket in log_buckets else s3.list_objects_v2(Bucket=bucket).get("Contents", [])
        buckets[bucket] = {
            "objects": [o["Key"] for o in objects],
            "versioning": s3.get_bucket_versioning(Bucket=bucket).get("Status"),
            "cors": cors,
        }
    users = {
        u["UserName"]: len(iam.list_access_keys(UserName=u["UserName"])["AccessKeyMetadata"])
        for u in iam.list_users()["Users"]
    }
    return {"buckets": buckets, "users": users, "iam_users": aws.users, "requests": requests_before}


def sandbox_view(box) -> dict:
    files = sorted(str(path.relative_to(box.workdir)) for path in box.workdir.rglob("*"))
    return {"files": files, "config": tomllib.loads(box.config_path.read_text())}


def fresh_view(box) -> dict:
    return {
        "heroku": heroku_view(box),
        "dynos": dyno_view(box),
        "github": github_view(box),
        "aws": aws_view(box),
        "sandbox": sandbox_view(box),
    }


def change_every_part(box, tmp_path) -> None:
    """A bit of everything a test can change, through the clients where it has one."""
    from dandiops.sandbox.dyno import database as database_module
    from dandiops.sandbox.dyno import executor
    from dandiops.sandbox.github.seed import FULL_NAME, set_staging_dispatch
    from dandiops.sandbox.github.state import RunPace

    env = box.environment()
    heroku = httpx.Client(
        base_url=env["DANDIOPS_HEROKU_API_URL"],
        headers={
            "Authorization": f"Bearer {env['HEROKU_API_KEY']}",
            "Accept": "application/vnd.heroku+json; version=3",
        },
    )
    github = httpx.Client(
        base_url=env["DANDIOPS_GITHUB_API_URL"], headers={"Authorization": f"token {env['GITHUB_TOKEN']}"}
    )
    state = box.heroku.state
    with heroku, github:
        # Heroku: config vars, formation, people, a new app with an add-on and buildpacks, features,
        # backups, a log session, faults, hooks
        changed_vars = {"EXTRA": "1", "DJANGO_DANDI_INSTANCE_NAME": "X"}
        assert heroku.patch(f"/apps/{STAGING}/config-vars", json=changed_vars).is_success
        assert heroku.patch(f"/apps/{STAGING}/formation/worker", json={"quantity": 3}).is_success
        assert heroku.post(f"/teams/apps/{STAGING}/collaborators", json={"user": "curator@dandi.test"}).is_success
        assert heroku.patch(f"/apps/{STAGING}", json={"maintenance": True}).is_success
        assert heroku.delete(f"/apps/{STAGING}/acm").is_success
        domain = {"hostname": "left.dandi.test", "sni_endpoint": None}
        assert heroku.post(f"/apps/{STAGING}/domains", json=domain).status_code == 201
        assert heroku.post("/apps", json={"name": "left-over-app"}).status_code == 201
        assert heroku.post("/apps/left-over-app/addons", json={"plan": "heroku-postgresql"}).status_code == 201
        assert heroku.put(
            "/apps/left-over-app/buildpack-installations", json={"updates": [{"buildpack": "heroku/nodejs"}]}
        ).is_success
        assert heroku.patch(f"/apps/{STAGING}/features/preboot", json={"enabled": True}).is_success
        database = extension(box, "HerokuDataStandIn").database_of(STAGING)
        assert (
            heroku.post(
                f"/client/v11/databases/{database.addon_id}/transfer-schedules", json={"hour": 2, "timezone": "UTC"}
            ).status_code
            == 201
        )
        assert heroku.post(f"/client/v11/databases/{database.addon_id}/backups").status_code == 201
        assert heroku.post(f"/apps/{STAGING}/log-sessions", json={"tail": False}).status_code == 201
        logs = extension(box, "LogSessionsStandIn")
        logs.drop_next_stream(after_lines=1)
        logs.serve_event_stream = False
        state.users.add("someone@dandi.test")
        state.teams["dandi-sandbox"].append({"email": "someone@dandi.test", "role": "member"})
        state.on_release.append(lambda app, release: None)
        assert heroku.post("/_sandbox/faults", json={"status": 503, "count": 5, "path_prefix": "/account"}).is_success
        # one-off dynos: one running and printing, one waiting for its client; a slow boot, a stalled listener
        assert (
            heroku.post(
                f"/apps/{STAGING}/dynos",
                json={"command": "while true; do echo tick; sleep 0.05; done", "attach": False},
            ).status_code
            == 201
        )
        assert heroku.post(f"/apps/{STAGING}/dynos", json={"command": "echo hi", "attach": True}).status_code == 201
        dynos = component(box, "DynoComponent")
        wait_until(lambda: any(line.endswith("tick") for line in state.log_lines[STAGING]))
        dynos.runner.start_delay = 3
        dynos.listener.inject_fault(0, kind="stall")
        # the web process, booted by a request through the router; a row in the app's database; mail
        web = component(box, "ArchiveWebComponent").routers["staging"]
        assert httpx.get(f"{web.url}/admin/login/", timeout=60).status_code == 200
        staging = state.find_app(STAGING)
        database_module.ensure_migrated(staging)
        code = "from django.contrib.auth.models import User; User.objects.create(username='left@over.test')"
        assert executor.run_to_completion(staging, f"python manage.py shell -c {shlex.quote(code)}") == 0
        (box.workdir / "mail" / STAGING).mkdir(parents=True, exist_ok=True)
        (box.workdir / "mail" / STAGING / "1.log").write_text("Subject: left over\n\nbody\n")
        # GitHub: a push that starts a held run, a pull request with a label, a release, a token, the pace,
        # the dispatch answer, a scripted run, a fault
        gh = component(box, "GitHubComponent")
        gh.state.script_next_run(hold=True)
        assert github.post(f"/_sandbox/repos/{FULL_NAME}/push", json={"files": {"dandiapi/x.py": "x"}}).is_success
        assert (
            github.post(
                f"/repos/{FULL_NAME}/git/refs", json={"ref": "refs/heads/topic", "sha": gh.repo.branch_sha("master")}
            ).status_code
            == 201
        )
        assert github.post(
            f"/_sandbox/repos/{FULL_NAME}/push", json={"branch": "topic", "files": {"README.md": "topic"}}
        ).is_success
        pull = github.post(f"/repos/{FULL_NAME}/pulls", json={"title": "Topic", "head": "topic", "base": "master"})
        assert pull.status_code == 201
        assert github.post(
            f"/repos/{FULL_NAME}/issues/{pull.json()['number']}/labels", json={"labels": ["release", "brand-new"]}
        ).is_success
        assert github.post(f"/repos/{FULL_NAME}/releases", json={"tag_name": "v9.9.9"}).status_code == 201
        set_staging_dispatch(gh.state, gh.repo)
        gh.state.tokens["ghp_left_over"] = {"repo"}
        gh.state.set_pace(RunPace(queue_seconds=None, step_seconds=None))
        gh.state.dispatch_returns_run_details = False
        gh.state.script_next_run("failure")
        assert github.post("/_sandbox/faults", json={"status": 502, "count": 3}).is_success
    # AWS: a new bucket with an object, a seeded bucket's CORS gone, a new IAM user
    aws = component(box, "AwsComponent")
    s3, iam = aws.client("s3"), aws.client("iam")
    s3.create_bucket(Bucket="left-over", CreateBucketConfiguration={"LocationConstraint": "us-east-2"})
    s3.put_object(Bucket="left-over", Key="a.txt", Body=b"a")
    s3.delete_bucket_cors(Bucket="dandi-sandbox-staging-dandisets")
    iam.create_user(UserName="left-over-user")
    # the workdir: dandiops.toml edited, an audit log, dandiops' state, a .env beside the config
    box.config_path.write_text(box.config_path.read_text().replace('team = "dandi-sandbox"', 'team = "other"'))
    (box.workdir / "audit.log").write_text('{"action": "left over"}\n')
    (box.workdir / ".dandiops").mkdir(exist_ok=True)
    (box.workdir / ".dandiops" / "init-staging.json").write_text("{}")
    (box.workdir / ".env").write_text("DANDIOPS_RETRY_ATTEMPTS=7\n")


def test_a_reset_sandbox_looks_like_a_fresh_one_after_every_part_changed(sandbox, tmp_path):
    from dandiops.sandbox.full import build_sandbox

    elsewhere = dyno_process_ids()  # not this sandbox's
    change_every_part(sandbox, tmp_path)
    changed = fresh_view(sandbox)
    assert len(child_processes(elsewhere)) == 2, "the test started a one-off dyno and a web dyno"
    sandbox.reset()
    assert child_processes(elsewhere) == []  # a fresh sandbox starts none before the first request or dyno
    after_reset = fresh_view(sandbox)
    fresh = build_sandbox(tmp_path / "fresh", seeded=True).start()
    try:
        expected = fresh_view(fresh)
    finally:
        fresh.stop()
    for part in expected:
        assert changed[part] != expected[part], f"the test did not change the {part} part"
        assert after_reset[part] == expected[part], f"the reset left the {part} part changed"


def test_a_stopped_rendezvous_listener_listens_again_after_a_reset(sandbox, dyno_component):
    dyno_component.listener.stop()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", dyno_component.listener.port), timeout=5).close()
    sandbox.reset()
    socket.create_connection(("127.0.0.1", dyno_component.listener.port), timeout=5).close()


def test_the_reset_route_takes_the_api_key_and_resets_the_sandbox(sandbox, heroku_state):
    env = sandbox.environment()
    url = f"{env['DANDIOPS_HEROKU_API_URL']}/_sandbox/reset"
    heroku_state.apps[STAGING].config["EXTRA"] = "1"
    refused = httpx.post(url, headers={"Authorization": "Bearer HRKU-not-the-key"})
    assert refused.status_code == 401
    assert heroku_state.apps[STAGING].config["EXTRA"] == "1"
    done = httpx.post(url, headers={"Authorization": f"Bearer {env['HEROKU_API_KEY']}"})
    assert done.status_code == 200
    assert "EXTRA" not in heroku_state.apps[STAGING].config


def test_database_urls_given_to_a_reset_last_until_the_next_reset(sandbox, heroku_state):
    elsewhere = "postgresql://user:pw@127.0.0.1:5/elsewhere"
    sandbox.reset(database_urls={"staging": elsewhere})
    assert heroku_state.apps[STAGING].config["DATABASE_URL"] == elsewhere
    sandbox.reset()
    assert heroku_state.apps[STAGING].config["DATABASE_URL"] == f"sqlite:///{sandbox.workdir / 'staging.sqlite3'}"


def test_an_env_file_written_into_the_workdir_stays_after_a_reset(sandbox):
    env_file = sandbox.write_env_file(sandbox.workdir / ".env.sandbox")
    written = env_file.read_text()
    (sandbox.workdir / ".env").write_text("DANDIOPS_RETRY_ATTEMPTS=7\n")
    sandbox.reset()
    assert env_file.read_text() == written
    assert not (sandbox.workdir / ".env").exists()
