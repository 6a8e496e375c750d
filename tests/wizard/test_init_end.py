"""How `dandiops init` ends: the write requests it sent, what is done, what waits on the operator, what next."""

from __future__ import annotations

from dandiops.core.settings import load_settings

from init_helpers import DEMO_ANSWERS


def _total(counts: dict[str, int]) -> int:
    return sum(counts.values())


def test_json_counts_the_write_requests_each_service_received(cli, sandbox, staging_app, github, aws, writes):
    env = load_settings(sandbox.config_path).environment("staging")
    staging_app.config["DJANGO_ALLOWED_HOSTS"] = "old-api.example.org"  # hosts: one PATCH
    github.repo.secrets.pop("HEROKU_EMAIL")  # release-chain: one PUT
    aws.client("s3").delete_bucket_cors(Bucket=env.bucket)  # aws: one PutBucketCors
    before = writes()
    first = cli("-e", "staging", "init", "--non-interactive", "--only", "hosts,aws,release-chain", "--json")
    assert first.exit_code == 0, first
    sent = {service: count - before[service] for service, count in writes().items()}
    assert sent["heroku"] and sent["github"] and sent["aws"], sent
    assert first.json()["writes"] == _total(sent)

    again = cli("-e", "staging", "init", "--non-interactive", "--only", "hosts,aws,release-chain", "--json")
    assert again.exit_code == 0, again
    assert again.json()["writes"] == 0

    dry = cli("-e", "staging", "init", "--dry-run", "--non-interactive", "--json")
    assert dry.exit_code == 0, dry
    assert dry.json()["writes"] == 0


def test_a_new_api_domain_gets_acm_and_the_herokuapp_host_until_its_dns_record_is_made(
    cli, staging_app, heroku_state, writes
):
    api_host, heroku_host = "api.staging.dandi.test", "dandi-sandbox-api-staging.herokuapp.com"
    with heroku_state.lock:
        staging_app.domains, staging_app.acm = [], False
    before = writes()
    dry = cli("-e", "staging", "init", "--dry-run", "--only", "domain", "--json")
    assert dry.exit_code == 0, dry
    [planned] = dry.json()["steps"]
    assert [f"{c['action']} {c['target']}" for c in planned["changes"]] == [
        f"add domain {api_host}",
        "turn on certificates (ACM) of dandi-sandbox-api-staging",
        "set config var DJANGO_ALLOWED_HOSTS",
    ]
    assert writes() == before

    first = cli("-e", "staging", "init", "--non-interactive", "--only", "domain", "--json")
    assert first.exit_code == 0, first
    [step] = first.json()["steps"]
    assert step["status"] == "applied"
    [domain] = [d for d in staging_app.domains if d.kind == "custom"]
    assert domain.hostname == api_host and staging_app.acm
    assert {api_host, heroku_host} <= set(staging_app.config["DJANGO_ALLOWED_HOSTS"].split(","))
    [waiting] = first.json()["end"]["waiting_on_operator"]
    assert waiting["step"] == "domain"
    assert f"create the record {api_host} CNAME {domain.cname}" in waiting["task"]
    assert f"`dandiops hosts remove {heroku_host} -e staging`" in waiting["then"]

    again = cli("-e", "staging", "init", "--non-interactive", "--only", "domain")
    assert again.exit_code == 0, again
    assert "Waiting on you:" in again.stdout and f"{api_host} CNAME {domain.cname}" in again.stdout
    assert f"dandiops hosts remove {heroku_host}" in again.stdout
    assert "waits for the DNS record" in again.stdout

    # the record is made and the certificate issued; the operator stops allowing the herokuapp.com host
    with heroku_state.lock:
        domain.acm_status = "cert issued"
    assert cli("-e", "staging", "hosts", "remove", heroku_host).exit_code == 0
    last = cli("-e", "staging", "init", "--non-interactive", "--only", "domain", "--json")
    assert last.exit_code == 0, last
    assert last.json()["steps"][0]["status"] == "ok"
    assert last.json()["end"]["waiting_on_operator"] == [] and last.json()["writes"] == 0
    assert heroku_host not in staging_app.config["DJANGO_ALLOWED_HOSTS"].split(",")


def test_an_unconfirmed_oauth_app_waits_on_the_operator_with_its_callback_url(cli, tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text("checklist:\n  github-oauth-app: false\n")
    result = cli("-e", "staging", "init", "--non-interactive", "--answers", str(answers), "--only", "github-oauth-app")
    assert result.exit_code == 6, result
    waiting = result.stdout[result.stdout.index("Waiting on you:") : result.stdout.index("Next:")]
    assert "callback URL https://api.staging.dandi.test/accounts/github/login/callback/" in waiting
    assert (
        "`dandiops init -e staging` again once what waits on you is done"
        in result.stdout[result.stdout.index("Next:") :]
    )


def test_the_web_hosts_dns_record_waits_on_the_operator_until_netlify_can_issue_its_certificate(cli, netlify, writes):
    netlify.state.dns_hosts.discard("staging.dandi.test")  # the record is not made yet
    before = writes()
    try:
        result = cli(
            "-e", "staging", "init", "--non-interactive", "--answers", str(DEMO_ANSWERS), "--only", "frontend", "--json"
        )  # fmt: skip
    finally:
        netlify.state.dns_hosts.add("staging.dandi.test")  # a sandbox reset does not bring it back
    assert result.exit_code == 0, result
    sent = {service: count - before[service] for service, count in writes().items()}
    assert sent["netlify"] and result.json()["writes"] == _total(sent)
    [waiting] = result.json()["end"]["waiting_on_operator"]
    assert waiting["step"] == "frontend"
    assert "DNS: create the record staging.dandi.test CNAME gui-staging-dandi-test.netlify.app" in waiting["task"]
    assert "--only frontend" in waiting["then"]


def test_what_verify_finds_waiting_joins_the_operators_list_unless_a_steps_own_item_says_it():
    from dandiops.steps.base import OperatorTask, Status
    from dandiops.steps.verify import PASS, WAITING, Verdict
    from dandiops.wizard.engine import StepOutcome, WizardResult
    from dandiops.wizard.verification import Verification

    dns = OperatorTask("DNS: create the record api.example.org CNAME target.herokudns.com", "`dandiops init`")
    result = WizardResult(
        [
            StepOutcome("domain", "API domain", Status.OK, "waits for the DNS record", operator_tasks=[dns]),
            StepOutcome("email", "Email", Status.OK, "mail through SES"),
        ],
        dry_run=False,
        env_name="staging",
    )
    result.verification = Verification(
        [
            Verdict("api", PASS, "answered 200"),
            Verdict(
                "certificate",
                WAITING,
                "api.example.org:443 not reached",
                "create the DNS record",
                covered_by=("domain",),
            ),
            Verdict("email", WAITING, "no email test recorded", "`dandiops email test -e staging --to YOU`"),
        ]
    )
    end = result.end()
    assert [(item.step, item.task) for item in end.waiting] == [
        ("domain", dns.task),
        ("verify", "email: `dandiops email test -e staging --to YOU`"),
    ]
    assert end.next.count("`dandiops verify -e staging` checks again") == 1
    assert result.to_dict()["verify"]["passed"] is False
