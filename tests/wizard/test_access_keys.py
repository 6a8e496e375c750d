"""Access keys init's aws step creates: recorded before use, and none left behind by a stopped run."""

from __future__ import annotations

import json
import signal

import pytest

from dandiops.app.questions import Answers
from dandiops.core.errors import UnavailableError
from dandiops.steps.aws import AwsStep
from dandiops.steps.base import Status
from dandiops.wizard.init import run_init

from init_helpers import DEMO_ANSWERS


@pytest.fixture
def names(sandbox):
    from dandiops.core.settings import load_settings

    env = load_settings(sandbox.config_path).environment("staging")
    return env.iam_user, env.heroku_app


def _keys(aws, user) -> dict[str, str]:
    listed = aws.client("iam").list_access_keys(UserName=user)["AccessKeyMetadata"]
    return {key["AccessKeyId"]: key["Status"] for key in listed}


def _audited(sandbox, action) -> list[str]:
    lines = [json.loads(line) for line in (sandbox.workdir / "audit.log").read_text().splitlines()]
    return [line["detail"]["key"] for line in lines if line["action"] == action]


def _recorded(sandbox, user) -> dict[str, dict]:
    path = sandbox.workdir / ".dandiops" / "created-keys.json"
    return json.loads(path.read_text())["users"].get(user, {}) if path.exists() else {}


def _app_without_key(heroku_state, app, aws, user, *, keep_user_keys=False):
    """The app lost its AWS config vars (and, unless kept, the IAM user its keys): init must make a key."""
    config = heroku_state.find_app(app).config
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        del config[name]
    if not keep_user_keys:
        iam = aws.client("iam")
        for key_id in _keys(aws, user):
            iam.delete_access_key(UserName=user, AccessKeyId=key_id)
    return config


def _ctrl_c_at_the_config_var_patch(ctx, app):
    """Ctrl-C right after AWS made the key: the PATCH that would hand it to the app is never sent."""

    def interrupt(request):
        if request.method == "PATCH" and request.url.path == f"/apps/{app}/config-vars":
            raise KeyboardInterrupt

    ctx.heroku()._http.event_hooks["request"].append(interrupt)


def _stop_first_run(how, script, heroku_state, app):
    if how == "ctrl-c":
        _ctrl_c_at_the_config_var_patch(script.ctx, app)
        expected = KeyboardInterrupt
    else:
        heroku_state.inject_fault(500, 1, methods={"PATCH"}, path_prefix=f"/apps/{app}/config-vars")
        expected = UnavailableError
    with pytest.raises(expected):
        result = run_init(script.ctx, only=["aws"])
        raise result.error


@pytest.mark.parametrize("how", ["ctrl-c", "failed-patch"])
def test_a_key_a_stopped_run_created_is_deleted_by_the_next_and_one_active_key_remains(
    how, scripted, aws, names, heroku_state, sandbox, writes
):
    user, app = names
    config = _app_without_key(heroku_state, app, aws, user)
    first = scripted()
    _stop_first_run(how, first, heroku_state, app)
    [orphan] = _keys(aws, user)
    assert "AWS_ACCESS_KEY_ID" not in config
    assert list(_recorded(sandbox, user)) == [orphan]
    assert set(_recorded(sandbox, user)[orphan]) == {"created_at", "env", "app", "by"}  # the id only, no secret
    assert _audited(sandbox, "aws.access-key.create") == [orphan]
    assert f"access key {orphan} of IAM user {user} may not have reached the config vars" in first.stderr.getvalue()

    dry = run_init(scripted().ctx, only=["aws"], dry_run=True)
    planned = [c.describe() for c in dry.outcomes[0].changes]
    assert f"delete access key {orphan} of IAM user {user}" in planned
    assert orphan in _keys(aws, user)

    result = run_init(scripted().ctx, only=["aws"])
    assert result.error is None, result.error
    keys = _keys(aws, user)
    assert list(keys.values()) == ["Active"] and orphan not in keys
    [replacement] = keys
    assert config["AWS_ACCESS_KEY_ID"] == replacement
    assert _audited(sandbox, "aws.access-key.create") == [orphan, replacement]
    assert _audited(sandbox, "aws.access-key.delete") == [orphan]
    assert list(_recorded(sandbox, user)) == [replacement]
    secret = config["AWS_SECRET_ACCESS_KEY"]
    assert secret not in (sandbox.workdir / ".dandiops" / "created-keys.json").read_text()
    assert secret not in (sandbox.workdir / "audit.log").read_text()

    before = writes()
    assert [o.status for o in run_init(scripted().ctx, only=["aws"]).outcomes] == [Status.OK]
    assert writes() == before


