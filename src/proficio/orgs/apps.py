from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "proficio.orgs"
    label = "orgs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db import connections
        from django.db.backends.signals import connection_created

        from proficio.orgs.search import register_sqlite

        connection_created.connect(register_sqlite, dispatch_uid="proficio-unaccent")
        # Connections opened before this ran (none usually) get the function too.
        for conn in connections.all(initialized_only=True):
            if conn.connection is not None:
                register_sqlite(None, conn)
