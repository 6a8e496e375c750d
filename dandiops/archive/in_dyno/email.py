# Runs INSIDE a one-off dyno of a DANDI Archive app, as `python manage.py shell -c <mail_errors.py
# then this file>`. dandiops never imports it. The request ({"to", "subject", "body"}) comes in
# the DANDIOPS_REQUEST env var (base64 of zlib-compressed JSON); the answer is one line,
# "DANDIOPS-RESULT <json>": whether the SMTP server took the message, or what it answered.
#
# The message goes out exactly as the archive's own mail does: Django's send_mail with the app's
# settings (DJANGO_EMAIL_URL, DJANGO_DEFAULT_FROM_EMAIL), only with a time limit on the connection
# so that an SMTP server that never answers is reported instead of waited for.
import base64
import json
import os
import zlib

from django.conf import settings
from django.core.mail import get_connection, send_mail

RESULT_PREFIX = "DANDIOPS-RESULT "
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
CONNECT_TIMEOUT = 30


def _main():
    request = json.loads(zlib.decompress(base64.b64decode(os.environ["DANDIOPS_REQUEST"])))
    backend = settings.EMAIL_BACKEND
    result = {
        "to": request["to"],
        "from": settings.DEFAULT_FROM_EMAIL,
        "backend": backend,
        "host": None,
        "port": None,
        "delivered": False,
        "error": None,
    }
    if backend != SMTP_BACKEND:
        result["error"] = f"the app's EMAIL_BACKEND is {backend}, which sends no mail"
    else:
        result.update(host=settings.EMAIL_HOST, port=settings.EMAIL_PORT)
        try:
            sent = send_mail(
                request["subject"],
                request["body"],
                None,  # DEFAULT_FROM_EMAIL, as the archive's messages
                [request["to"]],
                connection=get_connection(timeout=CONNECT_TIMEOUT),
            )
            result["delivered"] = sent == 1
        except Exception as exc:  # whatever stopped it is the answer
            result["error"] = _mail_error(exc)  # noqa: F821 - defined by mail_errors.py, sent ahead of this
    print("\n" + RESULT_PREFIX + json.dumps(result, default=str), flush=True)


_main()
