from django.apps import AppConfig


class LrsConfig(AppConfig):
    name = "proficio.lrs"
    label = "lrs"
    verbose_name = "Learning-tool data (xAPI)"
    default_auto_field = "django.db.models.BigAutoField"
