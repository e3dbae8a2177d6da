from django.apps import AppConfig


class GraduationConfig(AppConfig):
    name = "proficio.graduation"
    label = "graduation"
    verbose_name = "Graduation requirements and diplomas"
    default_auto_field = "django.db.models.BigAutoField"
