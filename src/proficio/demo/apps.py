from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "proficio.demo"
    label = "demo"
