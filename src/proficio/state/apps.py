from django.apps import AppConfig


class StateConfig(AppConfig):
    name = "proficio.state"
    label = "state"
    verbose_name = "State accountability"
