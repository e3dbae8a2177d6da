from django.urls import path

from proficio.credentials import views

app_name = "credentials"
urlpatterns = [
    path("credentials/verify/", views.verify, name="verify"),
    path("credentials/wallet/", views.wallet, name="wallet"),
    path("credentials/wallet/all.json", views.wallet_download, name="wallet_download"),
    path("credentials/outside/", views.present_outside, name="outside"),
    path("credentials/student/<int:student_id>/", views.student_credentials, name="student"),
    path("credentials/district/<int:org_id>/", views.district_settings, name="district"),
    path("credentials/status/<str:list_id>", views.status_list, name="status_list"),
    path("credentials/<uuid:credential_id>/download", views.download, name="download"),
    path(
        "credentials/<uuid:credential_id>/<str:how>/",
        views.change_credential,
        name="change",
    ),
    path("credentials/<slug:code>/did.json", views.did_org, name="did_org"),
    path(".well-known/did.json", views.did_root, name="did_root"),
]
