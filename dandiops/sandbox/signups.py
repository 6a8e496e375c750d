"""People who signed up to the running clone once it was live, and wait for an administrator's approval.

They come in as a real clone's users do. Signing in with GitHub leaves, in the app's database, what
allauth's GitHub callback makes of a new account (the user, named by their email, their verified
address and their GitHub social account), sends allauth's `user_signed_up` (the archive's listener
gives the user an INCOMPLETE status) and signs them in; that part runs in the app's environment, as
the sandbox has no GitHub sign-in for the app to call. Then each one, signed in, does what the web
app's sign-in sends them to do, over HTTP through the environment's router to its web process: the
OAuth authorize page sends them to the archive's questionnaire, and their answer (none of them has
an address the archive approves by itself) makes them PENDING and mails them and the admin.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

    from dandiops.sandbox.heroku.state import App
    from dandiops.sandbox.runtime import Sandbox


@dataclass(frozen=True)
class SignUp:
    email: str
    github_login: str
    github_id: int
    first_name: str
    last_name: str
    plans: str
    affiliations: str

    def github_account(self) -> dict[str, object]:
        """The GitHub user allauth keeps as the social account's extra data."""
        return {
            "login": self.github_login,
            "id": self.github_id,
            "name": f"{self.first_name} {self.last_name}",
            "email": self.email,
            "created_at": "2019-04-01T09:00:00Z",
        }

    def answers(self) -> dict[str, str]:
        """The questionnaire's answers, by the question each field is named after."""
        return {
            "First Name": self.first_name,
            "Last Name": self.last_name,
            "What do you plan to use DANDI for?": self.plans,
            "Please list any affiliations you have.": self.affiliations,
        }


PENDING_SIGN_UPS = (
    SignUp(
        "camillo.golgi@example.org",
        "cgolgi",
        51_001,
        "Camillo",
        "Golgi",
        "Share reconstructions of silver-stained cortical neurons.",
        "Golgi lab (example)",
    ),
    SignUp(
        "rita.levi-montalcini@example.org",
        "rlevimontalcini",
        51_002,
        "Rita",
        "Levi-Montalcini",
        "Publish nerve growth factor assays.",
        "Levi-Montalcini lab (example)",
    ),
    SignUp(
        "alan.hodgkin@example.net",
        "ahodgkin",
        51_003,
        "Alan",
        "Hodgkin",
        "Upload voltage-clamp recordings of the squid giant axon.",
        "Hodgkin lab (example)",
    ),
)
SIGN_UPS_VAR = "DANDIOPS_SANDBOX_SIGN_UPS"

# Run as `python manage.py shell -c` in the app's environment: the GitHub sign-in of each new user,
# printing one JSON line of their session keys by email.
_GITHUB_SIGN_IN = """
import json, os
from importlib import import_module
from allauth.account.models import EmailAddress
from allauth.account.signals import user_signed_up
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import User
from django.db import transaction
SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
sessions = {}
for person in json.loads(os.environ["%(var)s"]):
    with transaction.atomic():
        user = User(username=person["email"], email=person["email"])
        user.set_unusable_password()
        user.save()
        EmailAddress.objects.create(user=user, email=person["email"], verified=True, primary=True)
        SocialAccount.objects.create(user=user, provider="github", uid=str(person["github"]["id"]),
                                     extra_data=person["github"])
        user_signed_up.send(sender=User, request=None, user=user)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    sessions[person["email"]] = session.session_key
print(json.dumps(sessions))
""" % {"var": SIGN_UPS_VAR}

_CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"')
_FIELD = re.compile(r'<input type="text" name="([^"]+)"')


class SignUpFailed(RuntimeError):
    """A sign-up did not leave its user waiting for approval: which step, and what the archive answered."""


def sign_up(sandbox: "Sandbox", env_name: str, people: tuple[SignUp, ...] = PENDING_SIGN_UPS) -> list[str]:
    """Sign `people` up to environment `env_name`'s archive; returns their emails."""
    from dandiops.core.settings import connect_origin

    settings = sandbox.heroku.environment_settings(env_name)
    app = sandbox.heroku.state.find_app(settings["heroku_app"])
    if app is None:
        raise SignUpFailed(f"environment {env_name} has no app {settings['heroku_app']} to sign up to")
    sessions = _sign_in_with_github(sandbox, app, people)
    api_url, web_url = settings["api_url"].rstrip("/"), settings["web_url"].rstrip("/")
    origin = connect_origin(api_url, sandbox.environment())  # the environment's router
    for person in people:
        _answer_questionnaire(origin, api_url, web_url, sessions[person.email], person)
    return [person.email for person in people]


def _sign_in_with_github(sandbox: "Sandbox", app: "App", people: tuple[SignUp, ...]) -> dict[str, str]:
    from dandiops.sandbox.dyno import database, executor

    database.ensure_migrated(app)
    lines: list[str] = []
    status = executor.run_to_completion(
        app,
        f"python manage.py shell -v 0 -c {shlex.quote(_GITHUB_SIGN_IN)}",
        {SIGN_UPS_VAR: json.dumps([{"email": p.email, "github": p.github_account()} for p in people])},
        dyno_name="web.1",
        on_line=lines.append,
        ca_file=executor.platform_ca_file(sandbox.workdir),
    )
    if status != 0 or not lines:
        raise SignUpFailed(f"signing in with GitHub on {app.name} failed (status {status}):\n" + "\n".join(lines[-20:]))
    sessions: dict[str, str] = json.loads(lines[-1])
    return sessions


def _answer_questionnaire(origin: str, api_url: str, web_url: str, session: str, person: SignUp) -> None:
    """What the web app's sign-in leads a new user through: authorize, then the questionnaire."""
    from urllib.parse import urlencode

    import httpx

    from dandiops.archive.auth import DEFAULT_OAUTH_CLIENT_ID

    query = {"response_type": "code", "client_id": DEFAULT_OAUTH_CLIENT_ID, "redirect_uri": f"{web_url}/"}
    authorize = f"/oauth/authorize/?{urlencode(query)}"
    with httpx.Client(base_url=origin, timeout=60.0, follow_redirects=False) as client:
        client.cookies.set("sessionid", session)
        sent = client.get(authorize)
        questionnaire = _redirect(sent, "/api/users/questionnaire-form/", person, "the authorize page")
        form = client.get(questionnaire)
        token = _CSRF_FIELD.search(form.text)
        if form.status_code != 200 or token is None:
            raise SignUpFailed(f"{person.email}: the questionnaire answered {form.status_code}:\n{form.text[:500]}")
        answers = person.answers()
        data = {field: answers.get(field, "") for field in _FIELD.findall(form.text)}
        done = client.post(
            questionnaire,
            data={"csrfmiddlewaretoken": token.group(1), **data},
            headers={"Referer": f"{api_url}{questionnaire}"},
        )
        _redirect(done, "/oauth/authorize/", person, "the questionnaire")


def _redirect(response: "httpx.Response", path: str, person: SignUp, page: str) -> str:
    location = response.headers.get("location", "")
    if response.status_code != 302 or not location.startswith(path):
        raise SignUpFailed(
            f"{person.email}: {page} answered {response.status_code} {location}, not a redirect to {path}:\n"
            + response.text[:500]
        )
    return location
