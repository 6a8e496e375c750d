"""How `dandiops init` ends: the write requests it sent, what is done, what waits on the operator, what next."""

from __future__ import annotations

from dandiops.core.settings import load_settings


def _total(counts: dict[str, int]) -> int:
    return sum(counts.values())


def test_json_counts_the_write_requests_each_service_received(cli, sandbox, staging_app, github, aws, writes):
    env = load_settings(sandbox.config_path).environment("staging")
    staging_app.config["DJANGO_ALLOWED_HOSTS"] = "old-api.example.org"  # hosts: one PATCH
    github.repo.secrets.pop("HEROKU_EMAIL")  # github-secrets: one PUT
    aws.client("s3").delete_bucket_cors(Bucket=env.bucket)  # aws: one PutBucketCors
    before = writes()
    first = cli("-e", "staging", "init", "--non-interactive", "--only", "hosts,aws,github-secrets", "--json")
    assert first.exit_code == 0, first
    sent = {service: count - before[service] for service, count in writes().items()}
    assert all(sent.values()), sent
    assert first.json()["writes"] == _total(sent)

    again = cli("-e", "staging", "init", "--non-interactive", "--only", "hosts,aws,github-secrets", "--json")
    assert again.exit_code == 0, again
    assert again.json()["writes"] == 0

    dry = cli("-e", "staging", "init", "--dry-run", "--non-interactive", "--json")
    assert dry.exit_code == 0, dry
    assert dry.json()["writes"] == 0
