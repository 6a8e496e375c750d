"""The infrastructure step with terraform_dir: plan -detailed-exitcode as the check, apply of the saved plan.

A fake `terraform` replays lines Terraform's -json UI really prints, so the parsing and streaming are
tested everywhere; where a real terraform is installed, a configuration of Terraform's built-in
terraform_data resource (no provider download) runs through the same step. A folder that names a
Terraform Cloud workspace is never run: the step says where to apply it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dandiops.app.questions import Answers
from dandiops.core.errors import Aborted
from dandiops.steps.base import Status
from dandiops.steps.infrastructure import TerraformStep

FAKE = Path(__file__).with_name("fake_terraform") / "terraform"


@pytest.fixture
def infra_dir(sandbox, tmp_path):
    """An environment whose dandiops.toml names a terraform_dir."""
    folder = tmp_path / "infrastructure"
    folder.mkdir()
    text = sandbox.config_path.read_text().replace(
        "[environments.staging]\n", f'[environments.staging]\nterraform_dir = "{folder}"\n'
    )
    sandbox.config_path.write_text(text)
    return folder


def folder_contents(folder: Path) -> dict[str, bytes | None]:
    """Every file and folder under `folder` (folders as None), with each file's bytes."""
    return {str(path.relative_to(folder)): None if path.is_dir() else path.read_bytes() for path in folder.rglob("*")}


CLOUD_BLOCK = (
    'terraform {\n  cloud {\n    organization = "dandi"\n    workspaces {\n      name = "dandi-prod"\n    }\n  }\n}\n'
)


@pytest.fixture
def fake_terraform(tmp_path, monkeypatch):
    binary = tmp_path / "bin" / "terraform"
    binary.parent.mkdir()
    binary.write_text(f"#!{sys.executable}\n" + FAKE.read_text().split("\n", 1)[1])
    binary.chmod(0o755)
    monkeypatch.setenv("DANDIOPS_TERRAFORM", str(binary))
    return binary


def test_plan_apply_and_stream_with_the_fake(scripted, infra_dir, fake_terraform, sandbox):
    script = scripted()
    ctx = script.ctx
    ctx.yes = True
    step = TerraformStep(Answers(ctx))
    check = step.check(ctx)
    assert check.status == Status.PENDING
    assert check.summary == "Plan: 1 to add, 0 to change, 0 to destroy."
    assert check.details == ["create terraform_data.app"]
    changes = step.plan(ctx)
    assert [(c.action, c.target) for c in changes] == [("create", "terraform_data.app")]
    step.apply(ctx, changes)
    streamed = script.stderr.getvalue()
    assert "terraform: terraform_data.app: Creating..." in streamed
    assert "terraform: Apply complete! Resources: 1 added" in streamed
    calls = (infra_dir / "calls.log").read_text().splitlines()
    assert calls[0] == "init -input=false -no-color"
    assert calls[1].startswith("plan -detailed-exitcode -input=false -json")
    assert calls[2].startswith("apply -input=false -json") and calls[2].endswith("init.tfplan")  # the saved plan
    assert not Path(calls[2].split()[-1]).exists()  # plan files can hold secrets: removed once applied
    assert '"action": "terraform.apply"' in (sandbox.workdir / "audit.log").read_text()
    assert step.check(ctx).status == Status.OK


def test_plan_errors_fail_the_check_with_the_diagnostic(scripted, infra_dir, fake_terraform, monkeypatch):
    monkeypatch.setenv("FAKE_TERRAFORM_FAIL", "1")
    ctx = scripted().ctx
    check = TerraformStep(Answers(ctx)).check(ctx)
    assert check.status == Status.FAILED
    assert "Reference to undeclared input variable" in check.summary
    assert "(api.tf:2)" in check.details[0]
    assert check.hint.startswith("fix what Terraform reports in ")


