"""A Netlify build of the DANDI web app from the linked fork, as Netlify runs one.

Stages, each logged in the deploy's log while the deploy moves through Netlify's states:
1. Preparing repo: the repository of build_settings.repo_path at the head of the deploy's branch
   (its commit becomes the deploy's commit_ref). A missing repository or branch fails the build.
2. Reading the configuration: netlify.toml in the base directory, else at the repository's root
   (@netlify/config's order). A file that is not TOML fails the build.
3. The environment, exactly as Netlify resolves it (@netlify/config env/main.ts and context.ts):
   netlify.toml's variables beat the site's, which beat the team's shared ones; within netlify.toml,
   `[context.<branch>]` beats `[context.<deploy context>]`, which beats `[build.environment]` (a
   context name ending in `*` matches branches by prefix); a site variable takes its value for the
   branch, else for the deploy context, else for all contexts.
4. Building: `vite build` is imitated. The web app's VITE_ variables are the build's environment,
   else the base directory's `.env.production` and `.env` (Vite's order); the published index page
   carries them, as the bundle would.
5. Plugins: the fork's server-info plugin (a package path ending in `plugins/server-info-build`)
   fails the build when VITE_APP_DANDI_API_ROOT is not in the build's environment, and otherwise puts
   first a 200 rewrite of /server-info to `${VITE_APP_DANDI_API_ROOT}/info/?format=json`
   (dandi-archive-facts §8). Other plugins are only logged.
6. Publishing: the deploy is ready; a production deploy becomes the site's published deploy.
"""

from __future__ import annotations

import json
import tomllib
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any, Protocol

from dandiops.core.words import plural
from dandiops.sandbox.netlify.state import Redirect, now

if TYPE_CHECKING:
    from dandiops.sandbox.netlify.state import Build, Deploy, NetlifyState, Site

SERVER_INFO_PLUGIN = "plugins/server-info-build"
API_ROOT = "VITE_APP_DANDI_API_ROOT"


class BuildFailure(Exception):
    """Why a build failed, as Netlify's deploy says it (error_message)."""


class Checkout(Protocol):
    """The repositories a build can check out (the sandbox's GitHub forks)."""

    def head(self, repo_path: str, branch: str) -> str:
        """The branch's head commit; BuildFailure when the repository or branch does not exist."""
        ...

    def read(self, repo_path: str, sha: str, path: str) -> bytes | None: ...


def run_build(state: "NetlifyState", site: "Site", build: "Build", deploy: "Deploy") -> None:
    """The build thread: the deploy from enqueued to ready or error."""
    stages = iter(("enqueued", "building", "processing"))
    try:
        for stage in stages:
            if not state.advance(deploy, stage):
                return
            if stage == "building":
                _build(state, site, build, deploy)
        if not state.advance(deploy, "ready"):
            return
    except BuildFailure as failure:
        _fail(state, build, deploy, str(failure))
        return
    with state.lock:
        build.done = True
        deploy.log.append("Site is live")
        if deploy.context == "production":
            deploy.published_at = now()
            site.published_deploy = deploy


def _fail(state: "NetlifyState", build: "Build", deploy: "Deploy", message: str) -> None:
    with state.lock:
        deploy.log.append(f"Failing build: {message}")
        deploy.state = "error"
        deploy.error_message = message
        deploy.updated_at = now()
        build.error = message
        build.done = True


