"""init's state file, the confirmations file and the record of created access keys: concurrent writers,
unreadable files, bad --state-file."""

from __future__ import annotations

import json
import multiprocessing

import pytest

from dandiops.app.confirmations import Confirmations
from dandiops.core.errors import ConfigError
from dandiops.steps.access_keys import CreatedKeys
from dandiops.wizard.state import InitState

WRITERS = 4
ENTRIES = 15
APP = "dandi-example-staging"


def _write_both(state_path: str, confirmations_path: str, writer: int, start) -> None:
    """One process's share: its own answers and confirmations, written while the others write theirs."""
    from pathlib import Path

    state = InitState.load(Path(state_path), environment="staging", app=APP)
    confirmations = Confirmations(Path(confirmations_path))
    start.wait()
    for entry in range(ENTRIES):
        state.set_answer(f"config.WRITER_{writer}_{entry}", f"value {writer}.{entry}")
        confirmations.confirm(APP, f"checklist.item-{writer}-{entry}", by=f"operator-{writer}")


def test_concurrent_writers_keep_every_entry_of_both_files(tmp_path):
    state_path, confirmations_path = tmp_path / ".dandiops" / "init-staging.json", tmp_path / ".dandiops" / "c.json"
    spawn = multiprocessing.get_context("spawn")
    start = spawn.Barrier(WRITERS)
    writers = [
        spawn.Process(target=_write_both, args=(str(state_path), str(confirmations_path), n, start))
        for n in range(WRITERS)
    ]
    for process in writers:
        process.start()
    for process in writers:
        process.join(120)
    assert [p.exitcode for p in writers] == [0] * WRITERS

    answers = json.loads(state_path.read_text())["answers"]
    assert answers == {f"config.WRITER_{w}_{e}": f"value {w}.{e}" for w in range(WRITERS) for e in range(ENTRIES)}
    confirmed = json.loads(confirmations_path.read_text())["apps"][APP]
    assert sorted(confirmed) == sorted(f"checklist.item-{w}-{e}" for w in range(WRITERS) for e in range(ENTRIES))
    assert not [p.name for p in state_path.parent.iterdir() if p.name.endswith(".tmp")]


def test_a_state_object_loaded_earlier_keeps_answers_saved_since(tmp_path):
    path = tmp_path / "init-staging.json"
    first = InitState.load(path, environment="staging", app=APP)
    second = InitState.load(path, environment="staging", app=APP)
    first.set_answer("config.DJANGO_DANDI_ADMIN_EMAIL", "admin@example.org")
    second.set_answer("superuser.email", "root@example.org")
    second.mark_interrupted("superuser")
    on_disk = json.loads(path.read_text())
    assert on_disk["answers"] == {
        "config.DJANGO_DANDI_ADMIN_EMAIL": "admin@example.org",
        "superuser.email": "root@example.org",
    }
    assert on_disk["interrupted_at"] == "superuser"
    assert second.answers["config.DJANGO_DANDI_ADMIN_EMAIL"] == "admin@example.org"


# --- through the command: unreadable files end in a clear error, never a traceback --------------
@pytest.fixture
def init_cli(tmp_path):
    """`dandiops init -e staging ARGS` in a folder with a dandiops.toml and no services: it stops before any call."""
    from typer.testing import CliRunner

    from dandiops.cli.main import app

    (tmp_path / "dandiops.toml").write_text(f'[environments.staging]\nheroku_app = "{APP}"\n')
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, ["init", "-e", "staging", "--non-interactive", *args], catch_exceptions=False)

    return invoke


def _state_path(tmp_path):
    path = tmp_path / ".dandiops" / "init-staging.json"
    path.parent.mkdir(exist_ok=True)
    return path


