from django.urls import path

from proficio.pace import views

app_name = "pace"
urlpatterns = [
    path("pace/targets/", views.target_list, name="targets"),
    path("supports/", views.support_list, name="supports"),
    path("supports/effectiveness/", views.effectiveness, name="effectiveness"),
    path("supports/<int:plan_id>/", views.plan_detail, name="plan"),
    path("students/<int:student_id>/supports/new/", views.new_plan, name="new_plan"),
]
