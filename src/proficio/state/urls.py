from django.urls import path

from proficio.state import views

app_name = "state"
urlpatterns = [
    path("state/", views.home, name="home"),
    path("state/plan/new/", views.plan_new, name="plan_new"),
    path("state/plan/<int:version_id>/", views.plan_version, name="plan_version"),
    path("state/plan/<int:version_id>/adopt/", views.plan_adopt, name="plan_adopt"),
    path("state/schools/<int:org_id>/", views.scorecard, name="scorecard"),
    path("state/pilots/new/", views.pilot_new, name="pilot_new"),
    path("state/pilots/<int:pilot_id>/", views.pilot, name="pilot"),
    path("state/pilots/<int:pilot_id>/tasks/new/", views.pilot_task_new, name="pilot_task_new"),
    path(
        "state/pilots/<int:pilot_id>/tasks/<int:task_id>/sessions/",
        views.pilot_session_add,
        name="pilot_session_add",
    ),
    path(
        "state/pilots/<int:pilot_id>/accountability/",
        views.pilot_accountability,
        name="pilot_accountability",
    ),
    path("report-cards/", views.report_cards, name="report_cards"),
    path("report-cards/open-data.csv", views.open_data, name="open_data_state"),
    path("report-cards/<int:org_id>/", views.report_card, name="report_card"),
    path("report-cards/<int:org_id>/open-data.csv", views.open_data, name="open_data"),
]
