from django.urls import path

from proficio.educators import views

app_name = "educators"

urlpatterns = [
    path("", views.home, name="home"),
    path("profile/<int:profile_id>/", views.profile, name="profile"),
    path("profile/<int:profile_id>/license/", views.license, name="license"),
    path("growth/", views.growth_page, name="growth"),
    path("growth/<int:indicator_id>/", views.growth_indicator, name="growth_indicator"),
    path("plans/", views.plans, name="plans"),
    path("plans/<int:plan_id>/", views.plan, name="plan"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/<int:mc_id>/", views.micro_credential, name="micro_credential"),
    path("catalogue/new/<int:org_id>/", views.catalogue_new, name="catalogue_new"),
    path("catalogue/<int:org_id>/export.json", views.catalogue_export, name="catalogue_export"),
    path("catalogue/<int:org_id>/import/", views.catalogue_import, name="catalogue_import"),
    path("submissions/", views.submissions, name="submissions"),
    path("submissions/<int:submission_id>/", views.submission, name="submission"),
    path(
        "submissions/<int:submission_id>/files/<int:artifact_id>/",
        views.artifact,
        name="artifact",
    ),
    path("reviews/", views.reviews, name="reviews"),
    path("reviews/<int:submission_id>/", views.review, name="review"),
    path("credentials/", views.credentials, name="credentials"),
    path(
        "credentials/<str:credential_id>/download/",
        views.credential_download,
        name="credential_download",
    ),
    path("pathways/", views.pathways, name="pathways"),
    path("pathways/<int:pathway_id>/", views.pathway, name="pathway"),
    path("pathway-reviews/<int:enrollment_id>/", views.enrollment, name="enrollment"),
    path("program/<int:org_id>/", views.program, name="program"),
    path("program/<int:org_id>/payroll.csv", views.payroll, name="payroll"),
    path("dashboard/<int:org_id>/", views.dashboard, name="dashboard"),
    path("dashboard/<int:org_id>/pathways/", views.pathway_dashboard, name="pathway_dashboard"),
    path("sharing/", views.sharing, name="sharing"),
    path("coaching/<int:profile_id>/", views.coaching, name="coaching"),
]
