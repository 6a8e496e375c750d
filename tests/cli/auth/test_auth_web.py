"""After `auth setup`, the archive's own sign-in code accepts what it set: allauth sends users to GitHub
with the client id, and the OAuth toolkit hands the web app a code at its redirect URI without a
consent page. Both are exercised through the app's web process in the sandbox."""

from __future__ import annotations

import base64
import hashlib
import re
import tomllib
from urllib.parse import parse_qs, urlsplit

import httpx

SECRET = "f3c1a8d2e47b9c0d5a6e1f2b3c4d5e6f7a8b9c0d"
GITHUB_ID = "Iv1.5a1b2c3d4e5f6a7b"
WEB_CLIENT_ID = "dandi-web-sandbox-7Q2"
_CSRF = re.compile(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"')


def csrf_post(client: httpx.Client, url: str, data: dict) -> httpx.Response:
    form = client.get(url)
    assert form.status_code == 200, form.text[:500]
    token = _CSRF.search(form.text)
    assert token, form.text[:500]
    return client.post(url, data={"csrfmiddlewaretoken": token.group(1), **data}, headers={"Referer": url})


def test_the_archive_signs_in_with_what_setup_configured(cli, sandbox, staging):
    result = cli(
        "auth",
        "setup",
        "-e",
        "staging",
        "--github-client-id",
        GITHUB_ID,
        "--oauth-client-id",
        WEB_CLIENT_ID,
        "--github-client-secret-stdin",
        input=SECRET,
    )
    assert result.exit_code == 0, result
    staging.run(
        "from django.contrib.auth.models import User; "
        "User.objects.create_superuser('admin@dandi.test', 'admin@dandi.test', 'pw-for-the-test')"
    )
    from dandiops.core.settings import connect_origin

    public = tomllib.loads(sandbox.config_path.read_text())["environments"]["staging"]["api_url"]
    api = connect_origin(public, sandbox.environment())  # the loopback router standing for DNS

    with httpx.Client(base_url=api, timeout=30, follow_redirects=False) as client:
        to_github = csrf_post(client, f"{api}/accounts/github/login/", {})
        assert to_github.status_code == 302, to_github.text[:500]
        location = urlsplit(to_github.headers["location"])
        query = parse_qs(location.query)
        assert (location.netloc, location.path) == ("github.com", "/login/oauth/authorize")
        assert query["client_id"] == [GITHUB_ID]
        assert query["redirect_uri"][0].endswith("/accounts/github/login/callback/")

        login = csrf_post(
            client,
            f"{api}/admin/login/?next=/admin/",
            {"username": "admin@dandi.test", "password": "pw-for-the-test", "next": "/admin/"},
        )
        assert login.status_code == 302, login.text[:500]
        verifier = "v" * 64
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
        authorize = client.get(
            "/oauth/authorize/",
            params={
                "client_id": WEB_CLIENT_ID,
                "response_type": "code",
                "redirect_uri": "https://staging.dandi.test/",
                "code_challenge": challenge,
                "code_challenge_method": "S256",
                "state": "s1",
            },
        )
        assert authorize.status_code == 302, authorize.text[:500]
        back = urlsplit(authorize.headers["location"])
        assert f"{back.scheme}://{back.netloc}{back.path}" == "https://staging.dandi.test/"
        assert parse_qs(back.query)["state"] == ["s1"] and parse_qs(back.query)["code"]
