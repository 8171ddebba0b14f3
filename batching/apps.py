from django.apps import AppConfig


class BatchingConfig(AppConfig):
    name = "batching"
    default_auto_field = "django.db.models.BigAutoField"
