from django.apps import AppConfig


class TranscriptsConfig(AppConfig):
    name = "proficio.transcripts"
    label = "transcripts"
    verbose_name = "Competency transcripts"
    default_auto_field = "django.db.models.BigAutoField"
