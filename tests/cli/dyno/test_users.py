"""`dandiops users list|show|approve|reject` against the miniature archive in one-off dynos."""

from __future__ import annotations

from dyno_helpers import STAGING_APP, audit_lines, dyno_posts


def test_five_hundred_pending_users_approved_in_one_dyno_with_emails(cli, staging, heroku_state, tmp_path):
    emails = staging.seed_pending(500)
    staging.seed([{"email": "bystander@example.org", "status": "PENDING"}])
    batch = tmp_path / "approve.txt"
    batch.write_text("# approved at the review meeting\n" + "\n".join(emails) + "\n\n")
    result = cli("users", "approve", "-e", "staging", "--from-file", str(batch), "--json")
    assert result.exit_code == 0, result
    data = result.json()
    assert len(data["changed"]) == 500 and data["emails_sent"] == 500 and data["email_failures"] == []
    assert len(dyno_posts(heroku_state)) == 1
    users = staging.users()
    assert all(users[email]["status"] == "APPROVED" and users[email]["is_active"] for email in emails)
    assert users["bystander@example.org"]["status"] == "PENDING"
    messages = staging.messages()
    assert len(messages) == 500
    assert {m["Subject"] for m in messages} == {"Your DANDI Account"}
    recipients = {address.strip() for m in messages for address in m["To"].split(",")}
    assert recipients == set(emails) | {"admin@dandi.test"}
    assert "has been approved" in messages[0].get_content()
    assert len([line for line in audit_lines() if line["action"] == "user.approve"]) == 500


def test_emails_and_reasons_travel_in_the_env_not_the_command(cli, staging, heroku_state):
    staging.seed_pending(1, prefix="secretive")
    result = cli("users", "reject", "-e", "staging", "secretive0@example.org", "--reason", "Not a neuroscientist")
    assert result.exit_code == 0, result
    [post] = dyno_posts(heroku_state)
    assert "secretive0" not in post.body["command"] and "neuroscientist" not in post.body["command"]
    assert post.body["command"].startswith("python manage.py shell -v 0 -c ")
    assert set(post.body["env"]) == {"DANDIOPS_REQUEST"}


def test_reject_sets_inactive_and_mails_the_reason(cli, staging):
    staging.seed_pending(2)
    result = cli("users", "reject", "-e", "staging", "user0@example.org", "--reason", "Spam account")
    assert result.exit_code == 0, result
    users = staging.users()
    assert users["user0@example.org"] == {
        "status": "REJECTED",
        "is_active": False,
        "is_superuser": False,
        "rejection_reason": "Spam account",
    }
    assert users["user1@example.org"]["status"] == "PENDING"
    [message] = staging.messages()
    assert "Spam account" in message.get_content()
    assert "user0@example.org" in message["To"]


def test_approving_an_approved_user_is_a_reported_no_op(cli, staging):
    staging.seed([{"email": "known@example.org", "status": "APPROVED"}])
    staging.seed_pending(1)
    result = cli("users", "approve", "-e", "staging", "known@example.org", "user0@example.org", "--json")
    assert result.exit_code == 0, result
    data = result.json()
    assert [c["email"] for c in data["changed"]] == ["user0@example.org"]
    assert data["unchanged"] == [{"email": "known@example.org", "status": "APPROVED"}]
    assert "already approved (no change): known@example.org" in result.stderr
    assert [m["To"] for m in staging.messages()] == ["admin@dandi.test, user0@example.org"]
    assert [line["detail"]["email"] for line in audit_lines()] == ["user0@example.org"]


def test_unknown_emails_change_nothing_and_are_listed(cli, staging):
    staging.seed_pending(2)
    result = cli("users", "approve", "-e", "staging", "user0@example.org", "ghost@example.org", "nobody@example.org")
    assert result.exit_code == 5, result
    assert (
        "2 of the emails are not archive users: ghost@example.org, nobody@example.org; nothing was changed"
        in result.stderr
    )
    assert "--skip-missing" in result.stderr
    assert staging.users()["user0@example.org"]["status"] == "PENDING"
    assert staging.messages() == []
    assert audit_lines() == []


def test_skip_missing_applies_the_rest(cli, staging):
    staging.seed_pending(2)
    result = cli(
        "users", "approve", "-e", "staging", "user0@example.org", "ghost@example.org", "--skip-missing", "--json"
    )
    assert result.exit_code == 0, result
    assert result.json()["skipped"] == ["ghost@example.org"]
    assert staging.users()["user0@example.org"]["status"] == "APPROVED"
    assert "skipped, not archive users: ghost@example.org" in result.stderr


