from django.urls import path

from proficio.graduation import views

app_name = "graduation"
urlpatterns = [
    path("graduation/", views.mine, name="mine"),
    path("graduation/caseload/", views.caseload, name="caseload"),
    path("graduation/student/<int:student_id>/", views.student, name="student"),
    path("graduation/student/<int:student_id>/award/", views.award, name="award"),
    path("graduation/student/<int:student_id>/entry/", views.entry, name="entry"),
    path("graduation/student/<int:student_id>/rubric/", views.rubric, name="rubric"),
    path("graduation/student/<int:student_id>/alternative/", views.alternative, name="alternative"),
    path("graduation/student/<int:student_id>/opt-in/", views.opt_in, name="opt_in"),
    path("graduation/diploma/<int:diploma_id>/rescind/", views.rescind, name="rescind"),
    path("graduation/district/<int:org_id>/", views.cohorts, name="cohorts"),
    path("graduation/requirements/", views.requirement_sets, name="requirement_sets"),
    path("graduation/requirements/<int:set_id>/", views.requirement_set, name="requirement_set"),
    path(
        "graduation/requirements/new/<int:org_id>/",
        views.requirement_set_new,
        name="requirement_set_new",
    ),
]
