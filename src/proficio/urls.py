from django.urls import include, path
from oauth2_provider.views import TokenView

from proficio.api.main import api
from proficio.frameworks.case_api import case_urls

urlpatterns = [
    path("", include("proficio.web.urls")),
    path("accounts/", include("proficio.accounts.urls")),
    path("frameworks/", include("proficio.frameworks.urls")),
    path("", include("proficio.evidence.urls")),
    path("", include("proficio.mastery.urls")),
    path("moderation/", include("proficio.moderation.urls")),
    path("", include("proficio.learners.urls")),
    path("", include("proficio.classroom.urls")),
    path("", include("proficio.pace.urls")),
    path("insights/", include("proficio.insights.urls")),
    path("", include("proficio.credentials.urls")),
    path("", include("proficio.transcripts.urls")),
    path("", include("proficio.graduation.urls")),
    path("roster/", include("proficio.roster.urls")),
    path("learning-tools/", include("proficio.lrs.urls")),
    path("educators/", include("proficio.educators.urls")),
    path("notifications/", include("proficio.notifications.urls")),
    # OAuth 2.0 token endpoint for machine clients (client credentials only).
    path("oauth/token/", TokenView.as_view(), name="oauth_token"),
    path("", include("proficio.state.urls")),
    path("api/v1/", api.urls),
    path("ims/case/v1p1/", case_urls()),
]

handler400 = "proficio.web.views.errors.bad_request"
handler403 = "proficio.web.views.errors.permission_denied"
handler404 = "proficio.web.views.errors.page_not_found"
handler500 = "proficio.web.views.errors.server_error"
