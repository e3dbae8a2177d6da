from django.urls import path

from proficio.insights import views

app_name = "insights"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:org_id>/", views.dashboard, name="dashboard"),
    path("<int:org_id>/off-pace/", views.off_pace, name="off_pace"),
    path("<int:org_id>/export.<str:fmt>", views.export, name="export"),
    path("<int:org_id>/state-export/", views.state_export, name="state_export"),
]
