from django.urls import path

from proficio.transcripts import views

app_name = "transcripts"
urlpatterns = [
    path("transcripts/mine/", views.mine, name="mine"),
    path("transcripts/students/<int:student_id>/", views.student, name="student"),
    path("transcripts/students/<int:student_id>/transcript.pdf", views.pdf, name="pdf"),
    path("transcripts/students/<int:student_id>/transcript.json", views.as_json, name="json"),
    path("transcripts/students/<int:student_id>/clr/", views.clr, name="clr"),
    path("transcripts/students/<int:student_id>/share/", views.share, name="share"),
    path("transcripts/shares/<uuid:link_id>/revoke/", views.revoke, name="revoke"),
    path("transcripts/shared/<str:token>/", views.shared, name="shared"),
    path("transcripts/districts/<int:org_id>/", views.district, name="district"),
    path("transcripts/classes/<int:job_id>/", views.class_issue, name="class_issue"),
]