def test_declining_the_apply_changes_nothing(scripted, infra_dir, fake_terraform):
    ctx = scripted(keys="n").ctx
    step = TerraformStep(Answers(ctx))
    assert step.check(ctx).status == Status.PENDING
    with pytest.raises(Aborted):
        step.apply(ctx, step.plan(ctx))
    assert not (infra_dir / "applied").exists()
    assert not any(line.startswith("apply") for line in (infra_dir / "calls.log").read_text().splitlines())


def test_init_without_terraform_installed_says_how_to_fix(cli, infra_dir, monkeypatch, writes):
    monkeypatch.setenv("DANDIOPS_TERRAFORM", "/nonexistent/terraform")
    before = writes()
    result = cli("-e", "staging", "init", "--only", "infrastructure", "--non-interactive")
    assert result.exit_code == 3, result
    assert "terraform is not installed" in result.stderr and "DANDIOPS_TERRAFORM" in result.stderr
    assert writes() == before


def test_non_interactive_apply_needs_yes_or_an_answer(cli, infra_dir, fake_terraform, tmp_path):
    result = cli("-e", "staging", "init", "--only", "infrastructure", "--non-interactive")
    assert result.exit_code == 2, result
    assert "infrastructure.terraform_apply" in result.stderr
    answers = tmp_path / "answers.yaml"
    answers.write_text("infrastructure:\n  terraform_apply: yes\n")
    result = cli("-e", "staging", "init", "--only", "infrastructure", "--non-interactive", "--answers", str(answers))
    assert result.exit_code == 0, result
    assert (infra_dir / "applied").exists()


def test_dry_run_plans_in_a_copy_and_leaves_the_folder_as_it_was(cli, infra_dir, fake_terraform, writes):
    (infra_dir / "main.tf").write_text('resource "terraform_data" "app" {}\n')
    before, counts = folder_contents(infra_dir), writes()
    dry = cli("-e", "staging", "init", "--only", "infrastructure", "--dry-run", "--json")
    assert dry.exit_code == 0, dry
    [planned] = dry.json()["steps"]
    assert [(c["action"], c["target"]) for c in planned["changes"]] == [("create", "terraform_data.app")]
    assert folder_contents(infra_dir) == before  # no .terraform/, no calls.log: the fake ran in the copy
    assert writes() == counts


def test_terraform_cloud_folder_stops_init_before_running_terraform_and_says_to_apply_there(
    cli, infra_dir, sandbox, monkeypatch, writes
):
    import tomllib

    import tomli_w

    config = tomllib.loads(sandbox.config_path.read_text())
    config["environments"]["staging"]["heroku_app"] = "dandi-sandbox-not-made-yet"
    sandbox.config_path.write_text(tomli_w.dumps(config))
    (infra_dir / "main.tf").write_text(CLOUD_BLOCK + 'resource "terraform_data" "app" {}\n')
    monkeypatch.setenv("DANDIOPS_TERRAFORM", "/nonexistent/terraform")  # nothing may run it
    before, counts = folder_contents(infra_dir), writes()
    for dry_run in (("--dry-run",), ()):
        result = cli("-e", "staging", "init", "--only", "infrastructure", "--non-interactive", *dry_run)
        assert result.exit_code == 6, result
        assert "uses Terraform Cloud workspace dandi/dandi-prod (a cloud block in main.tf)" in result.stderr
        assert "not from the command line" in result.stderr
        runs = "https://app.terraform.io/app/dandi/workspaces/dandi-prod/runs"
        assert f"apply the run in Terraform Cloud ({runs}), then run `dandiops init -e staging` again" in result.stderr
        assert "terraform is not installed" not in result.stderr
    assert folder_contents(infra_dir) == before
    assert writes() == counts


