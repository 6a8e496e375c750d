"""The Platform API bootstrap, formation and config-vars steps on their own, and a bootstrap from nothing."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import pytest

from dandiops.app.questions import Answers
from dandiops.archive.deployment import BUILDPACKS, SETTINGS_MODULE
from dandiops.steps.app_config import RequiredConfigStep
from dandiops.steps.base import Status
from dandiops.steps.formation import FormationStep
from dandiops.steps.infrastructure import HerokuBootstrapStep

from init_helpers import DEMO_ANSWERS

VERSION_BUILDPACK, PYTHON_BUILDPACK = BUILDPACKS


def _remove_app(state, name):
    with state.lock:
        del state.apps[name]


def test_bootstrap_makes_what_terraform_would(scripted, heroku_state, staging_app):
    name = staging_app.name
    _remove_app(heroku_state, name)
    ctx = scripted().ctx
    step = HerokuBootstrapStep(Answers(ctx))
    check = step.check(ctx)
    assert check.status == Status.PENDING and check.summary == f"app {name} does not exist"
    changes = step.plan(ctx)
    assert [(c.target, c.after) for c in changes] == [
        (f"app {name}", "team dandi-sandbox, region us"),
        (f"buildpacks of {name}", f"{VERSION_BUILDPACK}, {PYTHON_BUILDPACK}"),
        ("add-on heroku-postgresql", "heroku-postgresql:essential-1"),
        ("add-on cloudamqp", "cloudamqp:tiger"),
        ("add-on papertrail", "papertrail:fixa"),
    ]
    step.apply(ctx, changes)
    app = heroku_state.find_app(name)
    assert app.team == "dandi-sandbox" and app.region == "us"
    assert app.buildpacks == list(BUILDPACKS)
    assert sorted(a.plan for a in app.addons) == ["cloudamqp:tiger", "heroku-postgresql:essential-1", "papertrail:fixa"]
    assert {"DATABASE_URL", "CLOUDAMQP_URL", "PAPERTRAIL_API_TOKEN"} <= set(app.config)
    assert not app.formation  # process types arrive with the first deploy
    assert step.check(ctx).status == Status.OK


def test_buildpacks_out_of_order_are_put_back_keeping_others(scripted, staging_app):
    staging_app.buildpacks = [PYTHON_BUILDPACK, "heroku/nodejs", VERSION_BUILDPACK]
    ctx = scripted().ctx
    step = HerokuBootstrapStep(Answers(ctx))
    assert step.check(ctx).status == Status.PENDING
    step.apply(ctx, step.plan(ctx))
    assert staging_app.buildpacks == [VERSION_BUILDPACK, "heroku/nodejs", PYTHON_BUILDPACK]
    assert step.check(ctx).status == Status.OK


def test_app_in_another_region_fails_without_changes(scripted, staging_app, writes):
    staging_app.region = "eu"
    ctx = scripted().ctx
    before = writes()
    check = HerokuBootstrapStep(Answers(ctx)).check(ctx)
    assert check.status == Status.FAILED and "is in region eu" in check.summary
    assert writes() == before


def test_addon_plan_differences_are_noted_not_changed(scripted, staging_app):
    staging_app.addons[0].plan = "heroku-postgresql:standard-0"
    ctx = scripted().ctx
    check = HerokuBootstrapStep(Answers(ctx)).check(ctx)
    assert check.status == Status.OK
    assert any("heroku-postgresql:standard-0" in note for note in check.details)


def test_formation_scales_to_the_expected_sizes(scripted, staging_app):
    staging_app.formation["web"].quantity = 2
    staging_app.formation["checksum-worker"].size = "standard-1x"
    ctx = scripted().ctx
    step = FormationStep(Answers(ctx))
    check = step.check(ctx)
    assert check.status == Status.PENDING
    changes = step.plan(ctx)
    assert [(c.target, c.before, c.after) for c in changes] == [
        ("formation web", "2:basic", "1:basic"),
        ("formation checksum-worker", "1:standard-1x", "1:basic"),
    ]
    step.apply(ctx, changes)
    assert staging_app.formation["web"].quantity == 1
    assert staging_app.formation["checksum-worker"].size == "basic"
    assert step.check(ctx).status == Status.OK


def test_formation_refuses_more_than_one_worker(cli, tmp_path, writes):
    answers = tmp_path / "answers.yaml"
    answers.write_text('formation:\n  worker: "2:basic"\n')
    before = writes()
    result = cli("-e", "staging", "init", "--non-interactive", "--answers", str(answers), "--only", "formation")
    assert result.exit_code == 3, result  # an answers file is configuration
    assert "celery beat" in result.stderr
    assert writes() == before


def test_missing_process_type_waits_for_a_release(scripted, staging_app):
    del staging_app.formation["checksum-worker"]
    ctx = scripted().ctx
    step = FormationStep(Answers(ctx))
    check = step.check(ctx)
    assert check.status == Status.PENDING and check.summary == "waiting for the first release"
    assert step.plan(ctx) == []


def test_config_vars_fixed_generated_and_known_values(scripted, staging_app, sandbox):
    for name in ("DJANGO_SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DJANGO_DANDI_WEB_APP_URL"):
        del staging_app.config[name]
    staging_app.config["DJANGO_DANDI_INSTANCE_NAME"] = "dandi sandbox"
    script = scripted()
    ctx = script.ctx
    step = RequiredConfigStep(Answers(ctx))
    check = step.check(ctx)
    assert check.status == Status.PENDING
    assert any("DJANGO_DANDI_INSTANCE_NAME='dandi sandbox' looks wrong" in note for note in check.details)
    changes = step.plan(ctx)
    described = [c.describe() for c in changes]
    assert described == [
        f"set config var DJANGO_SETTINGS_MODULE: {SETTINGS_MODULE!r}",
        "set config var DJANGO_SECRET_KEY (secret value hidden)",
        "set config var DJANGO_DANDI_WEB_APP_URL: 'https://staging.dandi.test'",
    ]
    step.apply(ctx, changes)
    secret_key = staging_app.config["DJANGO_SECRET_KEY"]
    assert len(secret_key) >= 50
    assert staging_app.config["DJANGO_SETTINGS_MODULE"] == SETTINGS_MODULE
    assert staging_app.config["DJANGO_DANDI_INSTANCE_NAME"] == "dandi sandbox"  # reported, never changed
    assert secret_key not in (sandbox.workdir / "audit.log").read_text()
    assert secret_key not in script.stdout.getvalue() + script.stderr.getvalue()
    assert step.check(ctx).status == Status.OK


def test_bootstrap_from_nothing_then_first_deploy(cli, heroku_state, staging_app, aws, writes, sandbox):
    name = staging_app.name
    _remove_app(heroku_state, name)
    steps = "infrastructure,aws,email,config-vars,hosts,formation"

    before = writes()
    plan = cli(
        "-e",
        "staging",
        "init",
        "--dry-run",
        "--non-interactive",
        "--answers",
        str(DEMO_ANSWERS),
        "--only",
        steps,
        "--json",
    )
    assert plan.exit_code == 0, plan
    planned = {s["step"]: s for s in plan.json()["steps"]}
    assert planned["infrastructure"]["changes"][0]["target"] == f"app {name}"
    assert planned["formation"]["detail"] == "after the first deploy"  # not "unknown", not a failure
    assert writes() == before

    first = cli("-e", "staging", "init", "--non-interactive", "--answers", str(DEMO_ANSWERS), "--only", steps, "--json")
    assert first.exit_code == 6, first  # the formation waits for the first deploy
    statuses = {s["step"]: s["status"] for s in first.json()["steps"]}
    assert statuses == {
        "infrastructure": "applied",
        "aws": "applied",
        "email": "applied",
        "config-vars": "applied",
        "hosts": "applied",
        "formation": "pending",
    }
    app = heroku_state.find_app(name)
    mail_url = urlsplit(
        app.config["DJANGO_EMAIL_URL"]
    )  # signs in to SES's SMTP (the sandbox's) as a key of the SMTP user
    assert (mail_url.scheme, f"{mail_url.hostname}:{mail_url.port}") == (
        "smtp+tls",
        sandbox.environment()["DANDIOPS_SMTP_HOST"],
    )
    assert mail_url.username in [
        k["AccessKeyId"] for k in aws.client("iam").list_access_keys(UserName=f"{name}-smtp")["AccessKeyMetadata"]
    ]
    assert unquote(mail_url.password) not in first.stdout + first.stderr
    assert app.config["DJANGO_DANDI_ADMIN_EMAIL"] == "admin@dandi.test"  # from the answers file
    assert app.config["AWS_ACCESS_KEY_ID"] in [
        k["AccessKeyId"] for k in aws.client("iam").list_access_keys(UserName=f"{name}-heroku")["AccessKeyMetadata"]
    ]

    heroku_state.create_release(app, "Deploy 3e3c3c9c", commit="3e3c3c9c")  # what a first deploy brings
    assert {t: f.quantity for t, f in app.formation.items()} == {"web": 1, "worker": 0, "checksum-worker": 0}
    second = cli("-e", "staging", "init", "--non-interactive", "--answers", str(DEMO_ANSWERS), "--only", steps)
    assert second.exit_code == 0, second
    assert {t: f.quantity for t, f in app.formation.items()} == {"web": 1, "worker": 1, "checksum-worker": 1}

    before = writes()
    third = cli("-e", "staging", "init", "--non-interactive", "--answers", str(DEMO_ANSWERS), "--only", steps)
    assert third.exit_code == 0, third
    assert writes() == before


@pytest.mark.parametrize(
    "body, message",
    [
        ({"name": "Bad_Name", "team": "dandi-sandbox"}, "Name must start with a letter"),
        ({"name": "dandi-sandbox-api", "team": "dandi-sandbox"}, "is already taken"),
        ({"name": "fresh-app", "team": "dandi-sandbox", "region": "mars"}, "Couldn't find that region"),
    ],
)
def test_stand_in_refuses_bad_app_creation(sandbox, body, message):
    import httpx

    response = httpx.post(
        f"{sandbox.heroku.url}/teams/apps",
        json=body,
        headers={
            "Accept": "application/vnd.heroku+json; version=3",
            "Authorization": f"Bearer {sandbox.heroku.api_key}",
        },
    )
    assert response.status_code == 422
    assert message in response.json()["message"]


def test_without_a_team_the_app_is_personal(scripted, heroku_state, staging_app, sandbox):
    sandbox.config_path.write_text(sandbox.config_path.read_text().replace('team = "dandi-sandbox"\n', "", 1))
    _remove_app(heroku_state, staging_app.name)
    ctx = scripted().ctx
    step = HerokuBootstrapStep(Answers(ctx))
    changes = step.plan(ctx)
    assert changes[0].after == "your personal account, region us"
    step.apply(ctx, changes)
    assert heroku_state.find_app(staging_app.name).team is None
    assert [r.path for r in heroku_state.writes()][0] == "/apps"
