"""What building API clients costs a process that builds several (the sandbox's clone build runs init for
each environment; a test run, hundreds of commands): what they read once is read once."""

from __future__ import annotations

import ssl

from dandiops.providers.aws import AwsClient


def test_a_second_aws_client_in_the_process_reads_no_service_description_again(monkeypatch):
    from botocore.loaders import JSONFileLoader

    read: list[str] = []
    load_file = JSONFileLoader.load_file

    def counting_load_file(self, file_path):
        read.append(file_path)
        return load_file(self, file_path)

    monkeypatch.setattr(JSONFileLoader, "load_file", counting_load_file)
    services = ("sts", "s3", "iam", "sesv2")

    def build_clients(key: str) -> None:
        client = AwsClient(endpoint_url="http://127.0.0.1:9", access_key_id=key, secret_access_key="secret")
        try:
            for service in services:
                client.client(service)
        finally:
            client.close()

    build_clients("AKIAFIRST")  # parses what this process has not read yet
    read.clear()
    build_clients("AKIASECOND")
    assert read == []


def test_api_clients_built_one_after_another_load_the_ca_bundle_at_most_once(monkeypatch):
    from dandiops.providers.heroku import HerokuClient
    from dandiops.providers.netlify import NetlifyClient

    built: list[object] = []
    create_default_context = ssl.create_default_context

    def counting_create_default_context(*args, **kwargs):
        built.append(args or kwargs)
        return create_default_context(*args, **kwargs)

    monkeypatch.setattr(ssl, "create_default_context", counting_create_default_context)
    for _ in range(3):
        HerokuClient("HRKU-key", base_url="https://api.heroku.invalid").close()
        NetlifyClient("nfp_token", base_url="https://api.netlify.invalid").close()
    assert len(built) <= 1


def test_the_dyno_connection_loads_its_ca_file_once_and_again_after_the_file_changed(tmp_path):
    import certifi

    from dandiops.providers.dyno import ssl_context

    end = "-----END CERTIFICATE-----\n"
    first, second = open(certifi.where(), encoding="ascii").read().split(end)[:2]
    ca_file = tmp_path / "rendezvous-ca.pem"
    ca_file.write_text(first + end)
    loaded = ssl_context(str(ca_file))
    assert ssl_context(str(ca_file)) is loaded
    ca_file.write_text(first + end + second + end)
    assert ssl_context(str(ca_file)) is not loaded
