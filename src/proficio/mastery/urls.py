from django.urls import path

from proficio.mastery import views

app_name = "mastery"
urlpatterns = [
    path(
        "students/<int:student_id>/targets/<int:target_id>/",
        views.student_target,
        name="student_target",
    ),
    path(
        "students/<int:student_id>/targets/<int:target_id>/override/",
        views.override,
        name="override",
    ),
    path("mastery/policies/", views.policy_list, name="policies"),
    path("mastery/policies/<int:policy_id>/", views.policy_detail, name="policy"),
    path("mastery/policies/<int:policy_id>/preview/", views.policy_preview, name="policy_preview"),
    path("mastery/replays/<int:job_id>/", views.replay_progress, name="replay"),
    path("mastery/policies/<int:policy_id>/fit-bkt/", views.fit_bkt, name="fit_bkt"),
    path("mastery/rollup/<int:item_id>/", views.rollup_rule, name="rollup_rule"),
]