def test_bad_emails_are_refused_before_any_dyno(cli, heroku_state, tmp_path):
    batch = tmp_path / "batch.txt"
    batch.write_text("fine@example.org\nnot-an-email\nspace @example.org\n")
    result = cli("users", "approve", "-e", "staging", "ok@example.org", "--from-file", str(batch))
    assert result.exit_code == 2, result
    assert "invalid email addresses in --from-file: 'not-an-email' (no @), 'space @example.org'" in result.stderr
    assert heroku_state.writes() == []


def test_reject_requires_a_reason(cli, heroku_state):
    result = cli("users", "reject", "-e", "staging", "someone@example.org")
    assert result.exit_code == 2, result
    assert "rejecting needs a reason" in result.stderr and "--reason" in result.stderr
    blank = cli("users", "reject", "-e", "staging", "someone@example.org", "--reason", "  ")
    assert blank.exit_code == 2, blank
    assert heroku_state.writes() == []


def test_nothing_to_approve_is_a_usage_error(cli, heroku_state):
    result = cli("users", "approve", "-e", "staging")
    assert result.exit_code == 2, result
    assert "no users to approve" in result.stderr
    missing_file = cli("users", "approve", "-e", "staging", "--from-file", "does-not-exist.txt")
    assert missing_file.exit_code == 2, missing_file
    assert "--from-file does-not-exist.txt: no such file" in missing_file.stderr
    assert heroku_state.writes() == []


def test_no_email_changes_status_silently(cli, staging):
    staging.seed_pending(3)
    result = cli("users", "approve", "-e", "staging", "user0@example.org", "user2@example.org", "--no-email")
    assert result.exit_code == 0, result
    assert "approved 2 users, no emails sent" in result.stderr
    assert staging.messages() == []
    assert [line["detail"]["email_sent"] for line in audit_lines()] == [False, False]


def test_domain_approves_only_pending_users_of_that_domain(cli, staging):
    staging.seed_pending(3, domain="lab.example.org")
    staging.seed_pending(2, domain="other.org")
    staging.seed([{"email": "rejected@lab.example.org", "status": "REJECTED", "is_active": False}])
    result = cli("users", "approve", "-e", "staging", "--domain", "@Lab.Example.org", "--json")
    assert result.exit_code == 0, result
    assert sorted(c["email"] for c in result.json()["changed"]) == [f"user{i}@lab.example.org" for i in range(3)]
    users = staging.users()
    assert users["rejected@lab.example.org"]["status"] == "REJECTED"
    assert users["user0@other.org"]["status"] == "PENDING"


def test_dry_run_names_the_app_reports_and_changes_nothing(cli, staging):
    staging.seed_pending(2)
    result = cli("users", "approve", "-e", "staging", "user0@example.org", "user1@example.org", "--dry-run", "--json")
    assert result.exit_code == 0, result
    data = result.json()
    assert data["dry_run"] is True and len(data["changed"]) == 2 and data["emails_sent"] == 0
    assert "would approve 2 users: user0@example.org, user1@example.org" in result.stderr
    assert f"dry run of approve 2 users: environment staging, app {STAGING_APP}" in result.stderr
    assert {u["status"] for u in staging.users().values()} == {"PENDING"}
    assert staging.messages() == []
    assert audit_lines() == []


def test_production_needs_confirmation(cli, heroku_state):
    result = cli("users", "approve", "-e", "production", "someone@example.org")
    assert result.exit_code == 2, result
    assert "pass --yes" in result.stderr
    assert heroku_state.writes() == []


def test_list_and_filter_by_status(cli, staging):
    staging.seed(
        [
            {"email": "a@example.org", "status": "PENDING"},
            {"email": "b@example.org", "status": "APPROVED"},
            {"email": "c@example.org", "status": "REJECTED", "is_active": False},
        ]
    )
    every = cli("users", "list", "-e", "staging", "--json")
    assert every.exit_code == 0, every
    assert [(u["email"], u["status"]) for u in every.json()["users"]] == [
        ("a@example.org", "PENDING"),
        ("b@example.org", "APPROVED"),
        ("c@example.org", "REJECTED"),
    ]
    pending = cli("users", "list", "-e", "staging", "--status", "PENDING")
    assert pending.exit_code == 0, pending
    assert "a@example.org" in pending.stdout and "b@example.org" not in pending.stdout


