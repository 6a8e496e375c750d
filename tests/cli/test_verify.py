"""`dandiops verify` against the sandbox: one row per check, exit 0 only when every check passed."""

from __future__ import annotations

from verify_helpers import VERIFY_CHECKS


def checks_of(result) -> dict[str, dict]:
    return {check["name"]: check for check in result.json()["checks"]}


def test_verify_lists_every_check_with_what_it_saw(cli, heroku_state):
    result = cli("verify", "-e", "staging", "--json")
    checks = checks_of(result)
    assert set(checks) == VERIFY_CHECKS
    assert all(set(check) == {"name", "ok", "state", "detail", "fix", "seconds"} for check in checks.values())
    assert checks["api"]["state"] == "pass", checks["api"]
    assert "answered 200" in checks["api"]["detail"]
    assert checks["certificate"]["state"] == "skipped" and "loopback" in checks["certificate"]["detail"]
    assert checks["cors"]["state"] == "pass", checks["cors"]
    assert checks["superuser-login"]["state"] == "skipped" and "--password-stdin" in checks["superuser-login"]["detail"]
    assert result.exit_code == (0 if all(c["ok"] for c in checks.values()) else 6), result
    # nothing changed: the one write is the one-off dyno that reads the OAuth application from the database
    assert [(r.method, r.path) for r in heroku_state.writes()] == [("POST", "/apps/dandi-sandbox-api-staging/dynos")]


def test_a_web_origin_the_api_does_not_allow_fails_cors_naming_the_fix(cli, heroku_state):
    removed = cli("hosts", "remove", "--cors-origin", "https://staging.dandi.test", "-e", "staging", "--yes")
    assert removed.exit_code == 0, removed
    result = cli("verify", "-e", "staging", "--json")
    assert result.exit_code == 6, result
    cors = checks_of(result)["cors"]
    assert cors["state"] == "fail" and "dandiops hosts add --cors-origin https://" in cors["fix"]


def test_password_stdin_without_a_superuser_is_a_usage_error_before_any_request(cli, heroku_state):
    result = cli("verify", "-e", "staging", "--password-stdin", input="secret\n")
    assert result.exit_code == 2 and "--password-stdin needs --superuser EMAIL" in result.stderr
    assert heroku_state.requests == []


def test_the_frontend_build_fails_naming_both_ids_until_the_databases_oauth_application_has_the_built_one(
    cli, gh_state, repo, monkeypatch
):
    monkeypatch.setenv("DANDIOPS_POLL_INTERVAL", "0.02")
    assert cli("frontend", "setup", "-e", "staging", "--yes").exit_code == 0
    built = checks_of(cli("verify", "-e", "staging", "--json"))
    assert built["frontend"]["state"] == "pass", built["frontend"]
    assert built["frontend-build"]["state"] == "pass", built["frontend-build"]

    toml = repo.file(repo.branch_sha("master"), "web/netlify.toml").decode()
    changed = toml.replace("Dk0zosgt1GAAKfN8LT4STJmLJXwMDPbYWYzfNtAl", "SomeoneElsesClientId")
    assert changed != toml
    gh_state.commit_files(repo, "master", {"web/netlify.toml": changed.encode()}, "By hand", push_event=False)
    assert cli("frontend", "deploy", "-e", "staging").exit_code == 0
    result = cli("verify", "-e", "staging", "--json")
    assert result.exit_code == 6, result
    build = checks_of(result)["frontend-build"]
    assert build["state"] == "fail"
    assert "SomeoneElsesClientId" in build["detail"] and "Dk0zosgt1GAAKfN8LT4STJmLJXwMDPbYWYzfNtAl" in build["detail"]

    # the archive's OAuth application given that client id by hand: the build now matches the database
    setup = cli(
        "auth",
        "setup",
        "-e",
        "staging",
        "--github-client-id",
        "Iv1.someone0else",
        "--oauth-client-id",
        "SomeoneElsesClientId",
        env={"DANDIOPS_GITHUB_CLIENT_SECRET": "0123456789abcdef0123456789abcdef01234567"},
    )
    assert setup.exit_code == 0, setup
    build = checks_of(cli("verify", "-e", "staging", "--json"))["frontend-build"]
    assert build["state"] == "pass", build
    assert "SomeoneElsesClientId" in build["detail"]


def test_the_email_check_reads_the_last_test_or_sends_one(cli, mailbox):
    before = checks_of(cli("verify", "-e", "staging", "--json"))["email"]
    assert before["state"] == "waiting" and "dandiops email test -e staging" in before["fix"]
    sent = checks_of(cli("verify", "-e", "staging", "--json", "--send-test-email", "someone@example.org"))["email"]
    assert sent["state"] == "pass", sent
    assert "someone@example.org" in sent["detail"]
    again = checks_of(cli("verify", "-e", "staging", "--json"))["email"]
    assert again["state"] == "pass"
