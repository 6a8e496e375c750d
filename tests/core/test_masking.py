"""Masking known secrets: where a secret is masked, what is left alone, and text that arrives in pieces."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dandiops.core.redact import LONG_SECRET, MIN_SECRET_LENGTH, SecretRegistry, StreamRedactor

# Few letters, so that secrets overlap, repeat and border on the characters that delimit values.
ALPHABET = "ab*=: \n\"'@/,x"
texts = st.text(alphabet=ALPHABET, max_size=60)
long_secrets = st.text(alphabet=ALPHABET, min_size=LONG_SECRET, max_size=14)
short_secrets = st.text(alphabet=ALPHABET, min_size=MIN_SECRET_LENGTH, max_size=LONG_SECRET - 1)


@given(secret=long_secrets, before=texts, after=texts, start=st.integers(0, LONG_SECRET))
@example(secret="django-key-*", before="", after="", start=11)  # Django's generated keys may hold asterisks
def test_a_long_secret_never_survives_masking(secret, before, after, start):
    registry = SecretRegistry([secret])
    # a piece of the secret just before it, so that a mask could complete the piece
    assert secret not in registry.redact(before + secret[:start] + secret + after)


@given(secrets=st.lists(st.one_of(long_secrets, short_secrets), min_size=1, max_size=3), text=texts)
def test_text_holding_no_secret_is_returned_unchanged(secrets, text):
    registry = SecretRegistry(secrets)
    if not any(secret in text for secret in secrets):
        assert registry.redact(text) == text


@settings(max_examples=300)
@given(
    secrets=st.lists(st.one_of(long_secrets, short_secrets), min_size=1, max_size=3),
    pieces=st.lists(texts, max_size=6),
    inserted=st.lists(st.integers(0, 2), max_size=4),
)
def test_text_in_pieces_is_masked_as_if_it_came_whole(secrets, pieces, inserted):
    for index in inserted:  # put whole secrets in, across piece boundaries too
        pieces = pieces + [secrets[index % len(secrets)][:3], secrets[index % len(secrets)][3:]]
    registry = SecretRegistry(secrets)
    written: list[str] = []
    stream = StreamRedactor(registry, written.append)
    for piece in pieces:
        stream.feed(piece)
    stream.close()
    assert "".join(written) == registry.redact("".join(pieces))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("created superuser short@dandi.test", "created superuser short@dandi.test"),
        ("shortcut", "shortcut"),
        ("DJANGO_SUPERUSER_PASSWORD=short", "DJANGO_SUPERUSER_PASSWORD=***"),
        ("password: short", "password: ***"),
        ("smtp+tls://mailer:short@smtp.dandi.test:587", "smtp+tls://mailer:***@smtp.dandi.test:587"),
        ('{"password": "short"}', '{"password": "***"}'),
        ("it is short, isn't it", "it is ***, isn't it"),
        ("'short'", "'***'"),
    ],
)
def test_a_short_secret_is_masked_only_where_it_stands_as_a_value(text, expected):
    assert SecretRegistry(["short"]).redact(text) == expected


def test_a_secret_of_eight_characters_is_masked_inside_other_text():
    assert SecretRegistry(["s3cr3t-k"]).redact("xs3cr3t-k@dandi.test") == "x***@dandi.test"


def test_a_whole_string_equal_to_a_short_secret_is_masked_in_data():
    data = {"email": "short@dandi.test", "password": "short", "list": ["short", "a short one"]}
    assert SecretRegistry(["short"]).redact_data(data) == {
        "email": "short@dandi.test",
        "password": "***",
        "list": ["***", "a *** one"],
    }


def test_the_password_of_a_registered_url_is_masked_on_its_own():
    registry = SecretRegistry(["postgres://app:p%40ss-word-42@db.example.org:5432/dandi"])
    assert registry.redact("password p%40ss-word-42 or p@ss-word-42") == "password *** or ***"
    assert registry.redact("DATABASE_URL=postgres://app:p%40ss-word-42@db.example.org:5432/dandi") == "DATABASE_URL=***"


def test_a_secret_split_across_pieces_is_held_back_until_decided():
    registry = SecretRegistry(["s3cr3t-value"])
    written: list[str] = []
    stream = StreamRedactor(registry, written.append)
    stream.feed("key=s3cr3")
    assert written == ["key="]  # the rest could still be the secret
    stream.feed("t-value\nnext")
    stream.close()
    assert "".join(written) == "key=***\nnext"
