from django.urls import path

from proficio.web.views import audit, design, home, orgs, people

app_name = "web"
urlpatterns = [
    path("", home.home, name="home"),
    path("home/<str:role>/", home.role_home, name="role_home"),
    path("students/", people.student_list, name="student_list"),
    path("students/<int:student_id>/", people.student_detail, name="student_detail"),
    path("students/<int:student_id>/access/", audit.student_access_log, name="student_access"),
    path("sections/<int:section_id>/", orgs.section_detail, name="section_detail"),
    path("organizations/<int:org_id>/", orgs.organization_detail, name="organization_detail"),
    path("audit/", audit.audit_log, name="audit_log"),
    path("design/", design.style_guide, name="design"),
]
