from django.urls import path

from proficio.graduation import views

app_name = "graduation"
urlpatterns = [
    path("graduation/", views.mine, name="mine"),
    path("graduation/caseload/", views.caseload, name="caseload"),
    path("graduation/student/<int:student_id>/", views.student, name="student"),
    path("graduation/student/<int:student_id>/award/", views.award, name="award"),
    path("graduation/diploma/<int:diploma_id>/rescind/", views.rescind, name="rescind"),
    path("graduation/district/<int:org_id>/", views.cohorts, name="cohorts"),
]
