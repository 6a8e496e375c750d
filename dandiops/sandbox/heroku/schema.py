"""Heroku's published Platform API schema: example objects for the stand-in, validation for tests.

The stand-in starts every response object from the schema's own examples (which makes it
strict-valid by construction) and overwrites the fields its state knows. Tests validate every
response against the schema with interagent `strictProperties` made strict: all properties
required, none extra.
"""

from __future__ import annotations

import copy
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

PACKAGED_SCHEMA = Path(__file__).with_name("platform-api-schema.json")


@lru_cache(maxsize=4)
def load_schema(path: str | None = None) -> dict:
    return json.loads(Path(path or PACKAGED_SCHEMA).read_text(encoding="utf-8"))


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        pointer = node["$ref"].lstrip("#/").split("/")
        target: Any = schema
        for part in pointer:
            target = target[unquote(part).replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def _example(schema: dict, node: dict, depth: int = 0) -> Any:
    node = _resolve(schema, node)
    if "example" in node:
        return copy.deepcopy(node["example"])
    if depth > 8:
        return None
    for key in ("anyOf", "oneOf"):
        if key in node:
            return _example(schema, node[key][0], depth + 1)
    types = node.get("type", [])
    types = [types] if isinstance(types, str) else types
    if "properties" in node and ("object" in types or not types):
        return {name: _example(schema, prop, depth + 1) for name, prop in node["properties"].items()}
    if "array" in types:
        item = node.get("items")
        return [_example(schema, item, depth + 1)] if item else []
    if "null" in types:
        return None
    if "object" in types:
        return {}
    return None


@lru_cache(maxsize=64)
def _example_json(definition: str) -> str:
    schema = load_schema()
    return json.dumps(_example(schema, schema["definitions"][definition]))


def example(definition: str) -> dict:
    """A fresh object shaped like `definition`, every property filled from the schema's examples."""
    return json.loads(_example_json(definition))


# --- validation (tests) ---------------------------------------------------------------------
def _strictify(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("strictProperties") and "properties" in node:
            node.setdefault("required", sorted(node["properties"]))
            node.setdefault("additionalProperties", False)
        for value in node.values():
            _strictify(value)
    elif isinstance(node, list):
        for value in node:
            _strictify(value)


# What Heroku adds to a resource when the client asks for it, which the published schema leaves out:
# (definition, name the client lists) -> (property path to the object that gains it, property, its schema).
# `Accept-Expansion` shows a reference as the whole object it refers to; `Accept-Inclusion` adds a
# field. Both as the official CLI sends and reads them (@heroku/heroku-cli-util's ExtendedAddon and
# ExtendedAddonAttachment types).
EXPANSIONS: dict[tuple[str, str], tuple[tuple[str, ...], str, dict]] = {
    ("add-on", "addon_service"): ((), "addon_service", {"$ref": "#/definitions/add-on-service"}),
    ("add-on", "plan"): ((), "plan", {"$ref": "#/definitions/plan"}),
}
INCLUSIONS: dict[tuple[str, str], tuple[tuple[str, ...], str, dict]] = {
    ("add-on-attachment", "addon:plan"): (("addon",), "plan", {"$ref": "#/definitions/add-on/definitions/plan"}),
    ("add-on-attachment", "config_vars"): ((), "config_vars", {"$ref": "#/definitions/add-on/definitions/config_vars"}),
}


def requested_names(headers: dict[str, str] | None, header: str) -> frozenset[str]:
    value = next((v for k, v in (headers or {}).items() if k.lower() == header), "")
    return frozenset(name.strip() for name in value.split(",") if name.strip())


class ResponseValidator:
    """Finds the schema link for a request and validates the response body against it."""

    def __init__(self, schema_path: str | Path):
        schema = json.loads(Path(schema_path).read_text(encoding="utf-8"))
        _strictify(schema)
        self.schema = schema
        self._extended: dict[tuple[str, frozenset[str]], dict] = {}
        self.links: list[tuple[str, re.Pattern, str, dict]] = []
        for name, definition in schema["definitions"].items():
            for link in definition.get("links", []):
                href = unquote(link["href"])
                pattern = (
                    "^"
                    + re.sub(
                        r"\{\([^)]*\)\}",
                        "[^/]+",
                        re.escape(href).replace(r"\{", "{").replace(r"\}", "}").replace(r"\(", "(").replace(r"\)", ")"),
                    )
                    + "$"
                )
                self.links.append((link["method"], re.compile(pattern), name, link))

    def link_for(self, method: str, path: str) -> tuple[str, dict] | None:
        candidates = [(name, link) for m, pattern, name, link in self.links if m == method and pattern.match(path)]
        if not candidates:
            return None
        # prefer the most literal href (fewest placeholders), e.g. /account/rate-limits over /account
        candidates.sort(key=lambda c: c[1]["href"].count("{"))
        return candidates[0]

    def definitions(self, name: str, asked: frozenset[str]) -> dict:
        """The schema's definitions, with `name` extended by what the client `asked` for (expansions
        and inclusions as `EXPANSIONS`/`INCLUSIONS` keys' second part, prefixed "expand:"/"include:")."""
        key = (name, asked)
        if key not in self._extended:
            definitions = copy.deepcopy(self.schema["definitions"])
            for kind_name in sorted(asked):
                kind, _, requested = kind_name.partition(":")
                table = EXPANSIONS if kind == "expand" else INCLUSIONS
                if (name, requested) not in table:
                    continue  # Heroku ignores what it cannot add to this resource
                path, prop, prop_schema = table[(name, requested)]
                node = definitions[name]
                for part in path:
                    node = _resolve({"definitions": definitions}, node["properties"][part])
                node["properties"][prop] = prop_schema
                if prop not in node.setdefault("required", []):
                    node["required"].append(prop)
            self._extended[key] = definitions
        return self._extended[key]

    def errors(self, method: str, path: str, body: Any, headers: dict[str, str] | None = None) -> list[str]:
        """What in `body` breaks the schema, given the request's `headers` (Accept-Expansion and
        Accept-Inclusion make Heroku answer more than the schema lists, and only then)."""
        from jsonschema import Draft4Validator, FormatChecker

        found = self.link_for(method, path)
        if found is None:
            return [f"no schema link for {method} {path}"]
        name, link = found
        target = link.get("targetSchema") or {"$ref": f"#/definitions/{name}"}
        if link.get("rel") == "instances" and "targetSchema" not in link:
            target = {"type": ["array"], "items": {"$ref": f"#/definitions/{name}"}}
        if link.get("rel") == "empty" and "targetSchema" not in link:
            return []
        asked = frozenset(
            {f"expand:{n}" for n in requested_names(headers, "accept-expansion")}
            | {f"include:{n}" for n in requested_names(headers, "accept-inclusion")}
        )
        validator = Draft4Validator(
            {**target, "definitions": self.definitions(name, asked)}, format_checker=FormatChecker()
        )
        return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in validator.iter_errors(body)]
