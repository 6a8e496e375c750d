"""What a fork of dandi/dandi-archive must say before it can deploy this clone instead of DANDI's.

An unmodified fork deploys to DANDI's Heroku apps (`heroku builds:create -a dandi-api-staging`,
`-a dandi-api`), releases as dandi/dandi-archive (`.autorc`'s owner and repo) and builds a web app
that talks to DANDI's API, OAuth application, DOI server and Sentry project (`web/netlify.toml`'s
contexts and `web/.env.production`, the production build's defaults). See dandi-archive-facts §5
and §8. The functions here take a fork's file texts and one environment's values and return the
edited texts: pure, no I/O. Each edit keeps comments and layout (ruamel.yaml for workflows,
tomlkit for netlify.toml, line edits for the dotenv file, a span edit for `.autorc`), returns the
text unchanged when it already says what it should (so editing an edited file changes nothing), and
parses what it produced again before returning it: a file that would not parse is never returned.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping

from dandiops.core.errors import ConfigError

if TYPE_CHECKING:
    from dandiops.core.settings import Environment

WORKFLOW_DIR = ".github/workflows/"
AUTORC = ".autorc"
NETLIFY_TOML = "web/netlify.toml"
ENV_PRODUCTION = "web/.env.production"

# The Netlify contexts each kind of environment builds (upstream's web/netlify.toml): the staging
# site builds master, deploy previews and branch deploys; the production site builds `release`.
STAGING_CONTEXTS = ("master", "deploy-preview", "branch-deploy")
PRODUCTION_CONTEXTS = ("release",)

# Upstream's DOI servers (VITE_APP_DOI_SERVER): DOIs of the production instance resolve at doi.org,
# the sandbox's test DOIs at DataCite's test server.
PRODUCTION_DOI_SERVER = "https://doi.org/"
TEST_DOI_SERVER = "https://api.test.datacite.org/"

OAUTH_API_ROOT = "VITE_APP_OAUTH_API_ROOT"
OAUTH_CLIENT_ID = "VITE_APP_OAUTH_CLIENT_ID"
DANDI_API_ROOT = "VITE_APP_DANDI_API_ROOT"
DOI_SERVER = "VITE_APP_DOI_SERVER"
SENTRY_DSN = "VITE_APP_SENTRY_DSN"
SENTRY_ENVIRONMENT = "VITE_APP_SENTRY_ENVIRONMENT"

_DOTENV_LINE = re.compile(r"^(\s*(?:export\s+)?)([A-Za-z_][A-Za-z0-9_]*)(\s*=\s*)(.*?)(\r?\n)?$")
_DOTENV_PLAIN = re.compile(r"[A-Za-z0-9_./:@%+~=,-]*")


class ForkFileError(ConfigError):
    """A file of the fork that is missing, or that dandiops cannot read or edit safely."""


@dataclass(frozen=True)
class ForkTarget:
    """What one environment's files must say: its Heroku app, the fork, the web app's settings."""

    env_name: str
    production: bool
    heroku_app: str
    github_repo: str  # owner/name of the fork
    workflow: str  # the deploy workflow's file name under .github/workflows/
    api_url: str
    oauth_client_id: str
    doi_server: str
    sentry_dsn: str | None = None  # None: the web app reports to no Sentry project (the lines go)
    sentry_environment: str | None = None
    workflow_dispatch: bool = False  # add the runbook's "Run workflow" button to the deploy workflow

    @property
    def workflow_path(self) -> str:
        return WORKFLOW_DIR + self.workflow

    @property
    def contexts(self) -> tuple[str, ...]:
        return PRODUCTION_CONTEXTS if self.production else STAGING_CONTEXTS

    def paths(self) -> tuple[str, ...]:
        """The files this environment's edits touch, in the order a pull request lists them."""
        paths = (self.workflow_path, AUTORC, NETLIFY_TOML)
        return (*paths, ENV_PRODUCTION) if self.production else paths

    def web_variables(self) -> dict[str, str | None]:
        """The web app's build variables under upstream's names; None means the line must go."""
        api = self.api_url.rstrip("/")
        sentry = self.sentry_dsn is not None
        return {
            OAUTH_API_ROOT: f"{api}/oauth/",
            OAUTH_CLIENT_ID: self.oauth_client_id,
            DANDI_API_ROOT: f"{api}/api/",
            DOI_SERVER: self.doi_server,
            SENTRY_DSN: self.sentry_dsn,
            SENTRY_ENVIRONMENT: (self.sentry_environment or self.env_name) if sentry else None,
        }


def default_doi_server(production: bool) -> str:
    return PRODUCTION_DOI_SERVER if production else TEST_DOI_SERVER


