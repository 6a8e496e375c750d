"""Reading a Terraform configuration for a Terraform Cloud workspace, before anything runs."""

from __future__ import annotations

import pytest

from dandiops.providers.terraform import cloud_workspace

CLOUD_BLOCK = """
terraform {
  required_version = ">= 1.5.7"
  cloud {
    organization = "dandi"

    workspaces {
      name = "dandi-prod"
    }
  }
}
"""


def write(folder, **files):
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def test_cloud_block_names_the_organization_workspace_and_runs_page(tmp_path):
    write(tmp_path, **{"main.tf": CLOUD_BLOCK, "api.tf": 'resource "terraform_data" "app" {}\n'})
    found = cloud_workspace(tmp_path)
    assert found is not None
    assert (found.file, found.declared_by) == ("main.tf", "a cloud block")
    assert found.describe() == "Terraform Cloud workspace dandi/dandi-prod"
    assert found.runs_url == "https://app.terraform.io/app/dandi/workspaces/dandi-prod/runs"


@pytest.mark.parametrize("backend", ["remote", "cloud"])
def test_remote_and_cloud_backends_in_any_file_are_found(tmp_path, backend):
    text = f'terraform {{\n  backend "{backend}" {{\n    hostname = "tfe.example.org"\n    organization = "lab"\n'
    text += '    workspaces { prefix = "dandi-" }\n  }\n}\n'
    write(tmp_path, **{"main.tf": 'resource "terraform_data" "app" {}\n', "backend.tf": text})
    found = cloud_workspace(tmp_path)
    assert found is not None
    assert (found.file, found.declared_by, found.hostname) == ("backend.tf", f'backend "{backend}"', "tfe.example.org")
    assert found.describe() == "Terraform Cloud workspace lab" and found.runs_url is None  # chosen by prefix


def test_json_syntax_cloud_block_is_found(tmp_path):
    write(
        tmp_path, **{"main.tf.json": '{"terraform": {"cloud": {"organization": "dandi", "workspaces": {"name": "w"}}}}'}
    )
    found = cloud_workspace(tmp_path)
    assert found is not None and found.describe() == "Terraform Cloud workspace dandi/w"


def test_a_file_python_hcl2_cannot_parse_is_scanned_without_its_comments(tmp_path):
    broken = CLOUD_BLOCK + 'resource "x" "y" {\n  a =\n}\n'
    write(tmp_path, **{"main.tf": broken})
    found = cloud_workspace(tmp_path)
    assert found is not None and found.declared_by == "a cloud block" and found.organization == "dandi"
    commented = (
        '# terraform {\n#   cloud {\n#   }\n# }\nterraform {\n  backend "s3" {}\n}\nresource "x" "y" {\n  a =\n}\n'
    )
    write(tmp_path, **{"main.tf": commented})
    assert cloud_workspace(tmp_path) is None


def test_local_and_other_backends_and_unreadable_files_are_not_terraform_cloud(tmp_path):
    write(
        tmp_path,
        **{
            "main.tf": 'terraform {\n  backend "s3" {\n    bucket = "state"\n  }\n}\n# apply in the cloud { }\n',
            "api.tf": 'resource "terraform_data" "backend" {\n  input = "cloud"\n}\n',
        },
    )
    (tmp_path / "latin1.tf").write_bytes(b"# caf\xe9\nterraform {\n  cloud {}\n}\n")  # Terraform reports it
    (tmp_path / "modules").mkdir()
    write(tmp_path / "modules", **{"main.tf": CLOUD_BLOCK})  # only the root folder's files configure the backend
    assert cloud_workspace(tmp_path) is None
    assert cloud_workspace(tmp_path / "missing") is None
