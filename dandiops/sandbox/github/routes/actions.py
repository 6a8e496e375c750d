"""GitHub Actions: workflows, their dispatch, runs (filtered as GitHub filters them), jobs, re-runs, cancels,
and a finished run's logs (a redirect to a short-lived link to their archive, as GitHub answers)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Callable
from urllib.parse import unquote

from flask import Response, request

from dandiops.sandbox.github import render
from dandiops.sandbox.github.routes import downloads
from dandiops.sandbox.github.routing import current_state, found_or_404, paginated, repository_blueprint
from dandiops.sandbox.github.state import TERMINAL, ApiError, Repo, Run, Workflow, parse_time
from dandiops.sandbox.standin import base_url, json_body, json_response

blueprint = repository_blueprint("actions", __name__)
MAX_INPUTS = 25


def workflow_or_404(repo: Repo, ident: str) -> Workflow:
    return found_or_404(current_state.find_workflow(repo, unquote(ident)))


def run_or_404(repo: Repo, run_id: str) -> Run:
    return found_or_404(current_state.find_run(repo, int(run_id)) if run_id.isdigit() else None)


def render_run(run: Run) -> dict:
    return render.run(base_url(), current_state, run)


@blueprint.get("/actions/workflows")
def list_workflows(repo: Repo) -> Response:
    with current_state.lock:
        items = sorted(repo.workflows.values(), key=lambda w: w.id)
        return paginated(items, lambda w: render.workflow(base_url(), repo, w), key="workflows")


@blueprint.get("/actions/workflows/<ident>")
def get_workflow(repo: Repo, ident: str) -> Response:
    with current_state.lock:
        return json_response(render.workflow(base_url(), repo, workflow_or_404(repo, ident)))


@blueprint.post("/actions/workflows/<ident>/dispatches")
def dispatch(repo: Repo, ident: str) -> Response:
    workflow = workflow_or_404(repo, ident)
    body = json_body()
    ref = body.get("ref")
    if not isinstance(ref, str) or not ref:
        raise ApiError(422, 'Invalid request.\n\n"ref" wasn\'t supplied.')
    inputs = body.get("inputs") or {}
    if not isinstance(inputs, dict) or len(inputs) > MAX_INPUTS:
        raise ApiError(422, f"Invalid request.\n\nFor 'properties/inputs', at most {MAX_INPUTS} inputs are allowed.")
    run = current_state.dispatch(repo, workflow, ref, inputs)
    if body.get("return_run_details") and current_state.dispatch_returns_run_details:
        return json_response(
            {
                "workflow_run_id": run.id,
                "run_url": f"{base_url()}/repos/{repo.full_name}/actions/runs/{run.id}",
                "html_url": f"{base_url()}/{repo.full_name}/actions/runs/{run.id}",
            },
            200,
        )
    return Response(status=204)


@blueprint.get("/actions/workflows/<ident>/runs")
def workflow_runs(repo: Repo, ident: str) -> Response:
    with current_state.lock:
        workflow = workflow_or_404(repo, ident)
        runs = filtered_runs([r for r in repo.runs.values() if r.workflow is workflow])
        return paginated(runs, render_run, key="workflow_runs")


@blueprint.get("/actions/runs")
def repo_runs(repo: Repo) -> Response:
    with current_state.lock:
        return paginated(filtered_runs(list(repo.runs.values())), render_run, key="workflow_runs")


@blueprint.get("/actions/runs/<run_id>")
def get_run(repo: Repo, run_id: str) -> Response:
    with current_state.lock:
        return json_response(render_run(run_or_404(repo, run_id)))


@blueprint.get("/actions/runs/<run_id>/jobs")
def run_jobs(repo: Repo, run_id: str) -> Response:
    with current_state.lock:
        run = run_or_404(repo, run_id)
        return paginated(list(run.jobs), lambda j: render.job(base_url(), current_state, run, j), key="jobs")


@blueprint.get("/actions/jobs/<int:job_id>")
def get_job(repo: Repo, job_id: int) -> Response:
    with current_state.lock:
        run, job = found_or_404(current_state.find_job(repo, job_id))
        return json_response(render.job(base_url(), current_state, run, job))


@blueprint.get("/actions/runs/<run_id>/logs")
def run_logs(repo: Repo, run_id: str) -> Response:
    with current_state.lock:
        run = run_or_404(repo, run_id)
        if run.status != TERMINAL:
            raise ApiError(404, "Not Found")  # the archive is made when the run has finished
    return Response(status=302, headers={"Location": downloads.signed_url(f"runs/{run.id}/logs.zip")})


@blueprint.post("/actions/runs/<run_id>/rerun")
def rerun(repo: Repo, run_id: str) -> Response:
    current_state.rerun(repo, run_or_404(repo, run_id))
    return json_response({}, 201)


@blueprint.post("/actions/runs/<run_id>/cancel")
def cancel(repo: Repo, run_id: str) -> Response:
    current_state.cancel(run_or_404(repo, run_id))
    return json_response({}, 202)


# query parameter -> the run's attribute it must equal
RUN_FIELDS = {"branch": "head_branch", "event": "event", "actor": "actor", "head_sha": "head_sha"}


def filtered_runs(runs: list[Run]) -> list[Run]:
    """The runs that match the request's branch, event, actor, head_sha, status and created filters, newest first."""
    args = request.args
    created = _created_filter(args.get("created"))
    wanted = {field: args[field] for field in RUN_FIELDS if args.get(field)}
    result = []
    for run in runs:
        if any(getattr(run, RUN_FIELDS[field]) != value for field, value in wanted.items()):
            continue
        status = args.get("status")
        if status and status not in (run.status, run.conclusion):
            continue
        if created and not created(parse_time(run.created_at)):
            continue
        result.append(run)
    return sorted(result, key=lambda r: r.id, reverse=True)


_RANGE = re.compile(r"^(>=|<=|>|<)?(\S+?)(?:\.\.(\S+))?$")


def _created_filter(value: str | None) -> Callable[[dt.datetime], bool] | None:
    """GitHub's `created` search syntax: DATE, >=DATE, <DATE, DATE..DATE (dates or date-times)."""
    if not value:
        return None
    match = _RANGE.match(value.strip())
    if not match:
        raise ApiError(422, f"Invalid created filter: {value}")
    operator, first, second = match.groups()
    start = _parse_search_time(first)
    if second:
        end = _parse_search_time(second, end=True)
        return lambda moment: start <= moment <= end
    if operator == ">=":
        return lambda moment: moment >= start
    if operator == ">":
        return lambda moment: moment > start
    if operator == "<=":
        return lambda moment: moment <= _parse_search_time(first, end=True)
    if operator == "<":
        return lambda moment: moment < start
    end = _parse_search_time(first, end=True)
    return lambda moment: start <= moment <= end


def _parse_search_time(text: str, *, end: bool = False) -> dt.datetime:
    try:
        if "T" in text:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
        day = dt.datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=dt.timezone.utc)
        return day + dt.timedelta(days=1, microseconds=-1) if end else day
    except ValueError:
        raise ApiError(422, f"Invalid date in created filter: {text}") from None
