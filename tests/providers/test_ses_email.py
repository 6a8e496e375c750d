"""The SES SMTP password (AWS's published test vectors) and DJANGO_EMAIL_URL as the archive reads it."""

from __future__ import annotations

import pytest

from dandiops.archive.email import (
    email_url,
    parse_email_url,
    policy_allows_sending,
    send_policy,
    smtp_address,
)
from dandiops.providers.aws import ses_smtp_password


@pytest.mark.parametrize(
    ("region", "secret", "password"),
    [
        # terraform-provider-aws, TestSESSMTPPasswordFromSecretKeySigV4
        ("eu-central-1", "some+secret+key", "BMXhUYlu5Z3gSXVQORxlVa7XPaz91aGWdfHxvkOZdWZ2"),
        ("eu-central-1", "another+secret+key", "BBbphbrQmrKMx42d1N6+C7VINYEBGI5v9VsZeTxwskfh"),
        ("us-west-1", "some+secret+key", "BH+jbMzper5WwlwUar9E1ySBqHa9whi0GPo+sJ0mVYJj"),
        ("us-west-1", "another+secret+key", "BKVmjjMDFk/qqw8EROW99bjCS65PF8WKvK5bSr4Y6EqF"),
    ],
)
def test_smtp_password_matches_the_documented_vectors(region, secret, password):
    assert ses_smtp_password(secret, region) == password


def test_a_password_with_slash_plus_and_equals_survives_the_url():
    url = email_url("AKIAEXAMPLE", "BAa/b+c==", "email-smtp.us-east-2.amazonaws.com", 587)
    assert url == "smtp+tls://AKIAEXAMPLE:BAa%2Fb%2Bc%3D%3D@email-smtp.us-east-2.amazonaws.com:587"
    parsed = parse_email_url(url)
    assert (parsed.scheme, parsed.user, parsed.password, parsed.host, parsed.port) == (
        "smtp+tls",
        "AKIAEXAMPLE",
        "BAa/b+c==",
        "email-smtp.us-east-2.amazonaws.com",
        587,
    )
    assert parse_email_url("submission://user:pw@mail.example.org:587") is None  # django-environ refuses it
    assert parse_email_url("consolemail://") is None


def test_smtp_address_is_ses_regional_endpoint_unless_overridden():
    assert smtp_address("eu-west-1", None) == ("email-smtp.eu-west-1.amazonaws.com", 587)
    assert smtp_address("eu-west-1", "127.0.0.1:2525") == ("127.0.0.1", 2525)
    assert smtp_address("eu-west-1", "smtp.example.org") == ("smtp.example.org", 587)
    for bad in ("smtp.example.org:0", "smtp.example.org:port", "smtp example.org", "a:b:c", ":25"):
        with pytest.raises(ValueError, match="DANDIOPS_SMTP_HOST must be HOST or HOST:PORT"):
            smtp_address("eu-west-1", bad)


def test_policy_allows_sending_only_with_an_allow_of_send_raw_email_on_every_identity():
    assert policy_allows_sending(send_policy())
    wildcard = {"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "ses:*"], "Resource": ["*"]}]}
    assert policy_allows_sending(wildcard)
    assert not policy_allows_sending(None)
    assert not policy_allows_sending({"Statement": [{"Effect": "Deny", "Action": "ses:SendRawEmail", "Resource": "*"}]})
    assert not policy_allows_sending({"Statement": {"Effect": "Allow", "Action": "ses:SendEmail", "Resource": "*"}})