def target_for(env: "Environment", *, oauth_client_id: str) -> ForkTarget:
    """The environment's target as dandiops.toml describes it (raises ConfigError for a missing key)."""
    return ForkTarget(
        env_name=env.name,
        production=env.production,
        heroku_app=env.heroku_app,
        github_repo=env.require("github_repo"),
        workflow=env.deploy_workflow,
        api_url=env.require("api_url"),
        oauth_client_id=oauth_client_id,
        doi_server=env.web_doi_server or default_doi_server(env.production),
        sentry_dsn=env.sentry_dsn,
        sentry_environment=env.sentry_environment,
        workflow_dispatch=env.workflow_dispatch,
    )


def edit_fork(files: Mapping[str, str | None], target: ForkTarget) -> dict[str, str]:
    """The files of `target.paths()` that must change, with their new text (empty when none must).

    `files` maps each path to its text on the fork's default branch (None when it is missing).
    """
    from dandiops.archive.workflows import WorkflowError, add_dispatch_trigger, set_heroku_app

    owner, name = target.github_repo.split("/", 1)
    variables = target.web_variables()

    def workflow(text: str) -> str:
        try:
            edited = set_heroku_app(text, target.heroku_app, path=target.workflow_path)
            if target.workflow_dispatch:
                edited = add_dispatch_trigger(edited, path=target.workflow_path)
        except WorkflowError as exc:
            raise ForkFileError(str(exc), hint=_FIX_HINT) from None
        return edited

    edits: dict[str, Callable[[str], str]] = {
        target.workflow_path: workflow,
        AUTORC: lambda text: edit_autorc(text, owner=owner, repo=name),
        NETLIFY_TOML: lambda text: edit_netlify_toml(text, target.contexts, variables),
        ENV_PRODUCTION: lambda text: edit_dotenv(text, variables, path=ENV_PRODUCTION),
    }
    changed = {}
    for path in target.paths():
        text = files.get(path)
        if text is None:
            raise ForkFileError(
                f"the fork has no {path}",
                hint=(
                    f"check `workflow` of environment {target.env_name} in dandiops.toml"
                    if path == target.workflow_path
                    else f"restore {path} from dandi/dandi-archive in the fork"
                ),
            )
        edited = edits[path](text)
        if edited != text:
            changed[path] = edited
    return changed


_FIX_HINT = "fix the file on the fork's default branch (dandi/dandi-archive has a working one), then run again"


# --- .autorc (JSON) --------------------------------------------------------------------------------
def edit_autorc(text: str, *, owner: str, repo: str) -> str:
    """`.autorc` naming the fork as the repository `auto shipit` releases, layout kept."""
    data = _autorc(text)
    wanted = {"owner": owner, "repo": repo}
    if all(data.get(key) == value for key, value in wanted.items()):
        return text
    for key in wanted:
        if key in data and not isinstance(data[key], str):
            raise ForkFileError(f"{AUTORC}: `{key}` is not a string", hint=_FIX_HINT)
    if not data:
        edited = json.dumps(wanted, indent=2) + "\n"
    else:
        edited = text
        for key, value in wanted.items():
            span = _top_level_string_span(edited, key)
            if span is not None:
                edited = edited[: span[0]] + json.dumps(value) + edited[span[1] :]
        missing = [key for key in wanted if key not in data]
        if missing:  # upstream writes them first
            brace = edited.index("{") + 1
            members = [f"{json.dumps(key)}: {json.dumps(wanted[key])}," for key in missing]
            if edited[brace:].lstrip(" \t").startswith(("\n", "\r")):  # one member a line
                indent = _json_indent(edited)
                inserted = "".join(f"\n{indent}{member}" for member in members)
            else:
                inserted = " ".join(members) + " "
            edited = edited[:brace] + inserted + edited[brace:]
    reread = _autorc(edited, edited_by_us=True)
    if any(reread.get(key) != value for key, value in wanted.items()):
        raise ForkFileError(f"{AUTORC}: naming the fork did not take; edit the file by hand", hint=_FIX_HINT)
    return edited


def _autorc(text: str, *, edited_by_us: bool = False) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        if edited_by_us:
            raise ForkFileError(f"{AUTORC}: the edited file would not parse ({exc}); nothing was written") from None
        raise ForkFileError(
            f"{AUTORC} is not JSON ({exc}); dandiops edits the JSON form upstream uses", hint=_FIX_HINT
        ) from None
    if not isinstance(data, dict):
        raise ForkFileError(f"{AUTORC} is not a JSON object", hint=_FIX_HINT)
    return data


def _top_level_string_span(text: str, key: str) -> tuple[int, int] | None:
    """Where the string value of `key` in the top-level JSON object starts and ends, or None."""
    decoder = json.JSONDecoder()
    depth = 0
    index = 0
    expecting_key = False
    while index < len(text):
        char = text[index]
        if char == '"':
            value, end = decoder.raw_decode(text, index)
            if depth == 1 and expecting_key and value == key:
                colon = text.index(":", end) + 1
                start = colon + len(text[colon:]) - len(text[colon:].lstrip())
                if not text.startswith('"', start):
                    return None
                _, stop = decoder.raw_decode(text, start)
                return start, stop
            expecting_key = False
            index = end
            continue
        if char in "{[":
            depth += 1
            expecting_key = char == "{" and depth == 1
        elif char in "}]":
            depth -= 1
        elif char == "," and depth == 1:
            expecting_key = True
        index += 1
    return None


