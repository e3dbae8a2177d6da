from django.apps import AppConfig


class RosterConfig(AppConfig):
    name = "proficio.roster"
    label = "roster"
    verbose_name = "OneRoster import"
    default_auto_field = "django.db.models.BigAutoField"
