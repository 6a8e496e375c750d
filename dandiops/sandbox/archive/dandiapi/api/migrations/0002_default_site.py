"""Mirrors the archive's api/0001_default_site: Site SITE_ID starts as the real archive's API domain.

On a new database this runs before the sites app's post_migrate signal would create example.com,
so the row is created here; a clone must change it (`dandiops auth setup` does).
"""

from django.conf import settings
from django.db import migrations

ARCHIVE_API_DOMAIN = "api.dandiarchive.org"
ARCHIVE_SITE_NAME = "DANDI Archive"


def point_site_at_the_archive(apps, schema_editor):
    Site = apps.get_model("sites", "Site")
    Site.objects.update_or_create(
        pk=settings.SITE_ID, defaults={"domain": ARCHIVE_API_DOMAIN, "name": ARCHIVE_SITE_NAME}
    )


def restore_example_site(apps, schema_editor):
    Site = apps.get_model("sites", "Site")
    Site.objects.filter(pk=settings.SITE_ID).update(domain="example.com", name="example.com")


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_initial"),
        ("sites", "0002_alter_domain_unique"),
    ]

    operations = [
        migrations.RunPython(point_site_at_the_archive, restore_example_site, elidable=False),
    ]
