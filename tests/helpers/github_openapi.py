"""Checks GitHub stand-in responses against GitHub's OpenAPI description (npm `@octokit/openapi`).

The description is installed by `npm ci` at the repository root (package.json), with the official
Heroku CLI. A module of its own, importable from every test folder (conftest.py names collide).
Each recorded response is matched to its path template and status, validated with
openapi-schema-validator's OAS 3.0 validator, and additionally checked for properties the
description does not declare, so the stand-in cannot invent fields. Every error answer has
GitHub's basic-error shape (an unknown route's 404 included); a body in one of GitHub's custom
media types (a raw file, a bare sha) is not JSON and is checked by the tests that ask for it.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

SPEC_PATH = (
    Path(__file__).resolve().parents[2] / "node_modules" / "@octokit" / "openapi" / "generated" / "api.github.com.json"
)
MISSING_REASON = (
    f"GitHub's OpenAPI description is not installed ({SPEC_PATH}); "
    "run `npm ci --ignore-scripts` at the repository root to install @octokit/openapi"
)
_GREEDY_PARAMS = {"path", "ref"}


class OpenApiChecker:
    def __init__(self, spec: dict):
        _allow_null_enums(spec["components"])
        _one_of_as_any_of(spec)
        self.spec = spec
        self.components = spec["components"]
        routes = []
        for template, item in spec["paths"].items():
            regex = "^"
            for part in re.split(r"(\{[^}]+\})", template):
                if part.startswith("{"):
                    regex += ".+" if part[1:-1] in _GREEDY_PARAMS else "[^/]+"
                else:
                    regex += re.escape(part)
            params = template.count("{")
            for method, operation in item.items():
                if method in ("get", "post", "put", "patch", "delete"):
                    routes.append(
                        (params, -len(template), method.upper(), re.compile(regex + "$"), template, operation)
                    )
        routes.sort(key=lambda r: (r[0], r[1]))
        self.routes = routes

    def operation(self, method: str, path: str) -> tuple[str, dict] | None:
        for _, _, route_method, pattern, template, operation in self.routes:
            if route_method == method and pattern.match(path):
                return template, operation
        return None

    def _resolve(self, node: dict) -> dict:
        while isinstance(node, dict) and "$ref" in node:
            target: Any = self.spec
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            node = target
        return node

    def response_schema(self, operation: dict, status: int) -> tuple[bool, dict | None]:
        """(declared, schema): whether the status is declared, and its JSON schema if it has a body."""
        responses = operation.get("responses", {})
        response = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX")
        if response is None:
            return False, None
        response = self._resolve(response)
        content = response.get("content") or {}
        media = content.get("application/json") or next(iter(content.values()), None)
        return True, (media or {}).get("schema")

    def errors(self, method: str, path: str, status: int, body: Any) -> list[str]:
        from openapi_schema_validator import OAS30Validator, oas30_format_checker

        basic_error = {"$ref": "#/components/schemas/basic-error"}
        found = self.operation(method, path)
        if found is None:
            if status != 404:
                return [f"no operation in GitHub's description for {method} {path}"]
            # GitHub answers an unknown route, or a method a route does not take, with a basic-error 404
            template, operation = f"(no route) {path}", {"responses": {"404": {"content": {}}}}
            declared, schema = True, basic_error
        else:
            template, operation = found
            declared, schema = self.response_schema(operation, status)
        if not declared:
            if status < 400:
                return [f"{method} {template}: status {status} is not a declared response"]
            # GitHub's description lists only some error answers; every error has the basic-error shape
            schema = basic_error
        if schema is None:
            return [] if body in (None, "", {}) else [f"{method} {template} {status}: declared without a body"]
        root = {**schema, "components": self.components}
        validator = OAS30Validator(root, format_checker=oas30_format_checker)
        problems = [
            f"{method} {template} {status}: {'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message[:300]}"
            for e in validator.iter_errors(body)
        ]
        # an error body carries basic-error's fields (`status` among them) whatever else its schema lists
        allowed = set(self.components["schemas"]["basic-error"]["properties"]) if status >= 400 else set()
        problems += [
            f"{method} {template} {status}: {where}: property not in GitHub's description"
            for where in self.undeclared(schema, body, "")
            if where.lstrip("/") not in allowed
        ]
        return problems

    def undeclared(self, schema: dict, data: Any, where: str) -> list[str]:
        schema = self._resolve(schema)
        if data is None or not isinstance(schema, dict):
            return []
        if any(key in schema for key in ("oneOf", "anyOf", "allOf")):
            return []  # composition: the validator above already judged the instance
        found: list[str] = []
        if isinstance(data, dict) and "properties" in schema and schema.get("additionalProperties") in (None, False):
            for key, value in data.items():
                if key not in schema["properties"]:
                    found.append(f"{where}/{key}")
                else:
                    found += self.undeclared(schema["properties"][key], value, f"{where}/{key}")
        elif isinstance(data, list) and isinstance(schema.get("items"), dict):
            for index, item in enumerate(data):
                found += self.undeclared(schema["items"], item, f"{where}/{index}")
        return found


def _allow_null_enums(node: Any) -> None:
    """GitHub's description marks enums `nullable` without listing null (OpenAPI 3.0.3 wants it listed),
    and compositions `nullable` without a `type` (where 3.0.3 ignores it); GitHub sends null there (a
    job's conclusion before it completes, a commit's author with no account), so let null through."""
    if isinstance(node, dict):
        if node.get("nullable") and isinstance(node.get("enum"), list) and None not in node["enum"]:
            node["enum"] = [*node["enum"], None]
        for key in ("oneOf", "anyOf"):
            branches = node.get(key)
            if node.get("nullable") and "type" not in node and isinstance(branches, list):
                if not any(branch == {"type": "object", "nullable": True, "enum": [None]} for branch in branches):
                    node[key] = [*branches, {"type": "object", "nullable": True, "enum": [None]}]
        for value in node.values():
            _allow_null_enums(value)
    elif isinstance(node, list):
        for value in node:
            _allow_null_enums(value)


def _one_of_as_any_of(node: Any) -> None:
    """GitHub's description has oneOf branches that do not exclude each other (an array is "valid" under
    an object schema without `type`, any error under both basic-error and repository-rule-violation-error),
    so exclusivity fails on correct answers; an answer must match at least one branch."""
    if isinstance(node, dict):
        if isinstance(node.get("oneOf"), list):
            node["anyOf"] = node.pop("oneOf")
            node.pop("discriminator", None)  # maps "array" by a `type` property arrays do not have
        for value in node.values():
            _one_of_as_any_of(value)
    elif isinstance(node, list):
        for value in node:
            _one_of_as_any_of(value)


@lru_cache(maxsize=1)
def load_checker() -> OpenApiChecker | None:
    if not SPEC_PATH.is_file():
        return None
    return OpenApiChecker(json.loads(SPEC_PATH.read_text(encoding="utf-8")))


def check_records(checker: OpenApiChecker, records) -> list[str]:
    problems = []
    for record in records:
        if record.path.startswith("/_sandbox/") or record.status == 304:
            continue
        if record.content_type not in ("application/json", ""):
            continue  # a custom media type's body (application/vnd.github.raw, .sha): not JSON
        problems += checker.errors(record.method, record.path, record.status, record.response)
    return problems
