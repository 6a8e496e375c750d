"""Checks Heroku stand-in responses against Heroku's published schema (strict properties).

A module of its own, importable from every test folder (names in conftest.py files collide).
"""

from __future__ import annotations

# Data API and logplex routes are not in the Platform API schema; control routes are the sandbox's own.
UNSCHEMED_PREFIXES = ("/_sandbox/", "/client/", "/sessions/")


def schema_problems(state, validator) -> list[str]:
    """`METHOD path: problem` for each successful response that breaks the schema."""
    problems = []
    for record in state.requests:
        if record.status >= 300 or record.response is None or record.path.startswith(UNSCHEMED_PREFIXES):
            continue
        problems.extend(
            f"{record.method} {record.path}: {problem}"
            for problem in validator.errors(record.method, record.path, record.response, record.headers)
        )
    return problems
