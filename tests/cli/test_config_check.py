STAGING = "dandi-sandbox-api-staging"


def test_complete_config_passes_and_hides_secrets(cli, heroku_state):
    secret = heroku_state.apps[STAGING].config["DJANGO_SECRET_KEY"]
    result = cli("config", "check", "-e", "staging")
    assert result.exit_code == 0, result
    assert "DJANGO_SECRET_KEY" in result.stdout
    assert secret not in result.stdout + result.stderr
    assert heroku_state.apps[STAGING].config["DATABASE_URL"] not in result.stdout
    rows = {row["name"]: row for row in cli("config", "check", "-e", "staging", "--json").json()["vars"]}
    assert rows["DJANGO_SECRET_KEY"] | {"provided_by": None} == {
        "name": "DJANGO_SECRET_KEY",
        "set": True,
        "secret": True,
        "value": None,
        "provided_by": None,
    }


def test_missing_vars_are_listed_and_exit_non_zero(cli, heroku_state):
    del heroku_state.apps[STAGING].config["DJANGO_ALLOWED_HOSTS"]
    del heroku_state.apps[STAGING].config["DJANGO_EMAIL_URL"]
    result = cli("config", "check", "-e", "staging", "--json")
    assert result.exit_code == 6, result
    data = result.json()
    assert data["missing"] == ["DJANGO_ALLOWED_HOSTS", "DJANGO_EMAIL_URL"]
    rows = {row["name"]: row for row in data["vars"]}
    assert rows["DJANGO_SECRET_KEY"] == {
        "name": "DJANGO_SECRET_KEY",
        "set": True,
        "secret": True,
        "value": None,
        "provided_by": None,
    }
    assert rows["DJANGO_SETTINGS_MODULE"]["value"] == "dandiapi.settings.heroku_production"
    assert "2 required config vars missing" in result.stderr
    assert heroku_state.writes() == []
