from django.urls import path

from proficio.lrs import views

app_name = "lrs"
urlpatterns = [
    path("", views.home, name="home"),
    path("alignments/<int:alignment_id>/remove/", views.alignment_remove, name="alignment_remove"),
]
