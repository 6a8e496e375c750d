"""`dandiops hosts`: read, merge, PATCH only the changed key; bad hosts change nothing."""

import pytest

STAGING = "dandi-sandbox-api-staging"


def config(state):
    return state.apps[STAGING].config


def patches(state):
    return [r for r in state.writes() if r.method == "PATCH"]


def test_list_shows_hosts_and_origins(cli, heroku_state):
    result = cli("hosts", "list", "-e", "staging", "--json")
    assert result.exit_code == 0, result
    assert result.json() == {
        "env": "staging",
        "app": STAGING,
        "allowed_hosts": ["api.staging.dandi.test"],
        "cors_allowed_origins": ["https://staging.dandi.test"],
    }


def test_add_merges_and_patches_only_that_key(cli, heroku_state):
    config(heroku_state)["DJANGO_ALLOWED_HOSTS"] = "api.staging.dandi.test,keep.example.org"
    releases_before = len(heroku_state.apps[STAGING].releases)
    result = cli("hosts", "add", "new.example.org", "-e", "staging")
    assert result.exit_code == 0, result
    assert config(heroku_state)["DJANGO_ALLOWED_HOSTS"] == "api.staging.dandi.test,keep.example.org,new.example.org"
    [patch] = patches(heroku_state)
    assert patch.body == {"DJANGO_ALLOWED_HOSTS": "api.staging.dandi.test,keep.example.org,new.example.org"}
    assert len(heroku_state.apps[STAGING].releases) == releases_before + 1


def test_adding_a_present_host_sends_no_patch(cli, heroku_state):
    result = cli("hosts", "add", "API.staging.dandi.test", "-e", "staging")
    assert result.exit_code == 0, result
    assert "nothing to change" in result.stderr
    assert patches(heroku_state) == []


def test_remove_keeps_other_entries(cli, heroku_state):
    config(heroku_state)["DJANGO_ALLOWED_HOSTS"] = "a.example.org,b.example.org,c.example.org"
    result = cli("hosts", "remove", "b.example.org", "-e", "staging")
    assert result.exit_code == 0, result
    assert config(heroku_state)["DJANGO_ALLOWED_HOSTS"] == "a.example.org,c.example.org"


def test_cors_origin_is_managed_alongside(cli, heroku_state):
    result = cli("hosts", "add", "--cors-origin", "https://preview.example.org", "-e", "staging", "--json")
    assert result.exit_code == 0, result
    assert (
        config(heroku_state)["DJANGO_CORS_ALLOWED_ORIGINS"] == "https://staging.dandi.test,https://preview.example.org"
    )
    [patch] = patches(heroku_state)
    assert list(patch.body) == ["DJANGO_CORS_ALLOWED_ORIGINS"]
    assert result.json()["changes"][0]["target"] == "config var DJANGO_CORS_ALLOWED_ORIGINS"


def test_dry_run_writes_nothing(cli, heroku_state):
    before = dict(config(heroku_state))
    result = cli("hosts", "add", "new.example.org", "-e", "staging", "--dry-run")
    assert result.exit_code == 0, result
    assert "would set config var DJANGO_ALLOWED_HOSTS" in result.stderr
    assert heroku_state.writes() == []
    assert config(heroku_state) == before


@pytest.mark.parametrize(
    "bad, says",
    [
        ("https://api.example.org", "not URLs"),
        ("api.example.org/admin", "has no path"),
        ("api.example.org:8000", "have no port"),
        ("api example.org", "whitespace"),
        ("*.example.org", "leading dot"),
        ("bad_host!.org", "not a valid host name"),
        ("api.example.org.", "trailing dot"),
        (".example.org.", "trailing dot"),
        ("a" * 64 + ".example.org", "over the limit of 63"),
        (".".join(["a" * 63] * 4), "over the limit of 253"),
        ("999.1.1.1", "looks like an IPv4 address"),
        ("1.2.3", "looks like an IPv4 address"),
        ("10.0.0.01", "looks like an IPv4 address"),
        ("a.example.org,b.example.org", "comma-separated"),
        ("2001:db8::1", "in brackets"),
        ("[2001:db8::zz]", "not an IPv6 address"),
    ],
)
def test_bad_hosts_are_refused_before_any_request(cli, heroku_state, bad, says):
    result = cli("hosts", "add", bad, "-e", "staging")
    assert result.exit_code == 2, result
    assert says in result.stderr and "hint:" in result.stderr
    assert heroku_state.requests == []


