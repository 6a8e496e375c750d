from django.apps import AppConfig


class PublishConfig(AppConfig):
    name = "dandiapi.api"
    label = "api"
    verbose_name = "DANDI: Publish"
    default_auto_field = "django.db.models.BigAutoField"
