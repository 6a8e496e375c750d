"""Counted nouns: one thing is singular, any other count plural."""

from dandiops.core.words import noun, plural
from dandiops.steps.base import Change, Status, check_of_plan


def test_plural_says_one_thing_in_the_singular_and_other_counts_in_the_plural():
    assert [plural(n, "email") for n in (0, 1, 2)] == ["0 emails", "1 email", "2 emails"]
    assert plural(1, "sign-in setting") == "1 sign-in setting"
    assert plural(3, "process type") == "3 process types"


def test_a_noun_with_its_own_plural_uses_it():
    assert noun(2, "entry", "entries") == "entries"
    assert noun(1, "entry", "entries") == "entry"


def test_a_pending_check_counts_its_changes_in_words():
    one = check_of_plan([Change("config var X", "set")], done="done", counted="config var", purpose="to update")
    two = check_of_plan([Change("a", "add"), Change("b", "add")], done="done", counted="collaborator change")
    assert (one.status, one.summary) == (Status.PENDING, "1 config var to update")
    assert two.summary == "2 collaborator changes"


def test_undelivered_mail_beyond_the_shown_answers_is_counted_in_words():
    from dandiops.steps.users import undelivered

    failures = [{"email": f"user{n}@example.org", "error": f"answer {n}"} for n in range(11)]
    assert undelivered(failures).endswith("; and 1 other answer")
    assert undelivered([*failures, {"email": "x@example.org", "error": "answer 11"}]).endswith("; and 2 other answers")
