from django.apps import AppConfig


class CredentialsConfig(AppConfig):
    name = "proficio.credentials"
    label = "credentials"
    verbose_name = "Verifiable credentials"
    default_auto_field = "django.db.models.BigAutoField"
