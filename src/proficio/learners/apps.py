from django.apps import AppConfig


class LearnersConfig(AppConfig):
    name = "proficio.learners"
    label = "learners"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from proficio.accounts.roles import Role
        from proficio.learners.views import student_home
        from proficio.web.views.home import register_home

        register_home(Role.STUDENT, student_home)