def test_show_one_user_and_an_unknown_one(cli, staging):
    staging.seed([{"email": "a@example.org", "status": "PENDING"}])
    shown = cli("users", "show", "-e", "staging", "A@example.org", "--json")
    assert shown.exit_code == 0, shown
    user = shown.json()["user"]
    assert (user["email"], user["status"], user["first_name"], user["rejection_reason"]) == (
        "a@example.org",
        "PENDING",
        "Ada",
        "",
    )
    missing = cli("users", "show", "-e", "staging", "ghost@example.org")
    assert missing.exit_code == 5, missing
    assert "no archive user ghost@example.org" in missing.stderr


def test_emails_ses_refuses_are_named_with_its_answer_after_the_statuses_are_saved(cli, staging, aws):
    aws.set_ses_production_access(False)  # in the SES sandbox: only verified recipients
    staging.seed_pending(2)
    result = cli("users", "approve", "-e", "staging", "user0@example.org", "user1@example.org")
    assert result.exit_code == 1, result
    message = " ".join(result.stderr.split())
    assert "the users are approved (saved), but 2 of the approve emails were not sent: user0@example.org: " in message
    for email in ("user0@example.org", "user1@example.org"):
        assert (
            f"{email}: 127.0.0.1:{aws._smtp_address.rpartition(':')[2]} answered 554 Message rejected: Email address "
            f"is not verified. The following identities failed the check in region US-EAST-2: admin@dandi.test, {email}"
        ) in message
    assert {u["status"] for u in staging.users().values()} == {"APPROVED"}
    assert staging.messages() == []


def test_more_bad_inputs_change_nothing(cli, heroku_state, tmp_path):
    import secrets

    huge = tmp_path / "huge.txt"
    huge.write_text("\n".join(f"{secrets.token_hex(16)}@{secrets.token_hex(6)}.org" for _ in range(8000)))
    empty = tmp_path / "empty.txt"
    empty.write_text("# nobody yet\n\n")
    cases = [
        (("approve", "a@example.org", "--domain", "example.org"), "does not mix with emails"),
        (("approve", "--domain", "not a domain"), "invalid --domain 'not a domain'"),
        (("reject", "a@example.org", "--reason", "x" * 1001), "the archive keeps at most 1000"),
        (("approve", "--from-file", str(huge)), "8000 emails are too many for one dyno's environment"),
        (("approve", "--from-file", str(empty)), "no users to approve"),
        (("show", "not-an-email"), "invalid email address in EMAIL: 'not-an-email' (no @)"),
    ]
    for args, message in cases:
        result = cli("users", args[0], "-e", "staging", *args[1:])
        assert result.exit_code == 2, (args, result)
        assert message in result.stderr, (args, result)
    assert heroku_state.writes() == []


def test_an_unreadable_rendezvous_ca_file_is_refused_before_any_dyno(cli, heroku_state, tmp_path):
    result = cli("users", "list", "-e", "staging", env={"DANDIOPS_RENDEZVOUS_CA_FILE": str(tmp_path / "missing.pem")})
    assert result.exit_code == 2, result
    assert "cannot load the rendezvous CA file" in result.stderr
    assert heroku_state.writes() == []


# --- what the archive's users typed is shown as text -------------------------------------------
ESCAPES = ("\x1b", "\x07", "\x9b", "\r")


def test_show_prints_markup_and_escape_sequences_in_user_data_literally(cli, staging):
    staging.seed(
        [
            {
                "email": "mallory@example.org",
                "status": "REJECTED",
                "is_active": False,
                "first_name": "[/bold]Mallory",
                "last_name": "\x1b[31mRed\x1b]0;owned\x07",
                "rejection_reason": "[red]spam[/red]\x9b2J\rforged",
            }
        ]
    )
    result = cli("users", "show", "-e", "staging", "mallory@example.org")
    assert result.exit_code == 0, result
    assert "[/bold]Mallory \\x1b[31mRed\\x1b]0;owned\\x07" in result.stdout
    assert "[red]spam[/red]\\x9b2J\\rforged" in result.stdout
    assert not any(code in result.stdout + result.stderr for code in ESCAPES)


