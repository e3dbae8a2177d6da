from django.urls import path

from proficio.classroom import views

app_name = "classroom"
urlpatterns = [
    path("sections/<int:section_id>/grid/", views.class_grid, name="grid"),
    path("sections/<int:section_id>/grid.csv", views.class_grid_csv, name="grid_csv"),
    path("sections/<int:section_id>/scoring/", views.task_list, name="tasks"),
    path("sections/<int:section_id>/scoring/<int:task_id>/", views.scoring, name="scoring"),
    path(
        "sections/<int:section_id>/scoring/<int:task_id>/score/",
        views.score_cell,
        name="score",
    ),
    path(
        "sections/<int:section_id>/scoring/<int:task_id>/student/",
        views.task_student,
        name="task_student",
    ),
    path(
        "sections/<int:section_id>/gradebook.zip",
        views.gradebook_section,
        name="gradebook_section",
    ),
    path(
        "organizations/<int:org_id>/gradebook.zip",
        views.gradebook_organization,
        name="gradebook_organization",
    ),
    path("sections/<int:section_id>/groups/", views.groups, name="groups"),
    path("sections/<int:section_id>/groups/<int:set_id>/", views.group_set, name="group_set"),
]
