from django.urls import path

from planner.scenarios import views

urlpatterns = [
    path("", views.scenario_list, name="scenario-list"),
    path("scenarios/new/", views.scenario_create, name="scenario-create"),
    path("scenarios/<int:scenario_id>/", views.scenario_detail, name="scenario-detail"),
    path("scenarios/<int:scenario_id>/edit/", views.scenario_edit, name="scenario-edit"),
    path("scenarios/<int:scenario_id>/clone/", views.scenario_clone, name="scenario-clone"),
    path("scenarios/<int:scenario_id>/history/", views.scenario_history, name="scenario-history"),
    path("scenarios/<int:scenario_id>/history/<int:version>/", views.scenario_revision, name="scenario-revision"),
    path(
        "scenarios/<int:scenario_id>/history/<int:version>/restore/",
        views.scenario_restore,
        name="scenario-restore",
    ),
    path("scenarios/<int:scenario_id>/run/", views.run_create, name="run-create"),
    path("runs/", views.run_list, name="run-list"),
    path("runs/compare/", views.run_compare, name="run-compare"),
    path("runs/<int:run_id>/", views.run_detail, name="run-detail"),
    path("runs/<int:run_id>/status.json", views.run_status, name="run-status"),
    path("runs/<int:run_id>/hourly.json", views.run_hourly, name="run-hourly"),
    path("runs/<int:run_id>/levers.json", views.run_levers, name="run-levers"),
    path("runs/<int:run_id>/rerun/", views.run_rerun, name="run-rerun"),
    path("uploads/", views.upload_list, name="upload-list"),
    path("uploads/new/", views.upload_create, name="upload-create"),
    path("uploads/<int:upload_id>/", views.upload_detail, name="upload-detail"),
    path("uploads/<int:upload_id>/data.json", views.upload_data, name="upload-data"),
    path("catalog/", views.catalog, name="catalog"),
    path("catalog/<slug:section>/", views.catalog, name="catalog-section"),
    path("organisations/", views.organisation_list, name="organisation-list"),
    path("organisations/<int:organisation_id>/", views.organisation_detail, name="organisation-detail"),
    path(
        "organisations/<int:organisation_id>/members/",
        views.organisation_member_set,
        name="organisation-member-set",
    ),
]
