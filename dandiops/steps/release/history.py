"""Recent deploy runs and Heroku releases of an environment, side by side.

A run and a release are paired when the release names the run's commit ("Deploy 3e3c3c9c").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dandiops.steps.release.model import HerokuReleaseView, RunView

if TYPE_CHECKING:
    from dandiops.app.context import Context
    from dandiops.core.settings import Environment


def environments_with_releases(ctx: "Context", name: str | None) -> list["Environment"]:
    if name:
        return [ctx.settings.environment(name)]
    chosen = [env for env in ctx.settings.environments.values() if env.github_repo]
    if not chosen:
        chosen = [ctx.settings.environment(None)]
    return chosen


def history(ctx: "Context", env: "Environment", *, limit: int = 10) -> dict[str, Any]:
    full_name = env.require("github_repo")
    gh = ctx.github()
    workflow = gh.workflow(full_name, env.deploy_workflow)
    runs = [RunView.from_run(run) for run in gh.runs(workflow, full_name=full_name, limit=limit)]
    releases = [HerokuReleaseView.from_api(r) for r in ctx.heroku().releases(env.heroku_app, limit=limit)]
    rows = []
    paired: set[int] = set()
    for run in runs:
        match = next(
            (r for r in releases if r.commit and run.sha and run.sha.startswith(r.commit) and r.version not in paired),
            None,
        )
        if match:
            paired.add(match.version)
        rows.append({"run": run.to_dict(), "heroku_release": match.to_dict() if match else None})
    for release in releases:
        if release.version not in paired:
            rows.append({"run": None, "heroku_release": release.to_dict()})
    return {
        "env": env.name,
        "repo": full_name,
        "workflow": env.deploy_workflow,
        "app": env.heroku_app,
        "runs": [r.to_dict() for r in runs],
        "heroku_releases": [r.to_dict() for r in releases],
        "rows": rows,
    }


def status(ctx: "Context", env: "Environment") -> dict[str, Any]:
    data = history(ctx, env, limit=5)
    last_run = data["runs"][0] if data["runs"] else None
    last_release = data["heroku_releases"][0] if data["heroku_releases"] else None
    current = next((r for r in data["heroku_releases"] if r["status"] == "succeeded"), None)
    in_flight = last_run is not None and last_run["status"] != "completed"
    return {
        "env": env.name,
        "repo": data["repo"],
        "workflow": data["workflow"],
        "app": data["app"],
        "last_run": last_run,
        "last_release": last_release,
        "current_release": current,
        "deploying": in_flight or (last_release is not None and last_release["status"] == "pending"),
    }
