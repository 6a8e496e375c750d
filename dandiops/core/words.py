"""Counted nouns in messages: "1 email", "2 emails", never "1 email(s)"."""

from __future__ import annotations


def noun(count: int, singular: str, plural_form: str | None = None) -> str:
    """The noun for `count` things: `singular` for exactly one, else `plural_form` (by default `singular` + "s")."""
    if count == 1:
        return singular
    return plural_form if plural_form is not None else singular + "s"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """`count` and its noun: plural(1, "email") is "1 email", plural(0, "email") is "0 emails"."""
    return f"{count} {noun(count, singular, plural_form)}"
