"""Logging in to the archive's Django admin, the runbook's final check after creating a superuser.

GET {api_url}/admin/login/ for the CSRF cookie and form token, POST the credentials with them,
and expect a session cookie and the admin index. Nothing here prints.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from dandiops.core.errors import AuthError, DandiopsError, ExitCode, UnavailableError

if TYPE_CHECKING:
    import httpx

_CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"')


def verify_admin_login(api_url: str, username: str, password: str, *, timeout: float = 30.0) -> None:
    """Raise unless `username`/`password` can log in to {api_url}/admin/."""
    import httpx

    from dandiops.core.settings import connect_origin
    from dandiops.providers.http import tls_context

    base = api_url.rstrip("/")
    login_url = f"{base}/admin/login/"
    target = connect_origin(base)  # the same as base unless DANDIOPS_CONNECT_TO reroutes the host
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False, verify=tls_context()) as client:
            form = client.get(f"{target}/admin/login/", params={"next": "/admin/"})
            _expect_page(form, login_url)
            match = _CSRF_FIELD.search(form.text)
            if not match or "csrftoken" not in client.cookies:
                raise DandiopsError(
                    f"{login_url} did not serve a Django login form with a CSRF token",
                    hint="check that api_url in dandiops.toml is the API's origin",
                    exit_code=ExitCode.CHECK_FAILED,
                )
            answer = client.post(
                f"{target}/admin/login/",
                params={"next": "/admin/"},
                headers={"Referer": login_url},
                data={
                    "csrfmiddlewaretoken": match.group(1),
                    "username": username,
                    "password": password,
                    "next": "/admin/",
                },
            )
            if answer.status_code == 403:
                raise DandiopsError(
                    f"the admin refused the login form (403, CSRF check) at {login_url}",
                    hint="the API must see its own origin: check DJANGO_ALLOWED_HOSTS and that "
                    "api_url uses the scheme the API is served with",
                    exit_code=ExitCode.CHECK_FAILED,
                )
            if answer.status_code != 302 or "sessionid" not in client.cookies:
                _expect_page(answer, login_url)
                raise AuthError(
                    f"logging in to {base}/admin/ as {username} failed",
                    hint="check the password, and the email's case: the archive signs in with the "
                    "address lower-cased and matched exactly, so a user stored with capitals before "
                    "the @ cannot log in; the user must be active and staff (a superuser is)",
                )
            index = client.get(f"{target}/admin/")
            _expect_page(index, f"{base}/admin/")
            if index.status_code != 200 or "logout" not in index.text.lower():
                raise AuthError(
                    f"logged in as {username}, but {base}/admin/ did not show the admin",
                    hint="the user may lack staff rights; check it in the Django admin",
                )
    except httpx.HTTPError as exc:
        raise UnavailableError(
            f"could not reach {login_url} ({type(exc).__name__})",
            hint="check api_url in dandiops.toml and that the web dyno is up (`dandiops status`)",
        ) from None


def _expect_page(response: "httpx.Response", url: str) -> None:
    status = response.status_code
    if status == 400:
        raise DandiopsError(
            f"{url} answered 400 Bad Request",
            hint="the API's host is probably missing from DJANGO_ALLOWED_HOSTS: `dandiops hosts add HOST`",
            exit_code=ExitCode.CHECK_FAILED,
        )
    if status == 404:
        raise DandiopsError(
            f"{url} answered 404: no Django admin there",
            hint="check api_url in dandiops.toml",
            exit_code=ExitCode.CHECK_FAILED,
        )
    if status >= 500:
        raise UnavailableError(
            f"{url} answered {status}", hint="the web dyno may be crashed: `dandiops status`, `heroku logs`"
        )
