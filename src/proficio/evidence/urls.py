from django.urls import path

from proficio.evidence import views

app_name = "evidence"
urlpatterns = [
    path("students/<int:student_id>/evidence/new/", views.record, name="record"),
    path("evidence/<int:evidence_id>/review/", views.review, name="review"),
    path("evidence/<int:evidence_id>/resubmit/", views.resubmit, name="resubmit"),
    path("evidence/artifacts/<int:artifact_id>/", views.artifact, name="artifact"),
]
