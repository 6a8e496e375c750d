"""The GitHub REST API stand-in as a Flask app over GitHubState.

Protocol details copied from GitHub: `Authorization: token|Bearer`, 401 "Bad credentials",
X-RateLimit-* headers and the 403 "API rate limit exceeded" answer, X-OAuth-Scopes and
X-Accepted-OAuth-Scopes, weak ETags with 304 answers to If-None-Match (which do not use up the
rate limit), `per_page`/`page` pagination with Link headers, 422 "Validation Failed" bodies.

Faults (`state.inject_fault`, `POST /_sandbox/faults`) fail matching requests before they are
handled; kind "drop" instead handles the request and then cuts the connection without answering,
as a network failure after the request reached GitHub does.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
import time
from typing import Any, Callable
from urllib.parse import unquote

from flask import Flask, Response, g, request

from dandiops.sandbox.github import render
from dandiops.sandbox.github.state import ApiError, GitHubState, Repo, RequestRecord, Run, parse_time

API_VERSION = "2022-11-28"
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def json_response(body: Any, status: int = 200, headers: dict | None = None) -> Response:
    response = Response(json.dumps(body), status=status, mimetype="application/json")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def error(status: int, message: str, errors: list | None = None, headers: dict | None = None) -> Response:
    # GitHub links its documentation here; the stand-in keeps every URL on its own host
    docs = request.host_url.rstrip("/") + "/docs/rest"
    body: dict[str, Any] = {"message": message, "documentation_url": docs, "status": str(status)}
    if errors is not None:
        body["errors"] = errors
    return json_response(body, status, headers)


def not_found() -> Response:
    return error(404, "Not Found")


def create_app(state: GitHubState, *, base_url_getter: Callable[[], str] | None = None) -> Flask:
    app = Flask("dandiops-github-standin")
    app.config["github_state"] = state

    def base() -> str:
        return base_url_getter() if base_url_getter else request.host_url.rstrip("/")

    # --- gate: faults, credentials, rate limit ------------------------------------------------
    @app.before_request
    def gate():
        g.started = time.time()
        g.scopes = None
        if request.path.startswith("/_sandbox/"):
            return None
        fault = state.take_fault(request.method, request.path)
        if fault and fault.kind == "drop":
            g.drop_connection = True  # handled as usual, credentials included; `finish` cuts the connection
            fault = None
        if fault:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.kind == "primary":
                return error(403, f"API rate limit exceeded for user ID {state.user_id}. If you reach out to "
                             "GitHub Support for help, please include the request ID.",
                             headers={"X-RateLimit-Remaining": "0",
                                      "X-RateLimit-Reset": str(int(time.time() + fault.reset_in))})
            if fault.kind == "secondary":
                return error(fault.status or 403, "You have exceeded a secondary rate limit. Please wait a few "
                             "minutes before you try again.",
                             headers={"Retry-After": fault.retry_after or "1"})
            if fault.status:
                headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
                message = ("Server Error" if fault.status >= 500
                           else "Not Found" if fault.status == 404  # GitHub's every 404; clients key on it
                           else f"injected {fault.status}")
                return error(fault.status, message, headers=headers)
        header = request.headers.get("Authorization", "")
        token = header.split(" ", 1)[1].strip() if " " in header else ""
        scopes = state.scopes(token)
        if scopes is None:
            return error(401, "Bad credentials")
        g.scopes = scopes
        if request.path != "/rate_limit":
            with state.lock:
                if time.time() >= state.rate_reset:
                    state.rate_remaining, state.rate_reset = state.rate_limit, int(time.time()) + 3600
                if state.rate_remaining <= 0:
                    return error(403, f"API rate limit exceeded for user ID {state.user_id}.")
        return None

    @app.after_request
    def finish(response: Response) -> Response:
        counted = request.path not in ("/rate_limit",) and not request.path.startswith("/_sandbox/")
        if (request.method == "GET" and response.status_code == 200 and response.mimetype == "application/json"
                and not request.path.startswith("/_sandbox/")):
            etag = 'W/"' + hashlib.sha256(response.get_data()).hexdigest() + '"'
            response.headers["ETag"] = etag
            if etag in [value.strip() for value in request.headers.get("If-None-Match", "").split(",")]:
                response = Response(status=304, headers={"ETag": etag})
                counted = False  # GitHub does not charge conditional requests answered 304
        if counted and g.get("scopes") is not None and response.status_code != 403:
            with state.lock:
                state.rate_remaining -= 1
        response.headers.setdefault("X-RateLimit-Limit", str(state.rate_limit))
        response.headers.setdefault("X-RateLimit-Remaining", str(max(state.rate_remaining, 0)))
        response.headers.setdefault("X-RateLimit-Reset", str(state.rate_reset))
        response.headers["X-RateLimit-Used"] = str(state.rate_limit - max(state.rate_remaining, 0))
        response.headers["X-RateLimit-Resource"] = "core"
        response.headers["X-GitHub-Api-Version-Selected"] = API_VERSION
        response.headers["X-GitHub-Request-Id"] = hashlib.md5(str(time.time_ns()).encode()).hexdigest()[:16].upper()
        if g.get("scopes") is not None:
            response.headers["X-OAuth-Scopes"] = ", ".join(sorted(g.scopes))
        if not request.path.startswith("/_sandbox/"):
            body = request.get_json(silent=True) if request.data else None
            sent = None
            if response.status_code != 304 and response.mimetype == "application/json" \
                    and not response.direct_passthrough:
                sent = json.loads(response.get_data() or b"null")
            with state.lock:
                state.requests.append(RequestRecord(
                    request.method, request.path, request.query_string.decode(), response.status_code,
                    {k: v for k, v in request.headers.items() if k.lower() in ("if-none-match", "accept")},
                    body, sent))
        if g.get("drop_connection"):
            _drop(request.environ)
        return response

    @app.errorhandler(ApiError)
    def api_error(exc: ApiError):
        return error(exc.status, exc.message, exc.errors, exc.headers)

    def need_scope(*accepted: str) -> Response | None:
        """Classic tokens: a write needs one of `accepted` scopes, as GitHub says in X-Accepted-OAuth-Scopes."""
        if g.scopes is not None and not (set(accepted) & g.scopes):
            return error(403, "Resource not accessible by personal access token",
                         headers={"X-Accepted-OAuth-Scopes": ", ".join(accepted)})
        return None

    def repo_or_404(owner: str, name: str) -> Repo:
        found = state.find_repo(owner, name)
        if found is None:
            raise ApiError(404, "Not Found")
        return found

    def paginated(items: list, to_json: Callable[[Any], Any], *, key: str | None = None,
                  extra: dict | None = None) -> Response:
        try:
            per_page = max(1, min(100, int(request.args.get("per_page", 30))))
            page = max(1, int(request.args.get("page", 1)))
        except ValueError:
            raise ApiError(422, "Validation Failed") from None
        chunk = items[(page - 1) * per_page: page * per_page]
        last = max(1, -(-len(items) // per_page))
        links = []
        url = base() + request.path

        def page_url(number: int) -> str:
            args = dict(request.args)
            args["page"] = str(number)
            args["per_page"] = str(per_page)
            return url + "?" + "&".join(f"{k}={v}" for k, v in args.items())

        if page < last:
            links += [f'<{page_url(page + 1)}>; rel="next"', f'<{page_url(last)}>; rel="last"']
        if page > 1:
            links += [f'<{page_url(page - 1)}>; rel="prev"', f'<{page_url(1)}>; rel="first"']
        headers = {"Link": ", ".join(links)} if links else {}
        rendered = [to_json(item) for item in chunk]
        if key is None:
            return json_response(rendered, headers=headers)
        return json_response({"total_count": len(items), key: rendered, **(extra or {})}, headers=headers)

    # --- account ---------------------------------------------------------------------------
    @app.get("/rate_limit")
    def rate_limit():
        return json_response(render.rate_limit(state))

    @app.get("/user")
    def current_user():
        return json_response(render.account(base(), state))

    # --- repository ------------------------------------------------------------------------
    @app.get("/repos/<owner>/<name>")
    def get_repo(owner, name):
        repo = repo_or_404(owner, name)
        with state.lock:
            return json_response(render.repository(base(), state, repo))

    # --- contents ----------------------------------------------------------------------------
    @app.get("/repos/<owner>/<name>/contents/", defaults={"path": ""})
    @app.get("/repos/<owner>/<name>/contents/<path:path>")
    def get_contents(owner, name, path):
        repo = repo_or_404(owner, name)
        ref = request.args.get("ref") or repo.default_branch
        path = unquote(path).strip("/")
        with state.lock:
            sha = repo.resolve(ref)
            if sha is None:
                raise ApiError(404, f"No commit found for the ref {ref}")
            tree = repo.commits[sha].tree
            if path in tree:
                return json_response(render.content_file(base(), repo, path, tree[path], ref))
            prefix = f"{path}/" if path else ""
            children: dict[str, str] = {}
            for file_path in tree:
                if file_path.startswith(prefix):
                    rest = file_path[len(prefix):]
                    children[prefix + rest.split("/", 1)[0]] = "dir" if "/" in rest else "file"
            if not children:
                raise ApiError(404, "Not Found")
            from dandiops.sandbox.github.state import blob_sha

            entries = []
            for child, kind in sorted(children.items()):
                content = tree.get(child, b"")
                digest = blob_sha(content) if kind == "file" else hashlib.sha1(child.encode()).hexdigest()
                entries.append(render.content_entry(base(), repo, child, kind, digest,
                                                    len(content) if kind == "file" else 0, ref))
            return json_response(entries)

    @app.put("/repos/<owner>/<name>/contents/<path:path>")
    def put_contents(owner, name, path):
        repo = repo_or_404(owner, name)
        path = unquote(path).strip("/")
        denied = need_scope("repo", "public_repo")
        if denied:
            return denied
        if path.startswith(".github/workflows/") and "workflow" not in g.scopes:
            return error(403, f"refusing to allow a Personal Access Token to create or update workflow "
                         f"`{path}` without `workflow` scope", headers={"X-Accepted-OAuth-Scopes": "workflow"})
        body = request.get_json(silent=True) or {}
        if not isinstance(body.get("message"), str) or not isinstance(body.get("content"), str):
            raise ApiError(422, "Invalid request.\n\n\"message\" and \"content\" are required.")
        try:
            content = base64.b64decode(body["content"], validate=False)
        except Exception:
            raise ApiError(422, "content is not valid Base64") from None
        with state.lock:
            branch = body.get("branch") or repo.default_branch
            head = repo.branch_sha(branch)
            if head is None:
                raise ApiError(404, f"Branch {branch} not found")
            existing = repo.file(head, path)
            if existing is not None:
                from dandiops.sandbox.github.state import blob_sha

                if not body.get("sha"):
                    raise ApiError(422, "Invalid request.\n\n\"sha\" wasn't supplied.")
                if body["sha"] != blob_sha(existing):
                    raise ApiError(409, f"{path} does not match {body['sha']}")
            committer = body.get("committer") or body.get("author")
            author = (committer["name"], committer["email"]) if isinstance(committer, dict) \
                and committer.get("name") and committer.get("email") else None
            commit = state.commit_files(repo, branch, {path: content}, body["message"], author=author)
            return json_response(render.file_commit(base(), repo, path, content, commit, branch),
                                 201 if existing is None else 200)

    # --- git refs --------------------------------------------------------------------------
    @app.get("/repos/<owner>/<name>/git/ref/<path:ref>")
    def get_ref(owner, name, ref):
        repo = repo_or_404(owner, name)
        full = "refs/" + unquote(ref)
        with state.lock:
            if full not in repo.refs:
                raise ApiError(404, "Not Found")
            return json_response(render.git_ref(base(), repo, full, repo.refs[full]))

    @app.get("/repos/<owner>/<name>/git/matching-refs/<path:ref>")
    def matching_refs(owner, name, ref):
        repo = repo_or_404(owner, name)
        prefix = "refs/" + unquote(ref)
        with state.lock:
            return json_response([render.git_ref(base(), repo, r, sha) for r, sha in sorted(repo.refs.items())
                                  if r.startswith(prefix)])

    @app.post("/repos/<owner>/<name>/git/refs")
    def create_ref(owner, name):
        repo = repo_or_404(owner, name)
        denied = need_scope("repo", "public_repo")
        if denied:
            return denied
        body = request.get_json(silent=True) or {}
        ref, sha = body.get("ref"), body.get("sha")
        if not isinstance(ref, str) or not isinstance(sha, str):
            raise ApiError(422, "Invalid request.\n\n\"ref\" and \"sha\" are required.")
        state.create_ref(repo, ref, sha)
        return json_response(render.git_ref(base(), repo, ref, sha), 201)

    @app.patch("/repos/<owner>/<name>/git/refs/<path:ref>")
    def update_ref(owner, name, ref):
        repo = repo_or_404(owner, name)
        denied = need_scope("repo", "public_repo")
        if denied:
            return denied
        body = request.get_json(silent=True) or {}
        full = "refs/" + unquote(ref)
        state.update_ref(repo, full, str(body.get("sha", "")), force=bool(body.get("force")))
        return json_response(render.git_ref(base(), repo, full, repo.refs[full]))

    @app.delete("/repos/<owner>/<name>/git/refs/<path:ref>")
    def delete_ref(owner, name, ref):
        repo = repo_or_404(owner, name)
        denied = need_scope("repo", "public_repo")
        if denied:
            return denied
        full = "refs/" + unquote(ref)
        with state.lock:
            if repo.refs.pop(full, None) is None:
                raise ApiError(422, "Reference does not exist")
        return Response(status=204)

    @app.get("/repos/<owner>/<name>/tags")
    def list_tags(owner, name):
        repo = repo_or_404(owner, name)
        with state.lock:
            tags = sorted(((r.removeprefix("refs/tags/"), sha) for r, sha in repo.refs.items()
                           if r.startswith("refs/tags/")), reverse=True)
            return paginated(tags, lambda item: render.tag(base(), repo, *item))

    # --- workflows and runs --------------------------------------------------------------------
    def workflow_or_404(repo: Repo, ident: str):
        found = state.find_workflow(repo, unquote(ident))
        if found is None:
            raise ApiError(404, "Not Found")
        return found

    @app.get("/repos/<owner>/<name>/actions/workflows")
    def list_workflows(owner, name):
        repo = repo_or_404(owner, name)
        with state.lock:
            items = sorted(repo.workflows.values(), key=lambda w: w.id)
            return paginated(items, lambda w: render.workflow(base(), repo, w), key="workflows")

    @app.get("/repos/<owner>/<name>/actions/workflows/<ident>")
    def get_workflow(owner, name, ident):
        repo = repo_or_404(owner, name)
        with state.lock:
            return json_response(render.workflow(base(), repo, workflow_or_404(repo, ident)))

    @app.post("/repos/<owner>/<name>/actions/workflows/<ident>/dispatches")
    def dispatch(owner, name, ident):
        repo = repo_or_404(owner, name)
        denied = need_scope("repo", "public_repo")
        if denied:
            return denied
        workflow = workflow_or_404(repo, ident)
        body = request.get_json(silent=True) or {}
        ref = body.get("ref")
        if not isinstance(ref, str) or not ref:
            raise ApiError(422, "Invalid request.\n\n\"ref\" wasn't supplied.")
        inputs = body.get("inputs") or {}
        if not isinstance(inputs, dict) or len(inputs) > 25:
            raise ApiError(422, "Invalid request.\n\nFor 'properties/inputs', at most 25 inputs are allowed.")
        run = state.dispatch(repo, workflow, ref, inputs)
        if body.get("return_run_details") and state.dispatch_returns_run_details:
            return json_response({"workflow_run_id": run.id,
                                  "run_url": f"{base()}/repos/{repo.full_name}/actions/runs/{run.id}",
                                  "html_url": f"{base()}/{repo.full_name}/actions/runs/{run.id}"}, 200)
        return Response(status=204)

    def filtered_runs(runs: list[Run]) -> list[Run]:
        args = request.args
        result = []
        created = _created_filter(args.get("created"))
        for run in runs:
            if args.get("branch") and run.head_branch != args["branch"]:
                continue
            if args.get("event") and run.event != args["event"]:
                continue
            if args.get("actor") and run.actor != args["actor"]:
                continue
            if args.get("head_sha") and run.head_sha != args["head_sha"]:
                continue
            status = args.get("status")
            if status and status not in (run.status, run.conclusion):
                continue
            if created and not created(parse_time(run.created_at)):
                continue
            result.append(run)
        return sorted(result, key=lambda r: r.id, reverse=True)

    @app.get("/repos/<owner>/<name>/actions/workflows/<ident>/runs")
    def workflow_runs(owner, name, ident):
        repo = repo_or_404(owner, name)
        with state.lock:
            workflow = workflow_or_404(repo, ident)
            runs = filtered_runs([r for r in repo.runs.values() if r.workflow is workflow])
            return paginated(runs, lambda r: render.run(base(), state, r), key="workflow_runs")

    @app.get("/repos/<owner>/<name>/actions/runs")
    def repo_runs(owner, name):
        repo = repo_or_404(owner, name)
        with state.lock:
            runs = filtered_runs(list(repo.runs.values()))
            return paginated(runs, lambda r: render.run(base(), state, r), key="workflow_runs")

    def run_or_404(repo: Repo, run_id: str) -> Run:
        found = state.find_run(repo, int(run_id)) if run_id.isdigit() else None
        if found is None:
            raise ApiError(404, "Not Found")
        return found

    @app.get("/repos/<owner>/<name>/actions/runs/<run_id>")
    def get_run(owner, name, run_id):
        repo = repo_or_404(owner, name)
        with state.lock:
            return json_response(render.run(base(), state, run_or_404(repo, run_id)))

    @app.get("/repos/<owner>/<name>/actions/runs/<run_id>/jobs")
    def run_jobs(owner, name, run_id):
        repo = repo_or_404(owner, name)
        with state.lock:
            run = run_or_404(repo, run_id)
            return paginated(list(run.jobs), lambda j: render.job(base(), state, run, j), key="jobs")

    @app.get("/repos/<owner>/<name>/actions/jobs/<int:job_id>")
    def get_job(owner, name, job_id):
        repo = repo_or_404(owner, name)
        with state.lock:
            found = state.find_job(repo, job_id)
            if found is None:
                raise ApiError(404, "Not Found")
            return json_response(render.job(base(), state, *found))

    @app.post("/repos/<owner>/<name>/actions/runs/<run_id>/rerun")
    def rerun(owner, name, run_id):
        repo = repo_or_404(owner, name)
        denied = need_scope("repo", "public_repo")
        if denied:
            return denied
        state.rerun(repo, run_or_404(repo, run_id))
        return json_response({}, 201)

    @app.post("/repos/<owner>/<name>/actions/runs/<run_id>/cancel")
    def cancel(owner, name, run_id):
        repo = repo_or_404(owner, name)
        denied = need_scope("repo", "public_repo")
        if denied:
            return denied
        state.cancel(run_or_404(repo, run_id))
        return json_response({}, 202)

    # --- releases ----------------------------------------------------------------------------
    @app.get("/repos/<owner>/<name>/releases")
    def list_releases(owner, name):
        repo = repo_or_404(owner, name)
        with state.lock:
            items = sorted(repo.releases, key=lambda r: r.id, reverse=True)
            return paginated(items, lambda r: render.release(base(), state, repo, r))

    @app.post("/repos/<owner>/<name>/releases")
    def create_release(owner, name):
        repo = repo_or_404(owner, name)
        denied = need_scope("repo", "public_repo")
        if denied:
            return denied
        body = request.get_json(silent=True) or {}
        tag_name = body.get("tag_name")
        if not isinstance(tag_name, str) or not tag_name:
            raise ApiError(422, "Validation Failed", [{"resource": "Release", "code": "missing_field",
                                                       "field": "tag_name"}])
        release = state.create_release(repo, tag_name, target=body.get("target_commitish"), name=body.get("name"),
                                       body=body.get("body"), draft=bool(body.get("draft")),
                                       prerelease=bool(body.get("prerelease")))
        with state.lock:
            return json_response(render.release(base(), state, repo, release), 201)

    @app.get("/repos/<owner>/<name>/releases/latest")
    def latest_release(owner, name):
        repo = repo_or_404(owner, name)
        with state.lock:
            published = [r for r in repo.releases if not r.draft and not r.prerelease]
            if not published:
                raise ApiError(404, "Not Found")
            return json_response(render.release(base(), state, repo, published[-1]))

    @app.get("/repos/<owner>/<name>/releases/tags/<path:tag>")
    def release_by_tag(owner, name, tag):
        repo = repo_or_404(owner, name)
        with state.lock:
            found = next((r for r in repo.releases if r.tag_name == unquote(tag)), None)
            if found is None:
                raise ApiError(404, "Not Found")
            return json_response(render.release(base(), state, repo, found))

    @app.get("/repos/<owner>/<name>/releases/<int:release_id>")
    def get_release(owner, name, release_id):
        repo = repo_or_404(owner, name)
        with state.lock:
            found = next((r for r in repo.releases if r.id == release_id), None)
            if found is None:
                raise ApiError(404, "Not Found")
            return json_response(render.release(base(), state, repo, found))

    # --- pull requests and labels --------------------------------------------------------------
    def pull_or_404(repo: Repo, number: int):
        found = repo.pulls.get(number)
        if found is None:
            raise ApiError(404, "Not Found")
        return found

    @app.get("/repos/<owner>/<name>/pulls")
    def list_pulls(owner, name):
        repo = repo_or_404(owner, name)
        wanted = request.args.get("state", "open")
        with state.lock:
            items = [p for p in sorted(repo.pulls.values(), key=lambda p: p.number, reverse=True)
                     if wanted == "all" or p.state == wanted]
            if request.args.get("head"):
                items = [p for p in items if f"{repo.owner}:{p.head_ref}" == request.args["head"]]
            if request.args.get("base"):
                items = [p for p in items if p.base_ref == request.args["base"]]
            return paginated(items, lambda p: render.pull(base(), state, repo, p, full=False))

    @app.post("/repos/<owner>/<name>/pulls")
    def create_pull(owner, name):
        repo = repo_or_404(owner, name)
        denied = need_scope("repo", "public_repo")
        if denied:
            return denied
        body = request.get_json(silent=True) or {}
        for key in ("title", "head", "base"):
            if not isinstance(body.get(key), str) or not body[key]:
                raise ApiError(422, "Validation Failed", [{"resource": "PullRequest", "code": "missing_field",
                                                           "field": key}])
        pull = state.create_pull(repo, title=body["title"], head=body["head"], base=body["base"],
                                 body=body.get("body"))
        with state.lock:
            return json_response(render.pull(base(), state, repo, pull), 201)

    @app.get("/repos/<owner>/<name>/pulls/<int:number>")
    def get_pull(owner, name, number):
        repo = repo_or_404(owner, name)
        with state.lock:
            return json_response(render.pull(base(), state, repo, pull_or_404(repo, number)))

    @app.put("/repos/<owner>/<name>/pulls/<int:number>/merge")
    def merge_pull(owner, name, number):
        repo = repo_or_404(owner, name)
        denied = need_scope("repo", "public_repo")
        if denied:
            return denied
        body = request.get_json(silent=True) or {}
        pull = state.merge_pull(repo, number, message=body.get("commit_title"))
        return json_response({"sha": pull.merge_commit_sha, "merged": True,
                              "message": "Pull Request successfully merged"})

    @app.get("/repos/<owner>/<name>/labels")
    def list_labels(owner, name):
        repo = repo_or_404(owner, name)
        with state.lock:
            items = sorted(repo.labels.values(), key=lambda label: label.id)
            return paginated(items, lambda label: render.label(base(), repo, label))

    @app.get("/repos/<owner>/<name>/issues/<int:number>/labels")
    def issue_labels(owner, name, number):
        repo = repo_or_404(owner, name)
        with state.lock:
            pull = pull_or_404(repo, number)
            return json_response([render.label(base(), repo, repo.labels[n]) for n in pull.labels])

    @app.post("/repos/<owner>/<name>/issues/<int:number>/labels")
    def add_issue_labels(owner, name, number):
        repo = repo_or_404(owner, name)
        denied = need_scope("repo", "public_repo")
        if denied:
            return denied
        body = request.get_json(silent=True)
        names = body.get("labels") if isinstance(body, dict) else body
        if isinstance(names, str):
            names = [names]
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ApiError(422, "Invalid request.\n\nFor 'links/0/schema', nil is not an array.")
        labels = state.add_labels(repo, number, names)
        with state.lock:
            return json_response([render.label(base(), repo, label) for label in labels])

    # --- Actions secrets ---------------------------------------------------------------------
    @app.get("/repos/<owner>/<name>/actions/secrets/public-key")
    def public_key(owner, name):
        repo_or_404(owner, name)
        return json_response({"key_id": state.key_id, "key": state.public_key})

    @app.get("/repos/<owner>/<name>/actions/secrets")
    def list_secrets(owner, name):
        repo = repo_or_404(owner, name)
        with state.lock:
            items = sorted(repo.secrets.values(), key=lambda s: s.name)
            return paginated(items, render.secret, key="secrets")

    @app.get("/repos/<owner>/<name>/actions/secrets/<secret_name>")
    def get_secret(owner, name, secret_name):
        repo = repo_or_404(owner, name)
        with state.lock:
            found = repo.secrets.get(secret_name.upper())
            if found is None:
                raise ApiError(404, "Not Found")
            return json_response(render.secret(found))

    @app.put("/repos/<owner>/<name>/actions/secrets/<secret_name>")
    def put_secret(owner, name, secret_name):
        repo = repo_or_404(owner, name)
        denied = need_scope("repo")
        if denied:
            return denied
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", secret_name) or secret_name.upper().startswith("GITHUB_"):
            raise ApiError(422, "Secret names can only contain alphanumeric characters ([a-z], [A-Z], [0-9]) "
                           "or underscores (_), and must not start with GITHUB_.")
        body = request.get_json(silent=True) or {}
        if not isinstance(body.get("encrypted_value"), str) or not isinstance(body.get("key_id"), str):
            raise ApiError(422, "Invalid request.\n\n\"encrypted_value\" and \"key_id\" are required.")
        created = state.put_secret(repo, secret_name, body["encrypted_value"], body["key_id"])
        return json_response({}, 201) if created else Response(status=204)

    @app.delete("/repos/<owner>/<name>/actions/secrets/<secret_name>")
    def delete_secret(owner, name, secret_name):
        repo = repo_or_404(owner, name)
        denied = need_scope("repo")
        if denied:
            return denied
        with state.lock:
            if repo.secrets.pop(secret_name.upper(), None) is None:
                raise ApiError(404, "Not Found")
        return Response(status=204)

    # --- sandbox control (`sandbox serve` users and tests) ---------------------------------------
    @app.post("/_sandbox/faults")
    def add_fault():
        body = request.get_json(silent=True) or {}
        state.inject_fault(int(body.get("status", 500)), int(body.get("count", 1)),
                           delay=float(body.get("delay", 0)),
                           methods=set(body["methods"]) if body.get("methods") else None,
                           path_prefix=body.get("path_prefix"), kind=body.get("kind"),
                           retry_after=body.get("retry_after"), reset_in=float(body.get("reset_in", 0)))
        return json_response({"ok": True})

    @app.post("/_sandbox/repos/<owner>/<name>/push")
    def sandbox_push(owner, name):
        """Commit files to a branch as a developer's `git push` would; push workflows run."""
        repo = repo_or_404(owner, name)
        body = request.get_json(silent=True) or {}
        files = {path: (None if text is None else str(text).encode()) for path, text in
                 (body.get("files") or {"CHANGES.txt": f"change at {time.time()}\n"}).items()}
        commit = state.commit_files(repo, body.get("branch") or repo.default_branch, files,
                                    body.get("message") or "Update from the sandbox")
        return json_response({"sha": commit.sha})

    @app.post("/_sandbox/repos/<owner>/<name>/pulls/<int:number>/merge")
    def sandbox_merge(owner, name, number):
        repo = repo_or_404(owner, name)
        pull = state.merge_pull(repo, number)
        return json_response({"sha": pull.merge_commit_sha})

    @app.post("/_sandbox/runs/next")
    def sandbox_script():
        body = request.get_json(silent=True) or {}
        state.script_next_run(body.get("conclusion", "success"), at_step=body.get("at_step"),
                              hold=bool(body.get("hold")), workflow=body.get("workflow"))
        return json_response({"ok": True})

    return app


def _drop(environ) -> None:
    """Close the client's connection before the answer is written: the request was carried out."""
    import socket

    sock = environ.get("werkzeug.socket")
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


_RANGE = re.compile(r"^(>=|<=|>|<)?(\S+?)(?:\.\.(\S+))?$")


def _created_filter(value: str | None):
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
