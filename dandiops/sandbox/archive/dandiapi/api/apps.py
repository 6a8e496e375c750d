from django.apps import AppConfig


class PublishConfig(AppConfig):
    name = "dandiapi.api"
    label = "api"
    verbose_name = "DANDI: Publish"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from dandiapi.api import signals  # noqa: F401  (connects the receivers, as upstream's ready() does)
