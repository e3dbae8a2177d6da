from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "proficio.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from proficio.accounts import signals  # noqa: F401  (connects the receivers)
