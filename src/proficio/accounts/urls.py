from django.urls import path

from proficio.accounts import client_views, people_views, sso, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("language/", views.language_view, name="language"),
    # Password reset by email (Django's flow) and invitations (the same flow, own token).
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("reset/done/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("invitation/<uidb64>/<token>/", views.InvitationView.as_view(), name="invitation"),
    # Single sign-on (OpenID Connect).
    path("sso/start/", sso.AuthenticateView.as_view(), name="sso_start"),
    path("sso/callback/", sso.CallbackView.as_view(), name="sso_callback"),
    # Administering people.
    path("people/", people_views.people, name="people"),
    path("people/invite/", people_views.invite, name="invite"),
    path("people/<int:person_id>/", people_views.person_detail, name="person"),
    path("people/<int:person_id>/deactivate/", people_views.deactivate, name="deactivate"),
    path("people/<int:person_id>/reactivate/", people_views.reactivate, name="reactivate"),
    path("people/<int:person_id>/unlock/", people_views.unlock, name="unlock"),
    path(
        "people/<int:person_id>/password-reset/",
        people_views.reset_password,
        name="send_password_reset",
    ),
    path(
        "people/<int:person_id>/invitation/",
        people_views.resend_invitation,
        name="resend_invitation",
    ),
    path("people/<int:person_id>/roles/", people_views.add_role, name="add_role"),
    path(
        "people/<int:person_id>/roles/<int:membership_id>/end/",
        people_views.end_role,
        name="end_role",
    ),
    # Machine clients (OAuth 2.0 client credentials).
    path("clients/", client_views.clients, name="clients"),
    path("clients/<int:client_id>/", client_views.client_detail, name="client"),
    path("clients/<int:client_id>/secret/", client_views.client_secret, name="client_secret"),
    path("clients/<int:client_id>/revoke/", client_views.client_revoke, name="client_revoke"),
]
