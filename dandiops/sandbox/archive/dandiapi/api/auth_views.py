"""Mirrors dandiapi/api/views/auth.py: the OAuth authorize endpoint, which sends a signed-in user who
has not answered the questionnaire to it first, and the questionnaire itself. (The real endpoint
also sends any user without a first or last name to a shorter form asking for them; not imitated.)

The first answer decides a new user's status: APPROVED for an address the archive trusts (.edu and
a few institutions), PENDING for every other, with the emails of each sent for every social account
(GitHub) the user signed up with. The real view is a DRF view (an anonymous request gets 403); here
an anonymous one is sent to sign in.
"""

from __future__ import annotations

import json
from json.decoder import JSONDecodeError
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from oauth2_provider.views.base import AuthorizationView

from dandiapi.api.mail import send_approved_user_message, send_new_user_message_email, send_registered_notice_email
from dandiapi.api.models import UserMetadata

QUESTIONS = [
    {"question": "First Name", "max_length": 100},
    {"question": "Last Name", "max_length": 100},
    {"question": "What do you plan to use DANDI for?", "max_length": 1000},
    {"question": "Please list any affiliations you have.", "max_length": 1000},
]
NEW_USER_QUESTIONS = QUESTIONS  # for new users
AUTO_APPROVED_SUFFIXES = (
    ".edu",
    "@alleninstitute.org",
    "@nih.gov",
    "@janelia.hhmi.org",
    "@ccf.org",
    ".ac.uk",
    ".mcgill.ca",
    "@epfl.ch",
)


def _to_questionnaire(request, questions) -> HttpResponseRedirect:
    query = request.META["QUERY_STRING"]
    return HttpResponseRedirect(
        f"{reverse('user-questionnaire')}?{query}&{urlencode({'QUESTIONS': json.dumps(questions)})}"
    )


@require_http_methods(["GET"])
def authorize_view(request):
    user = request.user
    if user.is_authenticated and not user.is_superuser and user.metadata.status == UserMetadata.Status.INCOMPLETE:
        return _to_questionnaire(request, NEW_USER_QUESTIONS)
    return AuthorizationView.as_view()(request)


@require_http_methods(["GET", "POST"])
@login_required
def user_questionnaire_form_view(request):
    user = request.user
    if request.method == "POST":
        metadata = user.metadata
        already_filled_out = metadata.questionnaire_form is not None
        body = request.POST.dict()
        metadata.questionnaire_form = {
            q["question"]: body[q["question"]][: q["max_length"]] if body.get(q["question"]) is not None else None
            for q in QUESTIONS
        }
        for field, question in (("first_name", "First Name"), ("last_name", "Last Name")):
            if body.get(question):
                setattr(user, field, body[question])
                user.save(update_fields=[field])
        # Only the first answer of a user still INCOMPLETE decides the status and sends the emails.
        first_answer = not already_filled_out and metadata.status == UserMetadata.Status.INCOMPLETE
        if first_answer:
            trusted = user.email.endswith(AUTO_APPROVED_SUFFIXES)
            metadata.status = UserMetadata.Status.APPROVED if trusted else UserMetadata.Status.PENDING
        metadata.save()
        if first_answer:
            for socialaccount in user.socialaccount_set.all():
                if metadata.status == UserMetadata.Status.APPROVED:
                    send_approved_user_message(user, socialaccount)
                else:
                    send_registered_notice_email(user, socialaccount)
                    send_new_user_message_email(user, socialaccount)
        return HttpResponseRedirect(f"{reverse('authorize').rstrip('/')}/?{request.META['QUERY_STRING']}")
    try:
        questions = json.loads(request.GET.get("QUESTIONS"))
    except (JSONDecodeError, TypeError):
        raise Http404() from None
    return render(
        request,
        "api/account/questionnaire_form.html",
        {"questions": questions, "query_params": request.GET.dict(), "dandi_web_app_url": settings.DANDI_WEB_APP_URL},
    )
