from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "proficio.web"
    label = "web"
