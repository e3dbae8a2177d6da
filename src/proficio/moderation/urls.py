from django.urls import path

from proficio.moderation import views

app_name = "moderation"
urlpatterns = [
    path("", views.session_list, name="list"),
    path("new/", views.session_create, name="create"),
    path("<int:session_id>/", views.session_detail, name="detail"),
    path("<int:session_id>/raters/", views.add_rater, name="add_rater"),
    path("<int:session_id>/samples/", views.add_sample, name="add_sample"),
    path("<int:session_id>/samples/draw/", views.draw_samples, name="draw_samples"),
    path("<int:session_id>/open/", views.open_scoring, name="open"),
    path("<int:session_id>/samples/<int:sample_id>/score/", views.score, name="score"),
    path("<int:session_id>/samples/<int:sample_id>/file/", views.sample_file, name="sample_file"),
    path("<int:session_id>/reveal/", views.reveal, name="reveal"),
    path("<int:session_id>/discuss/", views.discuss, name="discuss"),
    path("<int:session_id>/samples/<int:sample_id>/consensus/", views.consensus, name="consensus"),
    path("<int:session_id>/samples/<int:sample_id>/anchor/", views.anchor, name="anchor"),
    path("<int:session_id>/statistics/", views.statistics, name="statistics"),
    path("<int:session_id>/feedback/", views.feedback, name="feedback"),
    path("<int:session_id>/comparability/", views.comparability, name="comparability"),
    path("<int:session_id>/close/", views.close, name="close"),
]
