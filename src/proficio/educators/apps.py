from django.apps import AppConfig


class EducatorsConfig(AppConfig):
    name = "proficio.educators"
    label = "educators"
    verbose_name = "Educators as learners"
    default_auto_field = "django.db.models.BigAutoField"