def test_terraform_cloud_folder_whose_app_exists_only_checks(cli, infra_dir, monkeypatch, writes):
    (infra_dir / "backend.tf").write_text(
        'terraform {\n  backend "remote" {\n    organization = "lab"\n    workspaces {\n      name = "api"\n'
        "    }\n  }\n}\n"
    )
    monkeypatch.setenv("DANDIOPS_TERRAFORM", "/nonexistent/terraform")
    counts = writes()
    result = cli("-e", "staging", "init", "--only", "infrastructure", "--non-interactive", "--json")
    assert result.exit_code == 0, result
    [step] = result.json()["steps"]
    assert step["status"] == "ok"
    assert 'Terraform Cloud workspace lab/api (backend "remote" in backend.tf), which applies it' in step["detail"]
    assert step["details"] == [
        "change the infrastructure through a run in Terraform Cloud: https://app.terraform.io/app/lab/workspaces/api/runs"
    ]
    assert writes() == counts


@pytest.mark.needs_terraform
def test_real_terraform_with_terraform_data(cli, infra_dir, monkeypatch, tmp_path):
    monkeypatch.delenv("DANDIOPS_TERRAFORM", raising=False)
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", str(tmp_path / "empty.tfrc"))
    (tmp_path / "empty.tfrc").write_text("")
    # a local backend and a module beside the folder: `terraform init` writes .terraform/ for them, offline
    (infra_dir / "main.tf").write_text(
        'terraform {\n  backend "local" {}\n}\n\nresource "terraform_data" "app" {\n  input = "dandi-sandbox"\n}\n\n'
        'module "names" {\n  source = "../modules/names"\n}\n'
    )
    (tmp_path / "modules" / "names").mkdir(parents=True)
    (tmp_path / "modules" / "names" / "main.tf").write_text('resource "terraform_data" "name" {\n  input = "x"\n}\n')
    before = folder_contents(infra_dir)
    dry = cli("-e", "staging", "init", "--only", "infrastructure", "--dry-run", "--json")
    assert dry.exit_code == 0, dry
    assert folder_contents(infra_dir) == before  # terraform init ran in a copy: no .terraform/ here
    [planned] = dry.json()["steps"]
    assert planned["status"] == "pending"
    assert sorted((c["action"], c["target"]) for c in planned["changes"]) == [
        ("create", "module.names.terraform_data.name"),
        ("create", "terraform_data.app"),
    ]
    applied = cli("-e", "staging", "init", "--only", "infrastructure", "--yes", "--json")
    assert applied.exit_code == 0, applied
    assert applied.json()["steps"][0]["status"] == "applied"
    assert "terraform: terraform_data.app: Creation complete" in applied.stderr
    assert (infra_dir / "terraform.tfstate").exists() and (infra_dir / ".terraform").is_dir()
    initialized = folder_contents(infra_dir)
    dry_again = cli("-e", "staging", "init", "--only", "infrastructure", "--dry-run", "--json")
    assert dry_again.json()["steps"][0]["status"] == "ok"  # the copy read the folder's state
    assert folder_contents(infra_dir) == initialized
    again = cli("-e", "staging", "init", "--only", "infrastructure", "--json")
    assert again.json()["steps"][0]["status"] == "ok"


def test_aws_resources_terraform_has_yet_to_make_are_checked_after_its_apply(cli, infra_dir, fake_terraform, sandbox):
    sandbox.config_path.write_text(
        sandbox.config_path.read_text().replace(
            'bucket = "dandi-sandbox-staging-dandisets"', 'bucket = "dandi-sandbox-made-by-terraform"'
        )
    )
    dry = cli("-e", "staging", "init", "--only", "infrastructure,aws", "--dry-run", "--json")
    assert dry.exit_code == 0, dry
    assert [(s["step"], s["status"]) for s in dry.json()["steps"]] == [
        ("infrastructure", "pending"),
        ("aws", "pending"),
    ]
    result = cli("-e", "staging", "init", "--only", "infrastructure,aws", "--yes")
    assert (infra_dir / "applied").exists()  # the plan was applied before the aws step was checked again
    assert result.exit_code == 5, result  # the fake's plan makes no bucket
    assert "bucket dandi-sandbox-made-by-terraform does not exist" in result.stderr
    assert "Terraform manages AWS here: make them in terraform_dir's configuration and apply it" in result.stderr
