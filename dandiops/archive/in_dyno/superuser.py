# Runs INSIDE a one-off dyno of a DANDI Archive app, as `python manage.py shell -c <this file>`.
# dandiops never imports it. The email comes in DJANGO_SUPERUSER_EMAIL and the password in
# DJANGO_SUPERUSER_PASSWORD (the names Django's `createsuperuser --noinput` reads), the mode in
# DANDIOPS_REQUEST; nothing secret is in the command text. The answer is one line,
# "DANDIOPS-RESULT <json>".
#
# An existing user is reported and left alone: the archive's createsuperuser (email as username,
# email not unique) would otherwise refuse it or fail on the username's unique constraint.
# The archive stores the email as Django's normalize_email leaves it (domain lower-cased), in
# both username and email; the user is looked up and reported under that address.
import base64
import json
import os
import zlib

from django.contrib.auth.models import User
from django.core.management import call_command
from django.db.models import Q

RESULT_PREFIX = "DANDIOPS-RESULT "


def _existing(email):
    return User.objects.filter(Q(username__iexact=email) | Q(email__iexact=email)).order_by("id").first()


def _main():
    request = json.loads(zlib.decompress(base64.b64decode(os.environ["DANDIOPS_REQUEST"])))
    email = User.objects.normalize_email(os.environ["DJANGO_SUPERUSER_EMAIL"])
    existing = _existing(email)
    result = {"email": email, "exists": existing is not None, "created": False}
    if existing is not None:
        result.update(
            username=existing.username,
            is_superuser=existing.is_superuser,
            is_staff=existing.is_staff,
            is_active=existing.is_active,
        )
    elif request.get("mode") == "create":
        # The project's own createsuperuser (the archive's override: APPROVED metadata, email as
        # username), non-interactive: the password comes from DJANGO_SUPERUSER_PASSWORD.
        call_command("createsuperuser", interactive=False, email=email, verbosity=0)
        created = _existing(email)
        result.update(
            created=True,
            username=created.username,
            is_superuser=created.is_superuser,
            is_staff=created.is_staff,
            is_active=created.is_active,
        )
    print("\n" + RESULT_PREFIX + json.dumps(result), flush=True)


_main()
