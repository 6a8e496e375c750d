"""Heroku's Range header: `<field> [start]..[end]; max=N, order=asc|desc`.

Clients separate options with `;` or `,` (and sometimes a trailing `;`); all are accepted.
Next-Range uses an exclusive start (`]value..`), and is round-tripped exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Sequence

DEFAULT_PAGE = 200
MAX_PAGE = 1000

_RANGE = re.compile(r"^\s*(?P<field>[a-z_]+)\s+(?P<excl>\]?)(?P<start>[^.;,\s]*)\.\.(?P<end>[^;,\s]*)\s*(?P<opts>.*)$")


class RangeError(ValueError):
    pass


@dataclass
class Range:
    field: str
    start: str | None = None
    exclusive: bool = False
    end: str | None = None
    max: int = DEFAULT_PAGE
    order: str = "asc"


def parse(header: str | None, allowed: Sequence[str], default_field: str) -> Range:
    if not header or not header.strip():
        return Range(field=default_field)
    match = _RANGE.match(header)
    if not match:
        raise RangeError(f"invalid Range header: {header}")
    field = match["field"]
    if field not in allowed:
        raise RangeError(f"Range field {field!r} not allowed; use one of {', '.join(allowed)}")
    rng = Range(field=field, start=match["start"] or None, exclusive=bool(match["excl"]), end=match["end"] or None)
    for part in re.split(r"[;,]", match["opts"]):
        part = part.strip()
        if not part:
            continue
        key, _, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if key == "max":
            if not value.isdigit():
                raise RangeError(f"invalid max in Range header: {value!r}")
            rng.max = max(1, min(MAX_PAGE, int(value)))
        elif key == "order":
            if value not in ("asc", "desc"):
                raise RangeError(f"invalid order in Range header: {value!r}")
            rng.order = value
        else:
            raise RangeError(f"unknown Range option: {key!r}")
    return rng


def page(items: Sequence[Any], rng: Range, key: Callable[[Any, str], Any]) -> tuple[list[Any], str | None, str | None]:
    """Slice `items` per `rng`. Returns (page, content_range, next_range or None)."""
    coerce = (lambda v: int(v)) if rng.field == "version" else (lambda v: v)
    ordered = sorted(items, key=lambda item: key(item, rng.field), reverse=rng.order == "desc")
    selected = []
    for item in ordered:
        value = key(item, rng.field)
        if rng.start is not None:
            start = coerce(rng.start)
            before = value < start if rng.order == "asc" else value > start
            if before or (rng.exclusive and value == start):
                continue
        if rng.end is not None:
            end = coerce(rng.end)
            if (value > end) if rng.order == "asc" else (value < end):
                continue
        selected.append(item)
    chunk = selected[: rng.max]
    content_range = None
    next_range = None
    if chunk:
        first, last = key(chunk[0], rng.field), key(chunk[-1], rng.field)
        content_range = f"{rng.field} {first}..{last}"
        if len(selected) > rng.max:
            next_range = f"{rng.field} ]{last}..; max={rng.max}, order={rng.order}"
    return chunk, content_range, next_range
