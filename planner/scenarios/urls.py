from django.urls import path

from planner.scenarios import views

urlpatterns = [
    path("", views.scenario_list, name="scenario-list"),
    path("scenarios/new/", views.scenario_create, name="scenario-create"),
    path("scenarios/<int:scenario_id>/", views.scenario_detail, name="scenario-detail"),
    path("scenarios/<int:scenario_id>/edit/", views.scenario_edit, name="scenario-edit"),
    path("scenarios/<int:scenario_id>/clone/", views.scenario_clone, name="scenario-clone"),
    path("scenarios/<int:scenario_id>/run/", views.run_create, name="run-create"),
    path("runs/<int:run_id>/", views.run_detail, name="run-detail"),
    path("runs/<int:run_id>/status.json", views.run_status, name="run-status"),
    path("runs/<int:run_id>/hourly.json", views.run_hourly, name="run-hourly"),
    path("runs/<int:run_id>/rerun/", views.run_rerun, name="run-rerun"),
]
