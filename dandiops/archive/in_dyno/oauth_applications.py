# Runs INSIDE a one-off dyno of a DANDI Archive app, as `python manage.py shell -c <this file>`.
# dandiops never imports it. It reads, and never writes, django-oauth-toolkit's applications: the
# web app signs users in through one of them (migration 0028 makes "DANDI GUI"; `dandiops auth
# setup` sets its client id and the web app's redirect URI). The answer is one line,
# "DANDIOPS-RESULT <json>": each application's client id, name and redirect URIs, never a secret.
import json

from oauth2_provider.models import get_application_model

RESULT_PREFIX = "DANDIOPS-RESULT "


def _main():
    applications = [
        {"client_id": app.client_id, "name": app.name, "redirect_uris": app.redirect_uris.split()}
        for app in get_application_model().objects.order_by("pk")
    ]
    print("\n" + RESULT_PREFIX + json.dumps({"applications": applications}), flush=True)


_main()