def test_list_and_change_messages_show_escape_sequences_in_emails_as_visible_escapes(cli, staging):
    staging.seed([{"email": "eve\x1b[2J@lab.example.org", "status": "PENDING"}])
    listed = cli("users", "list", "-e", "staging")
    assert listed.exit_code == 0, listed
    assert "eve\\x1b[2J@lab.example.org" in listed.stdout
    approved = cli("users", "approve", "-e", "staging", "--domain", "lab.example.org", "--no-email")
    assert approved.exit_code == 0, approved
    assert "approved 1 user, no emails sent: eve\\x1b[2J@lab.example.org" in approved.stderr
    assert not any(code in listed.stdout + approved.stderr for code in ESCAPES)


# --- rejecting again, approving after a rejection ----------------------------------------------
def test_rejecting_a_rejected_user_with_a_new_reason_updates_it_and_mails_it(cli, staging):
    staging.seed(
        [{"email": "spam@example.org", "status": "REJECTED", "is_active": False, "rejection_reason": "Spam account"}]
    )
    result = cli(
        "users", "reject", "-e", "staging", "spam@example.org", "--reason", "No research use described", "--json"
    )
    assert result.exit_code == 0, result
    data = result.json()
    assert data["changed"] == [{"email": "spam@example.org", "from": "REJECTED", "to": "REJECTED"}]
    assert data["emails_sent"] == 1
    assert "replaced the reason of 1 user rejected before: spam@example.org" in result.stderr
    assert staging.users()["spam@example.org"] == {
        "status": "REJECTED",
        "is_active": False,
        "is_superuser": False,
        "rejection_reason": "No research use described",
    }
    [message] = staging.messages()
    assert "No research use described" in message.get_content()
    [line] = audit_lines()
    assert (line["action"], line["detail"]["previous_status"], line["detail"]["reason"]) == (
        "user.reject",
        "REJECTED",
        "No research use described",
    )


def test_rejecting_again_with_the_same_reason_writes_and_mails_nothing(cli, staging):
    staging.seed(
        [{"email": "spam@example.org", "status": "REJECTED", "is_active": False, "rejection_reason": "Spam account"}]
    )
    before = staging.query(
        "from dandiapi.api.models import UserMetadata; print(UserMetadata.objects.get().modified.isoformat())"
    )[-1]
    result = cli("users", "reject", "-e", "staging", "spam@example.org", "--reason", "Spam account", "--json")
    assert result.exit_code == 0, result
    data = result.json()
    assert (data["changed"], data["unchanged"]) == ([], [{"email": "spam@example.org", "status": "REJECTED"}])
    assert "already rejected (no change): spam@example.org" in result.stderr
    after = staging.query(
        "from dandiapi.api.models import UserMetadata; print(UserMetadata.objects.get().modified.isoformat())"
    )[-1]
    assert after == before
    assert staging.messages() == [] and audit_lines() == []


def test_approving_a_rejected_user_keeps_the_rejection_reason(cli, staging):
    staging.seed(
        [
            {
                "email": "appeal@example.org",
                "status": "REJECTED",
                "is_active": False,
                "rejection_reason": "No research use described",
            }
        ]
    )
    result = cli("users", "approve", "-e", "staging", "appeal@example.org")
    assert result.exit_code == 0, result
    assert staging.users()["appeal@example.org"] == {
        "status": "APPROVED",
        "is_active": True,
        "is_superuser": False,
        "rejection_reason": "No research use described",
    }


def test_people_who_signed_up_wait_for_approval_and_the_one_approved_is_mailed(cli, sandbox, staging):
    from dandiops.sandbox.signups import sign_up

    emails = sign_up(sandbox, "staging")
    assert sorted(m["Subject"] for m in staging.messages()) == sorted(
        [f"DANDI: New user registered: {email}" for email in emails]
        + [f"DANDI: Review new user: {email}" for email in emails]
    )
    listed = cli("users", "list", "-e", "staging", "--status", "pending", "--json")
    assert listed.exit_code == 0, listed
    assert sorted(user["email"] for user in listed.json()["users"]) == sorted(emails)

    approved = cli("users", "approve", "-e", "staging", emails[0])
    assert approved.exit_code == 0, approved
    [mail] = [message for message in staging.messages() if message["Subject"] == "Your DANDI Account"]
    assert mail["To"] == f"admin@dandi.test, {emails[0]}"
    assert "Dear Camillo Golgi" in mail.get_content()  # the name their GitHub account gave
    users = staging.users()
    assert users[emails[0]]["status"] == "APPROVED" and users[emails[1]]["status"] == "PENDING"
