from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "proficio.audit"
    label = "audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # All models are loaded by now, whichever app defines them.
        from proficio.audit import signals

        signals.connect_student_records()