def _build(state: "NetlifyState", site: "Site", build: "Build", deploy: "Deploy") -> None:
    with state.lock:
        settings = dict(site.build_settings)
        site_env = {key: var.value_for(deploy.context, deploy.branch) for key, var in site.env.items()}
        shared_env = {key: var.value_for(deploy.context, deploy.branch) for key, var in state.shared_env.items()}
    repo_path = settings.get("repo_path")
    if not repo_path or state.checkout is None:
        raise BuildFailure("Failed to prepare repo: the site is not linked to a repository")
    sha = state.checkout.head(repo_path, deploy.branch)
    with state.lock:
        build.sha = deploy.commit_ref = sha
        deploy.log.append(f"Preparing repo: {repo_path} at {deploy.branch} ({sha[:7]})")
    base = (settings.get("base") or "").strip("/")

    def read(path: str) -> bytes | None:
        assert state.checkout is not None
        return state.checkout.read(repo_path, sha, f"{base}/{path}" if base else path)

    raw = read("netlify.toml")
    if raw is None and base:
        raw = state.checkout.read(repo_path, sha, "netlify.toml")
    try:
        config: dict[str, Any] = tomllib.loads(raw.decode("utf-8")) if raw is not None else {}
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise BuildFailure(f"Failed during stage 'Reading and parsing configuration files': {exc}") from None
    environment = {"CONTEXT": deploy.context, "BRANCH": deploy.branch, "COMMIT_REF": sha, "SITE_NAME": site.name}
    environment.update({k: v for k, v in shared_env.items() if v is not None})
    environment.update({k: v for k, v in site_env.items() if v is not None})
    environment.update(configured_environment(config, deploy.context, deploy.branch))
    command = (config.get("build") or {}).get("command") or settings.get("cmd")
    with state.lock:
        deploy.log.append(f"$ {command or '(no build command)'}")

    vite = dict(_dotenv(read(".env")))
    vite.update(_dotenv(read(".env.production")))
    vite.update({key: value for key, value in environment.items()})
    bundle = {key: value for key, value in sorted(vite.items()) if key.startswith("VITE_")}
    bundle["VITE_APP_GIT_REVISION"] = sha
    redirects = [
        Redirect(str(r.get("from", "")), str(r.get("to", "")), int(r.get("status", 301)), bool(r.get("force", False)))
        for r in config.get("redirects") or []
        if isinstance(r, dict)
    ]
    for plugin in config.get("plugins") or []:
        package = str(plugin.get("package", "")) if isinstance(plugin, dict) else ""
        if package.rstrip("/").endswith(SERVER_INFO_PLUGIN):
            root = environment.get(API_ROOT)
            if root is None:
                raise BuildFailure(
                    f'Plugin "{package}" failed: API URL not defined. Please define it with the {API_ROOT} '
                    "environment variable."
                )
            redirects.insert(0, Redirect("/server-info", f"{root.rstrip('/')}/info/?format=json", 200))
        else:
            with state.lock:
                deploy.log.append(f"Plugin {package!r}: not imitated by the sandbox")
    with state.lock:
        deploy.files = {"/index.html": index_page(bundle)}
        deploy.redirects = redirects
        deploy.log.append(
            f"Deploying {plural(len(deploy.files), 'file')} and {plural(len(redirects), 'redirect rule')}"
        )


def configured_environment(config: dict[str, Any], context: str, branch: str) -> dict[str, str]:
    """netlify.toml's variables for a deploy: [build], then the deploy context's, then the branch's."""
    merged: dict[str, str] = {}
    build = config.get("build") if isinstance(config.get("build"), dict) else {}
    contexts = config.get("context") if isinstance(config.get("context"), dict) else {}
    layers = [build.get("environment")]
    layers.append((contexts.get(context) or {}).get("environment"))
    branch_context = contexts.get(branch)
    if branch_context is None:  # no exact match: the first wildcard context that matches the branch
        branch_context = next(
            (value for name, value in contexts.items() if name.endswith("*") and fnmatchcase(branch, name)), None
        )
    if isinstance(branch_context, dict):
        layers.append(branch_context.get("environment"))
    for layer in layers:
        if isinstance(layer, dict):
            merged.update({str(key): str(value) for key, value in layer.items()})
    return merged


def _dotenv(raw: bytes | None) -> dict[str, str]:
    """KEY=VALUE lines as Vite's dotenv reads them (comments and blank lines skipped, quotes removed)."""
    values: dict[str, str] = {}
    for line in (raw or b"").decode("utf-8", "replace").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.removeprefix("export ").split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def index_page(bundle: dict[str, str]) -> bytes:
    """The web app's index page with what `vite build` inlined as import.meta.env."""
    inlined = json.dumps(bundle, indent=2, sort_keys=True).replace("<", "\\u003c")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>DANDI Archive</title>\n'
        '</head>\n<body>\n<div id="app"></div>\n<script type="module">\n'
        f"const env = {inlined};\n</script>\n</body>\n</html>\n"
    ).encode()