def test_two_documents_in_the_state_file_exit_3_naming_the_file_and_its_answers(init_cli, tmp_path):
    path = _state_path(tmp_path)
    document = {
        "version": 1,
        "environment": "staging",
        "app": APP,
        "memo": {},
        "interrupted_at": None,
        "answers": {"config.DJANGO_DANDI_ADMIN_EMAIL": "admin@example.org", "superuser.email": "r@x.org"},
    }
    text = json.dumps(document, indent=2) + "\n" + json.dumps(document, indent=2) + "\n"
    path.write_text(text)
    result = init_cli()
    assert result.exit_code == 3, result.output
    assert f"the init state file {path} cannot be read as JSON" in result.stderr
    assert "config.DJANGO_DANDI_ADMIN_EMAIL, superuser.email" in result.stderr
    assert f"mv {path} {path}.corrupt-" in result.stderr
    assert path.read_text() == text  # left as it was
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "change, named",
    [
        ({"answers": ["config.DJANGO_DANDI_ADMIN_EMAIL"]}, "answers is a list (expected an object)"),
        (
            {"answers": {"config.DJANGO_DANDI_DOI_API_PREFIX": 10.80507}},
            "answers.config.DJANGO_DANDI_DOI_API_PREFIX is a number",
        ),
        ({"memo": {"dyno-check.cachetable": "done"}}, "memo.dyno-check.cachetable is a text (expected an object)"),
        ({"interrupted_at": 3}, "interrupted_at is a number (expected text)"),
        ({"version": 7}, "written by a newer dandiops (state file version 7)"),
    ],
)
def test_a_state_file_with_values_of_the_wrong_type_exits_3_naming_them(init_cli, tmp_path, change, named):
    path = _state_path(tmp_path)
    text = json.dumps({"version": 1, "environment": "staging", "app": APP, "answers": {}, "memo": {}, **change})
    path.write_text(text)
    result = init_cli()
    assert result.exit_code == 3, result.output
    assert f"the init state file {path} cannot be used" in result.stderr
    assert named in result.stderr
    assert path.read_text() == text


def test_state_file_option_naming_a_folder_exits_2(init_cli, tmp_path):
    folder = tmp_path / "state"
    folder.mkdir()
    result = init_cli("--state-file", str(folder))
    assert result.exit_code == 2, result.output
    assert f"--state-file {folder} is a folder" in result.stderr
    assert f"--state-file {folder}/init-staging.json" in result.stderr
    assert list(folder.iterdir()) == []


def test_state_file_option_inside_a_file_exits_2(init_cli, tmp_path):
    (tmp_path / "notes.txt").write_text("")
    result = init_cli("--state-file", str(tmp_path / "notes.txt" / "state.json"))
    assert result.exit_code == 2, result.output
    assert f"{tmp_path / 'notes.txt'} is a file, not a folder" in result.stderr


def test_a_folder_where_the_default_state_file_goes_exits_3(init_cli, tmp_path):
    _state_path(tmp_path).mkdir()
    result = init_cli()
    assert result.exit_code == 3, result.output
    assert "init-staging.json is a folder" in result.stderr


# --- the confirmations file -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, named",
    [
        ('{"version": 1, "apps": {}}{"version": 1, "apps": {}}', "cannot be read as JSON"),
        (json.dumps({"version": 1, "apps": {APP: ["checklist.netlify-site"]}}), f"apps.{APP} is not an object"),
        (
            json.dumps({"version": 1, "apps": {APP: {"checklist.netlify-site": True}}}),
            f"apps.{APP}.checklist.netlify-site is not an object of text values",
        ),
    ],
)
def test_an_unusable_confirmations_file_is_a_config_error_and_is_left_alone(tmp_path, text, named):
    path = tmp_path / "confirmations.json"
    path.write_text(text)
    store = Confirmations(path)
    for attempt in (
        lambda: store.get(APP, "checklist.netlify-site"),
        lambda: store.confirm(APP, "checklist.netlify-site", "operator"),
    ):
        with pytest.raises(ConfigError) as caught:
            attempt()
        assert str(path) in caught.value.message and named in caught.value.message
        assert f"mv {path} {path}.corrupt-" in caught.value.hint
    assert path.read_text() == text


@pytest.mark.parametrize(
    "store_class, section, write",
    [
        (Confirmations, "apps", lambda store: store.confirm(APP, "checklist.netlify-site", "operator")),
        (CreatedKeys, "users", lambda store: store.add("dandi-api-staging", "AKIAEXAMPLE", env="staging", by="me")),
    ],
)
def test_a_record_file_with_a_record_that_is_not_text_names_it_and_is_left_alone(tmp_path, store_class, section, write):
    path = tmp_path / "records.json"
    text = json.dumps({"version": 1, section: {"owner": {"key": {"by": 7}}}})
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        write(store_class(path))
    assert f"{path} cannot be used: {section}.owner.key is not an object of text values" in caught.value.message
    assert f"mv {path} {path}.corrupt-" in caught.value.hint
    assert path.read_text() == text
