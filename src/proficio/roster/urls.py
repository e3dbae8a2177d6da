from django.urls import path

from proficio.roster import views

app_name = "roster"
urlpatterns = [
    path("import/", views.upload, name="import"),
    path("import/<int:job_id>/", views.import_job, name="import_job"),
    path("import/<int:job_id>/progress/", views.import_progress, name="import_progress"),
]