@pytest.mark.parametrize(
    "bad, says",
    [
        ("example.org", "needs a scheme"),
        ("https://example.org/", "no path"),
        ("https://example.org/app", "no path"),
        ("https://a.example.org,https://b.example.org", "comma-separated"),
        ("https://999.1.1.1", "looks like an IPv4 address"),
        ("https://example.org.", "trailing dot"),
        ("https://" + "a" * 64 + ".example.org", "over the limit of 63"),
        ("https://" + ".".join(["a" * 63] * 4), "over the limit of 253"),
        ("https://bad_host!.org", "not a valid host name"),
        ("https://example.org:0", "bad port"),
    ],
)
def test_bad_cors_origins_are_refused(cli, heroku_state, bad, says):
    result = cli("hosts", "add", "--cors-origin", bad, "-e", "staging")
    assert result.exit_code == 2, result
    assert says in result.stderr and "hint:" in result.stderr
    assert heroku_state.requests == []


@pytest.mark.parametrize("option", [[], ["--cors-origin"]])
@pytest.mark.parametrize(
    "bad",
    [
        "https://admin:s3cr3t-pw@example.org",
        "https://admin:s3cr3t-pw@example.org/app",
        "admin:s3cr3t-pw@example.org",
        "https://admin:s3cr3t-pw@example.org, https://b.org",
    ],
)
def test_user_info_is_refused_without_echoing_the_password(cli, heroku_state, option, bad):
    result = cli("hosts", "add", *option, bad, "-e", "staging")
    assert result.exit_code == 2, result
    assert "user info" in result.stderr and "hint:" in result.stderr
    assert "s3cr3t-pw" not in result.stdout + result.stderr
    assert heroku_state.requests == []


def test_nothing_to_change_is_a_usage_error(cli, heroku_state):
    result = cli("hosts", "add", "-e", "staging")
    assert result.exit_code == 2
    assert "--cors-origin" in result.stderr


def test_production_needs_yes_without_a_terminal(cli, heroku_state):
    result = cli("hosts", "add", "new.example.org", "-e", "production")
    assert result.exit_code == 2, result
    assert "pass --yes" in result.stderr
    assert heroku_state.writes() == []
    result = cli("hosts", "add", "new.example.org", "-e", "production", "--yes")
    assert result.exit_code == 0, result
    assert "new.example.org" in heroku_state.apps["dandi-sandbox-api"].config["DJANGO_ALLOWED_HOSTS"]


def audit_lines() -> list[dict]:
    import json
    import os

    return [json.loads(line) for line in open(os.environ["DANDIOPS_AUDIT_LOG"])]


def test_each_change_appends_one_audit_line_with_the_final_value(cli, heroku_state, tmp_path):
    cli("hosts", "add", "new.example.org", "-e", "staging")
    [entry] = audit_lines()
    assert entry["action"] == "config-vars.set" and entry["env"] == "staging" and entry["app"] == STAGING
    assert entry["result"] == "ok"
    assert entry["detail"] == {
        "keys": ["DJANGO_ALLOWED_HOSTS"],
        "values": {"DJANGO_ALLOWED_HOSTS": "api.staging.dandi.test,new.example.org"},
    }
    assert set(entry) == {"time", "operator", "env", "app", "action", "result", "detail"}


def config_var_requests(state):
    return [r.method for r in state.requests if r.path == f"/apps/{STAGING}/config-vars"]


def test_an_uncontended_edit_reads_once_before_and_once_after_writing(cli, heroku_state):
    result = cli("hosts", "add", "new.example.org", "-e", "staging")
    assert result.exit_code == 0, result
    assert config_var_requests(heroku_state) == ["GET", "PATCH", "GET"]


def after_each_release(state, rewrite, times: int | None = None):
    """Another client writing DJANGO_ALLOWED_HOSTS just after each config var change of ours lands."""
    landed = []

    def hook(app, release):
        if app.name == STAGING and (times is None or len(landed) < times):
            landed.append(release.version)
            with state.lock:
                app.config["DJANGO_ALLOWED_HOSTS"] = rewrite(app.config["DJANGO_ALLOWED_HOSTS"])

    state.on_release.append(hook)


def test_the_report_and_audit_show_the_value_read_back(cli, heroku_state):
    after_each_release(heroku_state, lambda value: value + ",other.example.org", times=1)
    result = cli("hosts", "add", "new.example.org", "-e", "staging", "--json")
    assert result.exit_code == 0, result
    final = "api.staging.dandi.test,new.example.org,other.example.org"
    [change] = result.json()["changes"]
    assert change["before"] == "api.staging.dandi.test" and change["after"] == final
    assert config_var_requests(heroku_state) == ["GET", "PATCH", "GET"]  # nothing of ours was lost
    assert audit_lines()[0]["detail"]["values"] == {"DJANGO_ALLOWED_HOSTS": final}
    text = cli("hosts", "add", "third.example.org", "-e", "staging")
    assert f"'{final}' -> '{final},third.example.org'" in text.stderr


def test_an_edit_overwritten_right_after_it_landed_is_written_again(cli, heroku_state):
    after_each_release(heroku_state, lambda value: "api.staging.dandi.test,stale.example.org", times=1)
    result = cli("hosts", "add", "new.example.org", "-e", "staging")
    assert result.exit_code == 0, result
    assert config(heroku_state)["DJANGO_ALLOWED_HOSTS"] == "api.staging.dandi.test,stale.example.org,new.example.org"
    assert config_var_requests(heroku_state) == ["GET", "PATCH", "GET", "PATCH", "GET"]
    assert "merging this edit into the new value" in result.stderr


