from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "proficio.moderation"
    label = "moderation"
    verbose_name = "Moderation and calibration"
    default_auto_field = "django.db.models.BigAutoField"
