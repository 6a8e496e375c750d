"""Mirrors the archive's api/0028_default_oauth_application: the OAuth application the web app uses.

Its client id is the default VITE_APP_OAUTH_CLIENT_ID of the frontend, and its redirect URI is the
development server's, http://localhost:8085/; every deployment must point it at its own web app.
"""

from django.db import migrations
from oauth2_provider.settings import oauth2_settings

DEFAULT_CLIENT_ID = "Dk0zosgt1GAAKfN8LT4STJmLJXwMDPbYWYzfNtAl"
DEVELOPMENT_REDIRECT_URI = "http://localhost:8085/"


def create_web_application(apps, schema_editor):
    Application = apps.get_model(oauth2_settings.APPLICATION_MODEL)
    Application.objects.get_or_create(
        client_id=DEFAULT_CLIENT_ID,
        defaults={
            "name": "DANDI GUI",
            "redirect_uris": DEVELOPMENT_REDIRECT_URI,
            "client_type": "public",
            "authorization_grant_type": "authorization-code",
            "client_secret": "",
            "skip_authorization": True,
        },
    )


def delete_web_application(apps, schema_editor):
    Application = apps.get_model(oauth2_settings.APPLICATION_MODEL)
    Application.objects.filter(client_id=DEFAULT_CLIENT_ID).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0002_default_site"),
        ("oauth2_provider", "0012_add_token_checksum"),
    ]

    operations = [
        migrations.RunPython(create_web_application, delete_web_application, elidable=False),
    ]
