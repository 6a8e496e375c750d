"""Environment variables through the account-level API, as Netlify's CLI uses it: `{account_id}` is the
team's id or slug, `site_id` in the query makes them the site's (without it they are the team's shared
ones). Create answers 201 with the list, setting one context's value 201 with the variable, deletes 204.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, request

from dandiops.sandbox.netlify import render
from dandiops.sandbox.netlify.routing import API_PREFIX, account_or_404, current_state, found
from dandiops.sandbox.netlify.state import SCOPE_SPELLINGS, SCOPES, VALUE_CONTEXTS, ApiError, EnvValue, EnvVar, now
from dandiops.sandbox.standin import json_response

blueprint = Blueprint("netlify_env", __name__, url_prefix=API_PREFIX + "/accounts/<account_id>/env")
KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _variables(account_id: str) -> dict[str, EnvVar]:
    """The site's variables (site_id in the query) or the team's shared ones; 404 for a site of another team."""
    account = account_or_404(account_id)
    site_id = request.args.get("site_id")
    if not site_id:
        return current_state.shared_env
    site = current_state.find_site(site_id)
    if site is None or site.account is not account:
        raise ApiError(404, "Not Found")
    return site.env


def _value(item: Any) -> EnvValue:
    if not isinstance(item, dict) or not isinstance(item.get("value"), str):
        raise ApiError(422, "each value needs a string `value`")
    context = item.get("context", "all")
    if context not in VALUE_CONTEXTS:
        raise ApiError(422, f"context must be one of {', '.join(VALUE_CONTEXTS)}")
    parameter = item.get("context_parameter")
    if context == "branch" and not (isinstance(parameter, str) and parameter):
        raise ApiError(422, "a value for context branch needs the branch as context_parameter")
    return EnvValue(item["value"], context, parameter if context == "branch" else None)


def _scopes(raw: Any) -> list[str]:
    if raw is None:
        return list(SCOPES)
    if not isinstance(raw, list) or not all(isinstance(s, str) for s in raw):
        raise ApiError(422, "scopes must be a list")
    scopes = [SCOPE_SPELLINGS.get(s, s) for s in raw]
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise ApiError(422, f"scopes must be among {', '.join(SCOPES)}")
    return scopes


def _variable(item: Any) -> EnvVar:
    if not isinstance(item, dict) or not isinstance(item.get("key"), str) or not KEY.match(item["key"]):
        raise ApiError(422, "key must be a variable name (letters, digits and underscores)")
    values = item.get("values", [])
    if not isinstance(values, list):
        raise ApiError(422, "values must be a list")
    is_secret = item.get("is_secret", False)
    if not isinstance(is_secret, bool):
        raise ApiError(422, "is_secret must be a boolean")
    return EnvVar(item["key"], _scopes(item.get("scopes")), [_value(v) for v in values], is_secret)


@blueprint.get("")
def list_variables(account_id: str) -> Response:
    context = request.args.get("context_name")
    scope = request.args.get("scope")
    with current_state.lock:
        found = []
        for var in _variables(account_id).values():
            if scope and SCOPE_SPELLINGS.get(scope, scope) not in var.scopes:
                continue
            if context and context != "all" and not any(v.context in (context, "all") for v in var.values):
                continue
            found.append(render.env_var(current_state, var))
        return json_response(found)


@blueprint.post("")
def create_variables(account_id: str) -> Response:
    body = request.get_json(silent=True)
    if not isinstance(body, list):
        raise ApiError(422, "the body must be a list of variables")
    with current_state.lock:
        variables = _variables(account_id)
        made = [_variable(item) for item in body]
        for var in made:
            if var.key in variables or sum(1 for other in made if other.key == var.key) > 1:
                raise ApiError(422, f"Environment variable {var.key} already exists")
        for var in made:
            variables[var.key] = var
        return json_response([render.env_var(current_state, var) for var in made], 201)


@blueprint.get("/<key>")
def get_variable(account_id: str, key: str) -> Response:
    with current_state.lock:
        var = found(_variables(account_id).get(key))
        return json_response(render.env_var(current_state, var))


@blueprint.put("/<key>")
def replace_variable(account_id: str, key: str) -> Response:
    body = request.get_json(silent=True) or {}
    with current_state.lock:
        variables = _variables(account_id)
        if key not in variables:
            raise ApiError(404, "Not Found")
        var = _variable({**body, "key": key})
        variables[key] = var
        return json_response(render.env_var(current_state, var))


@blueprint.patch("/<key>")
def set_value(account_id: str, key: str) -> Response:
    body = request.get_json(silent=True) or {}
    with current_state.lock:
        var = found(_variables(account_id).get(key))
        value = _value(body)
        var.values = [
            v for v in var.values if (v.context, v.context_parameter) != (value.context, value.context_parameter)
        ]
        var.values.append(value)
        var.updated_at = now()
        return json_response(render.env_var(current_state, var), 201)


@blueprint.delete("/<key>")
def delete_variable(account_id: str, key: str) -> Response:
    with current_state.lock:
        if _variables(account_id).pop(key, None) is None:
            raise ApiError(404, "Not Found")
        return Response(status=204)


@blueprint.delete("/<key>/value/<value_id>")
def delete_value(account_id: str, key: str, value_id: str) -> Response:
    with current_state.lock:
        var = _variables(account_id).get(key)
        if var is None or not any(v.id == value_id for v in var.values):
            raise ApiError(404, "Not Found")
        var.values = [v for v in var.values if v.id != value_id]
        var.updated_at = now()
        return Response(status=204)
