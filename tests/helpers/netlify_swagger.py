"""Checks Netlify stand-in responses against Netlify's published Swagger 2.0 description (npm
`@netlify/open-api`, the same text as shared/reference/netlify/open-api-swagger.yml, with every
`$ref` resolved in place).

The description is installed by `npm ci` at the repository root (package.json). Each recorded answer
is matched to its path template (under the description's basePath) and status; a status the
operation does not declare is checked against its `default` answer, Netlify's error body. Schemas
are Swagger 2.0's subset of JSON Schema draft 4 and are validated with jsonschema's Draft4Validator
once Swagger's `x-nullable: true` is spelled as JSON Schema's null type. Properties the description
does not declare are refused, but for those the reference notes show real answers carry:
`base`, `package_path` and `skip_prs` in a site's build settings (Netlify's CLI and Terraform
provider send and read them), and the scope spelling `post_processing` beside `post-processing`.
"""

from __future__ import annotations

import copy
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

SPEC_PATH = Path(__file__).resolve().parents[2] / "node_modules" / "@netlify" / "open-api" / "dist" / "swagger.json"
MISSING_REASON = (
    f"Netlify's OpenAPI description is not installed ({SPEC_PATH}); "
    "run `npm ci --ignore-scripts` at the repository root to install @netlify/open-api"
)
# Properties real answers carry beyond the description, by the property that holds them.
EXTRA_PROPERTIES = {"build_settings": {"base", "package_path", "skip_prs"}}
EXTRA_ENUM_VALUES = {"post-processing": "post_processing"}
METHODS = ("get", "post", "put", "patch", "delete")


def _json_schema(node: Any) -> Any:
    """Swagger 2.0's schema dialect as JSON Schema draft 4: x-nullable becomes a null type, and the
    enum values real answers add are allowed."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _json_schema(value) for key, value in node.items()}
    if converted.get("x-nullable") is True:
        kind = converted.get("type")
        if isinstance(kind, str):
            converted["type"] = [kind, "null"]
        elif kind is None:
            converted = {"anyOf": [converted, {"type": "null"}]}
    enum = converted.get("enum")
    if isinstance(enum, list):
        converted["enum"] = enum + [EXTRA_ENUM_VALUES[v] for v in enum if v in EXTRA_ENUM_VALUES]
    return converted


class SwaggerChecker:
    def __init__(self, spec: dict):
        self.base_path = spec.get("basePath", "")
        self.error_schema = _json_schema(spec["responses"]["error"]["schema"])
        routes = []
        for template, item in spec["paths"].items():
            regex = "^" + "".join(
                "[^/]+" if part.startswith("{") else re.escape(part) for part in re.split(r"(\{[^}]+\})", template)
            )
            for method, operation in item.items():
                if method in METHODS:
                    routes.append(
                        (
                            template.count("{"),
                            -len(template),
                            method.upper(),
                            re.compile(regex + "$"),
                            template,
                            operation,
                        )
                    )
        routes.sort(key=lambda route: (route[0], route[1]))
        self.routes = routes

    def operation(self, method: str, path: str) -> tuple[str, dict] | None:
        for _, _, route_method, pattern, template, operation in self.routes:
            if route_method == method and pattern.match(path):
                return template, operation
        return None

    def errors(self, method: str, path: str, status: int, body: Any) -> list[str]:
        from jsonschema import Draft4Validator

        path = path.removeprefix(self.base_path) or "/"
        found = self.operation(method, path)
        if found is None:
            if status != 404:
                return [f"no operation in Netlify's description for {method} {path}"]
            template, schema = f"(no route) {path}", self.error_schema
        else:
            template, operation = found
            responses = operation.get("responses", {})
            response = responses.get(str(status))
            if response is None:
                if status < 400 or "default" not in responses:
                    return [f"{method} {template}: status {status} is not a declared response"]
                response = responses["default"]
            schema = _json_schema(response.get("schema"))
            if schema is None:
                if status >= 400:
                    schema = self.error_schema  # declared without a body: Netlify still sends its error body
                else:
                    return [] if body in (None, "", b"") else [f"{method} {template} {status}: declared without a body"]
        validator = Draft4Validator(schema)
        problems = [
            f"{method} {template} {status}: {'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message[:300]}"
            for e in validator.iter_errors(body)
        ]
        problems += [
            f"{method} {template} {status}: {where}: property not in Netlify's description"
            for where in undeclared(schema, body, "")
        ]
        return problems


def undeclared(schema: Any, data: Any, where: str) -> list[str]:
    if data is None or not isinstance(schema, dict):
        return []
    if "allOf" in schema:
        merged: dict = {"type": "object", "properties": {}}
        for part in schema["allOf"]:
            merged["properties"].update(part.get("properties", {}))
        schema = merged
    found: list[str] = []
    if isinstance(data, dict) and "properties" in schema and schema.get("additionalProperties") in (None, False):
        allowed = EXTRA_PROPERTIES.get(where.rsplit("/", 1)[-1], set())
        for key, value in data.items():
            if key in schema["properties"]:
                found += undeclared(schema["properties"][key], value, f"{where}/{key}")
            elif key not in allowed:
                found.append(f"{where}/{key}")
    elif isinstance(data, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(data):
            found += undeclared(schema["items"], item, f"{where}/{index}")
    return found


@lru_cache(maxsize=1)
def load_checker() -> SwaggerChecker | None:
    if not SPEC_PATH.is_file():
        return None
    return SwaggerChecker(copy.deepcopy(json.loads(SPEC_PATH.read_text(encoding="utf-8"))))


def check_records(checker: SwaggerChecker, records) -> list[str]:
    problems = []
    for record in records:
        if record.content_type not in ("application/json", ""):
            continue
        problems += checker.errors(record.method, record.path, record.status, record.response)
    return problems
