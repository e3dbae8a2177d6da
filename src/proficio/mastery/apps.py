from django.apps import AppConfig


class MasteryConfig(AppConfig):
    name = "proficio.mastery"
    label = "mastery"
    default_auto_field = "django.db.models.BigAutoField"
