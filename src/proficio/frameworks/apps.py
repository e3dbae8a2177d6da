from django.apps import AppConfig


class FrameworksConfig(AppConfig):
    name = "proficio.frameworks"
    label = "frameworks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from proficio.frameworks import definitions

        definitions.connect()
