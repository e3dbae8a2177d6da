from django.urls import path

from proficio.learners import views

app_name = "learners"
urlpatterns = [
    path("learning/goals/", views.goal_add, name="goal_add"),
    path("learning/goals/<int:goal_id>/done/", views.goal_done, name="goal_done"),
    path("learning/reflections/", views.reflection_add, name="reflection_add"),
    path("learning/outside/", views.outside_learning, name="outside_learning"),
    path("learning/reassessment/", views.request_reassessment, name="request_reassessment"),
    path("learning/queue/", views.queue, name="queue"),
    path("learning/queue/<int:request_id>/", views.decide, name="decide"),
    path("learning/students/<int:student_id>/comments/", views.comments, name="comments"),
    path("family/<int:student_id>/", views.family_report, name="family_report"),
    path("family/<int:student_id>/report.pdf", views.family_report_pdf, name="family_report_pdf"),
]
