"""The schema check the sandbox fixtures run: strict, and aware of what a client asked Heroku to add."""

from __future__ import annotations

import pytest

APP_ID = "01234567-89ab-cdef-0123-456789abcdef"


@pytest.fixture(scope="module")
def validator():
    from dandiops.sandbox.heroku.schema import PACKAGED_SCHEMA, ResponseValidator

    return ResponseValidator(PACKAGED_SCHEMA)


def attachment(**extra) -> dict:
    from dandiops.sandbox.heroku.schema import example

    return {**example("add-on-attachment"), **extra}


def test_included_fields_are_refused_unless_the_client_asked_for_them(validator):
    with_extras = attachment(config_vars=["DATABASE_URL"])
    with_extras["addon"] = {**with_extras["addon"], "plan": {"id": APP_ID, "name": "heroku-postgresql:standard-0"}}
    path = "/apps/example/addon-attachments"

    assert validator.errors("GET", path, [attachment()]) == []
    assert validator.errors("GET", path, [with_extras]) != []
    assert validator.errors("GET", path, [with_extras], {"Accept-Inclusion": "addon:plan,config_vars"}) == []
    missing = validator.errors("GET", path, [attachment()], {"Accept-Inclusion": "config_vars"})
    assert any("'config_vars' is a required property" in problem for problem in missing)


def test_expanded_references_are_checked_as_the_whole_object(validator):
    from dandiops.sandbox.heroku.schema import example

    addon = {**example("add-on"), "provision_message": ""}
    expanded = {**addon, "plan": example("plan")}
    path = "/apps/example/addons"

    assert validator.errors("GET", path, [addon]) == []
    assert validator.errors("GET", path, [addon], {"Accept-Expansion": "plan"}) != []
    assert validator.errors("GET", path, [expanded], {"Accept-Expansion": "plan"}) == []
    assert validator.errors("GET", path, [expanded]) != []
