from django.apps import AppConfig


class CredentialsConfig(AppConfig):
    name = "proficio.credentials"
    label = "credentials"
    verbose_name = "Verifiable credentials"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from proficio.credentials import signals
        from proficio.mastery.signals import standing_changed

        standing_changed.connect(signals.standing_changed, dispatch_uid="level-credentials")
