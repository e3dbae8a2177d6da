from django.apps import AppConfig


class PaceConfig(AppConfig):
    name = "proficio.pace"
    label = "pace"
    default_auto_field = "django.db.models.BigAutoField"
