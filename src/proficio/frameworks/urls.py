from django.urls import path

from proficio.frameworks import views

app_name = "frameworks"
urlpatterns = [
    path("", views.framework_list, name="list"),
    path("new/", views.framework_create, name="create"),
    path("import/", views.import_upload, name="import"),
    path("import/<int:job_id>/", views.import_job, name="import_job"),
    path("import/<int:job_id>/progress/", views.import_progress, name="import_progress"),
    path("<int:framework_id>/", views.framework_detail, name="detail"),
    path("<int:framework_id>/export.json", views.framework_export, name="export"),
    path("<int:framework_id>/publish/", views.framework_publish, name="publish"),
    path("<int:framework_id>/items/new/", views.item_create, name="item_create"),
    path("<int:framework_id>/items/<int:item_id>/", views.item_detail, name="item"),
    path("<int:framework_id>/items/<int:item_id>/edit/", views.item_edit, name="item_edit"),
    path(
        "<int:framework_id>/items/<int:item_id>/prerequisites/",
        views.prerequisite_add,
        name="prerequisite_add",
    ),
    path("<int:framework_id>/items/<int:item_id>/retire/", views.item_retire, name="item_retire"),
    path(
        "<int:framework_id>/items/<int:item_id>/levels/",
        views.level_statements_edit,
        name="level_statements",
    ),
    path("<int:framework_id>/history/", views.framework_history, name="history"),
    path(
        "<int:framework_id>/items/<int:item_id>/exemplars/", views.exemplar_add, name="exemplar_add"
    ),
    path("exemplars/<int:exemplar_id>/", views.exemplar_file, name="exemplar_file"),
]
