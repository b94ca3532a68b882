from django.urls import path

from planner.studies import views

urlpatterns = [
    path("", views.study_list, name="study-list"),
    path("new/<int:scenario_id>/", views.study_create, name="study-create"),
    path("<int:study_id>/", views.study_detail, name="study-detail"),
    path("<int:study_id>/run/", views.study_run_create, name="study-run-create"),
    path("runs/<int:run_id>/", views.study_run_detail, name="study-run-detail"),
    path("runs/<int:run_id>/status.json", views.study_run_status, name="study-run-status"),
    path("runs/<int:run_id>/data.json", views.study_run_data, name="study-run-data"),
    path("runs/<int:run_id>/adopt/", views.study_point_adopt, name="study-point-adopt"),
    path("runs/<int:run_id>/cancel/", views.study_run_cancel, name="study-run-cancel"),
    path("runs/<int:run_id>/report.pdf", views.study_run_report, name="study-run-report"),
    path("runs/<int:run_id>/points.<str:fmt>", views.study_run_download, name="study-run-download"),
]