def test_a_key_dandiops_did_not_create_is_left_alone(scripted, aws, names, heroku_state, sandbox):
    user, app = names
    [someone_elses] = _keys(aws, user)  # made by Terraform, in no config var once the app lost its vars
    config = _app_without_key(heroku_state, app, aws, user, keep_user_keys=True)
    _stop_first_run("ctrl-c", scripted(), heroku_state, app)
    orphan = next(k for k in _keys(aws, user) if k != someone_elses)

    result = run_init(scripted().ctx, only=["aws"])
    assert result.error is None, result.error  # IAM allows two keys: the orphan had to go first
    keys = _keys(aws, user)
    assert someone_elses in keys and orphan not in keys and len(keys) == 2
    assert config["AWS_ACCESS_KEY_ID"] in keys and config["AWS_ACCESS_KEY_ID"] != someone_elses
    assert _audited(sandbox, "aws.access-key.delete") == [orphan]


def test_a_recorded_key_another_environment_holds_is_kept(scripted, aws, names, heroku_state, sandbox):
    """Two environments sharing one IAM user: the key made for production is in no staging config var."""
    user, staging_app = names
    production = sandbox.heroku.environment_settings("production")["heroku_app"]
    config = sandbox.config_path.read_text()
    shared = config.replace(f'iam_user = "{aws.users["production"]}"', f'iam_user = "{user}"')
    assert shared != config
    sandbox.config_path.write_text(shared)
    prod_config = heroku_state.find_app(production).config
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        del prod_config[name]
    prod = scripted(env_name="production").ctx
    step = AwsStep(Answers(prod))
    step.apply(prod, step.plan(prod))
    made_for_production = prod_config["AWS_ACCESS_KEY_ID"]
    assert made_for_production in _recorded(sandbox, user)

    ctx = scripted().ctx
    check = AwsStep(Answers(ctx)).check(ctx)
    assert check.status == Status.OK, check
    assert made_for_production in _keys(aws, user)
    assert _audited(sandbox, "aws.access-key.delete") == []


def test_ctrl_c_while_aws_creates_the_key_waits_until_its_id_is_recorded(scripted, aws, names, heroku_state, sandbox):
    user, app = names
    config = _app_without_key(heroku_state, app, aws, user)
    script = scripted()
    script.ctx.aws().client("iam").meta.events.register(
        "after-call.iam.CreateAccessKey", lambda **_: signal.raise_signal(signal.SIGINT)
    )
    with pytest.raises(KeyboardInterrupt):
        run_init(script.ctx, only=["aws"])
    [created] = _keys(aws, user)
    assert list(_recorded(sandbox, user)) == [created]
    assert _audited(sandbox, "aws.access-key.create") == [created]
    assert "Ctrl-C: finishing the access key AWS is creating" in script.stderr.getvalue()
    assert "AWS_ACCESS_KEY_ID" not in config  # stopped before the key was handed to the app
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_an_unreadable_key_record_stops_the_aws_step_before_any_key_is_made(cli, aws, names, heroku_state, sandbox):
    user, app = names
    _app_without_key(heroku_state, app, aws, user)
    record = sandbox.workdir / ".dandiops" / "created-keys.json"
    record.parent.mkdir(exist_ok=True)
    record.write_text("{not json")
    result = cli("init", "-e", "staging", "--only", "aws", "--non-interactive", "--answers", str(DEMO_ANSWERS))
    assert result.exit_code == 3, result
    assert f"{record} cannot be read as JSON" in result.stderr and f"mv {record}" in result.stderr
    assert _keys(aws, user) == {}
    assert record.read_text() == "{not json"