def _json_indent(text: str) -> str:
    for line in text.splitlines()[1:]:
        if line.strip().startswith('"'):
            return line[: len(line) - len(line.lstrip())]
    return "  "


# --- web/netlify.toml ------------------------------------------------------------------------------
def edit_netlify_toml(text: str, contexts: tuple[str, ...], variables: Mapping[str, str | None]) -> str:
    """netlify.toml whose `[context.NAME.environment]` tables carry `variables` (None: the key goes)."""
    import tomllib

    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    try:
        document = tomlkit.parse(text)
    except TOMLKitError as exc:
        raise ForkFileError(f"{NETLIFY_TOML} is not valid TOML ({exc})", hint=_FIX_HINT) from None
    changed = False
    if "context" not in document:
        document.add("context", tomlkit.table(is_super_table=True))
    if not isinstance(document["context"], dict):
        raise ForkFileError(f"{NETLIFY_TOML}: `context` is not a table", hint=_FIX_HINT)
    context: Any = document["context"]
    for name in contexts:
        if name not in context:
            context.add(name, tomlkit.table(is_super_table=True))
        if not isinstance(context[name], dict):
            raise ForkFileError(f"{NETLIFY_TOML}: context.{name} is not a table", hint=_FIX_HINT)
        if "environment" not in context[name]:
            context[name].add("environment", tomlkit.table())
        environment = context[name]["environment"]
        if not isinstance(environment, dict):
            raise ForkFileError(f"{NETLIFY_TOML}: context.{name}.environment is not a table", hint=_FIX_HINT)
        for key, value in variables.items():
            if value is None:
                if key in environment:
                    del environment[key]
                    changed = True
            elif environment.get(key) != value:
                if key in environment:
                    environment[key] = value  # in place: its position and comment stay
                else:
                    _append_before_trailing_comments(environment, key, value)
                changed = True
    if not changed:
        return text
    edited = tomlkit.dumps(document)
    try:
        reread = tomllib.loads(edited)
    except tomllib.TOMLDecodeError as exc:
        raise ForkFileError(f"{NETLIFY_TOML}: the edited file would not parse ({exc}); nothing was written") from None
    for name in contexts:
        found = reread.get("context", {}).get(name, {}).get("environment", {})
        if any(found.get(key) != value for key, value in variables.items()):
            raise ForkFileError(f"{NETLIFY_TOML}: the edit of context {name} did not take; edit the file by hand")
    return edited


def _append_before_trailing_comments(table: Any, key: str, value: str) -> None:
    """Add `key` after the table's last entry: the blank lines and comments tomlkit keeps at the end
    of a table introduce the next one, so they stay after it."""
    body = table.value.body
    trailing: list[Any] = []
    while body and body[-1][0] is None:
        trailing.insert(0, body.pop())
    table[key] = value
    body.extend(trailing)


# --- web/.env.production (dotenv) ------------------------------------------------------------------
def edit_dotenv(text: str, variables: Mapping[str, str | None], *, path: str = ENV_PRODUCTION) -> str:
    """The dotenv text with `variables` set (a changed line rewritten in place, a new one appended)
    and the None ones removed; every other line, comment and blank line is kept as it is."""
    lines = text.splitlines(keepends=True)
    kept: list[str] = []
    seen: set[str] = set()
    for line in lines:
        match = _DOTENV_LINE.match(line)
        if not match or match.group(2) not in variables:
            kept.append(line)
            continue
        prefix, key, separator, raw, newline = match.groups()
        wanted = variables[key]
        if wanted is None or key in seen:  # removed, or a repeat of a key already written
            continue
        seen.add(key)
        if _dotenv_value(f"{key}={raw}", key) == wanted:
            kept.append(line)
        else:
            kept.append(f"{prefix}{key}{separator}{_dotenv_quoted(wanted)}{newline or ''}")
    added = [f"{key}={_dotenv_quoted(value)}\n" for key, value in variables.items() if value and key not in seen]
    if added and kept and not kept[-1].endswith("\n"):
        kept[-1] += "\n"
    edited = "".join(kept + added)
    if edited == text:
        return text
    for key, value in variables.items():
        if _dotenv_value(edited, key) != value:
            raise ForkFileError(f"{path}: the edit of {key} did not take; nothing was written", hint=_FIX_HINT)
    return edited


def _dotenv_value(text: str, key: str) -> str | None:
    from dotenv import dotenv_values

    return dotenv_values(stream=io.StringIO(text), interpolate=False).get(key)


def _dotenv_quoted(value: str) -> str:
    if _DOTENV_PLAIN.fullmatch(value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
