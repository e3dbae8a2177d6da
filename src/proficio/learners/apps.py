from django.apps import AppConfig


class LearnersConfig(AppConfig):
    name = "proficio.learners"
    label = "learners"
    default_auto_field = "django.db.models.BigAutoField"