def test_an_edit_that_never_holds_stops_with_exit_10_naming_the_var(cli, heroku_state):
    after_each_release(heroku_state, lambda value: "api.staging.dandi.test")
    result = cli("hosts", "add", "new.example.org", "-e", "staging")
    assert result.exit_code == 10, result
    assert "DJANGO_ALLOWED_HOSTS kept changing" in result.stderr and "hint:" in result.stderr
    assert config_var_requests(heroku_state).count("PATCH") == 5
    [entry] = audit_lines()
    assert entry["result"] == "conflict"
    assert entry["detail"]["values"] == {"DJANGO_ALLOWED_HOSTS": "api.staging.dandi.test"}


def test_init_merges_its_host_into_a_value_overwritten_meanwhile(cli, heroku_state):
    config(heroku_state)["DJANGO_ALLOWED_HOSTS"] = "old-api.example.org"
    after_each_release(heroku_state, lambda value: "old-api.example.org,other.example.org", times=1)
    result = cli("-e", "staging", "init", "--non-interactive", "--only", "hosts", "--json")
    assert result.exit_code == 0, result
    assert (
        config(heroku_state)["DJANGO_ALLOWED_HOSTS"] == "old-api.example.org,other.example.org,api.staging.dandi.test"
    )


@pytest.mark.parametrize(
    "entries, removed",
    [
        ("api.staging.dandi.test,keep.example.org", ["api.staging.dandi.test"]),
        ("API.staging.dandi.test", ["api.staging.dandi.test"]),
        (".dandi.test,keep.example.org", [".dandi.test"]),
        ("*,api.staging.dandi.test", ["*", "api.staging.dandi.test"]),
    ],
)
def test_removing_what_lets_the_api_host_in_is_refused_without_force(cli, heroku_state, entries, removed):
    config(heroku_state)["DJANGO_ALLOWED_HOSTS"] = entries
    result = cli("hosts", "remove", *removed, "-e", "staging")
    assert result.exit_code == 2, result
    assert "api.staging.dandi.test" in result.stderr and "400" in result.stderr and "--force" in result.stderr
    assert heroku_state.writes() == []
    result = cli("hosts", "remove", *removed, "-e", "staging", "--force")
    assert result.exit_code == 0, result
    assert not set(removed) & set(config(heroku_state)["DJANGO_ALLOWED_HOSTS"].lower().split(","))


@pytest.mark.parametrize(
    "entries, removed",
    [
        ("*,api.staging.dandi.test", "api.staging.dandi.test"),
        (".dandi.test,api.staging.dandi.test", ".dandi.test"),
        ("old-api.example.org", "old-api.example.org"),  # the API host was not allowed before either
    ],
)
def test_removing_while_the_api_host_stays_allowed_needs_no_force(cli, heroku_state, entries, removed):
    config(heroku_state)["DJANGO_ALLOWED_HOSTS"] = entries
    result = cli("hosts", "remove", removed, "-e", "staging")
    assert result.exit_code == 0, result
    assert removed not in config(heroku_state)["DJANGO_ALLOWED_HOSTS"].split(",")


@pytest.mark.parametrize(
    "given, stored, port",
    [
        ("https://preview.example.org:443", "https://preview.example.org", ":443"),
        ("http://preview.example.org:80", "http://preview.example.org", ":80"),
        ("https://PREVIEW.example.org:0443", "https://preview.example.org", ":443"),
    ],
)
def test_a_default_port_is_dropped_from_a_cors_origin_saying_so(cli, heroku_state, given, stored, port):
    result = cli("hosts", "add", "--cors-origin", given, "-e", "staging")
    assert result.exit_code == 0, result
    assert f"dropped {port}" in result.stderr and "Origin header" in result.stderr
    assert config(heroku_state)["DJANGO_CORS_ALLOWED_ORIGINS"].split(",")[-1] == stored


def test_a_port_other_than_the_default_is_kept(cli, heroku_state):
    result = cli("hosts", "add", "--cors-origin", "http://preview.example.org:443", "-e", "staging")
    assert result.exit_code == 0, result
    assert "dropped" not in result.stderr
    assert config(heroku_state)["DJANGO_CORS_ALLOWED_ORIGINS"].endswith(",http://preview.example.org:443")


def test_an_origin_given_with_its_default_port_is_removed(cli, heroku_state):
    result = cli("hosts", "remove", "--cors-origin", "https://staging.dandi.test:443", "-e", "staging")
    assert result.exit_code == 0, result
    assert config(heroku_state)["DJANGO_CORS_ALLOWED_ORIGINS"] == ""
