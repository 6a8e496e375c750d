"""AwsClient's boto3 clients: what building them costs a process that builds several."""

from __future__ import annotations

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
