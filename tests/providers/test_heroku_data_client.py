"""The Data API client against the stand-in: routes, retries, errors, and attachment resolution."""

import pytest

from dandiops.core.errors import AuthError, NotFoundError, UnavailableError
from dandiops.providers.heroku import HerokuClient
from dandiops.providers.heroku_data import (
    DEFAULT_DATA_API_URL,
    HerokuDataClient,
    NoDatabaseError,
    continuous_protection,
    database_attachment,
)
from dandiops.providers.http import RetryPolicy

from ops_helpers import PRODUCTION, STAGING

FAST = RetryPolicy(attempts=3, base_delay=0.001)


@pytest.fixture
def platform(sandbox):
    with HerokuClient(sandbox.heroku.api_key, base_url=sandbox.heroku.url, retry=FAST) as client:
        yield client


@pytest.fixture
def data(sandbox):
    with HerokuDataClient(sandbox.heroku.api_key, base_url=sandbox.heroku.url, retry=FAST) as client:
        yield client


def test_base_url_comes_from_its_own_variable_in_the_environment_it_is_given():
    with HerokuDataClient("key", environ={"DANDIOPS_HEROKU_API_URL": "http://127.0.0.1:8"}) as default:
        assert default.base_url == DEFAULT_DATA_API_URL == "https://api.data.heroku.com"
    overridden = {
        "DANDIOPS_HEROKU_DATA_API_URL": "http://127.0.0.1:9/",
        "DANDIOPS_HEROKU_API_URL": "http://127.0.0.1:8",
    }
    with HerokuDataClient("key", environ=overridden) as client:
        assert client.base_url == "http://127.0.0.1:9"


def test_the_postgres_add_on_attached_as_database_is_found_with_reads(platform, heroku_state):
    attachment = database_attachment(platform, PRODUCTION)
    addon = next(a for a in heroku_state.apps[PRODUCTION].addons if a.service == "heroku-postgresql")
    assert (attachment.addon_id, attachment.attachment_name, attachment.schedule_name) == (
        addon.id,
        "DATABASE",
        "DATABASE_URL",
    )
    assert [(r.method, r.path) for r in heroku_state.requests] == [
        ("GET", f"/apps/{PRODUCTION}/addons"),
        ("GET", f"/apps/{PRODUCTION}/addon-attachments"),
    ]


def test_a_missing_app_and_a_missing_database_are_told_apart(platform, heroku_state):
    with pytest.raises(NotFoundError, match="app no-such-app not found") as missing_app:
        database_attachment(platform, "no-such-app")
    assert not isinstance(missing_app.value, NoDatabaseError)
    heroku_state.apps[STAGING].addons = []
    with pytest.raises(NoDatabaseError, match="has no Heroku Postgres database"):
        database_attachment(platform, STAGING)


def test_continuous_protection_follows_the_plan_tier(platform, data):
    production = data.database(database_attachment(platform, PRODUCTION).addon_id)
    staging = data.database(database_attachment(platform, STAGING).addon_id)
    assert continuous_protection(production) is True
    assert continuous_protection(staging) is False


def test_schedule_round_trip(platform, data):
    addon_id = database_attachment(platform, STAGING).addon_id
    created = data.create_transfer_schedule(addon_id, hour=2, timezone="America/New_York", schedule_name="DATABASE_URL")
    assert (created["hour"], created["timezone"], created["days"][0]) == (2, "America/New_York", "Sunday")
    assert [s["uuid"] for s in data.transfer_schedules(addon_id)] == [created["uuid"]]
    data.delete_transfer_schedule(addon_id, created["uuid"])
    assert data.transfer_schedules(addon_id) == []


def test_the_stand_in_rejects_what_heroku_rejects(platform, data):
    from dandiops.core.errors import UsageError

    addon_id = database_attachment(platform, STAGING).addon_id
    with pytest.raises(UsageError, match="Hour must be an integer"):
        data.post(f"/client/v11/databases/{addon_id}/transfer-schedules", {"hour": "24", "timezone": "UTC"})
    with pytest.raises(UsageError, match="Unknown timezone"):
        data.post(f"/client/v11/databases/{addon_id}/transfer-schedules", {"hour": 1, "timezone": "Nowhere/Town"})
    with pytest.raises(NotFoundError):
        data.database("01234567-89ab-cdef-0123-456789abcdef")


def test_reads_are_retried(data, platform, heroku_state):
    addon_id = database_attachment(platform, STAGING).addon_id
    heroku_state.inject_fault(503, 1, path_prefix="/client/")
    assert data.transfer_schedules(addon_id) == []
    assert [r.status for r in heroku_state.requests if r.path.startswith("/client/")] == [503, 200]


def test_a_rejected_key_is_an_auth_error(sandbox):
    with HerokuDataClient("not-the-key", base_url=sandbox.heroku.url, retry=FAST) as wrong:
        with pytest.raises(AuthError, match="rejected the API key"):
            wrong.transfers(STAGING)


def test_an_unreachable_host_names_the_data_api_variable():
    with HerokuDataClient("key", base_url="http://127.0.0.1:9", retry=FAST) as client:
        with pytest.raises(UnavailableError) as info:
            client.transfers(STAGING)
    assert "DANDIOPS_HEROKU_DATA_API_URL" in info.value.hint
