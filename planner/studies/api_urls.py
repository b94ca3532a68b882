"""Mounted at /api/v1/studies/ by planner/api/urls.py."""

from django.urls import path

from planner.api.views.reports import StudyRunReportsView
from planner.studies import api

urlpatterns = [
    path("", api.StudyListView.as_view(), name="api-study-list"),
    path("<int:study_id>/", api.StudyDetailView.as_view(), name="api-study-detail"),
    path("<int:study_id>/runs/", api.StudyRunsView.as_view(), name="api-study-runs"),
    path("runs/<int:run_id>/", api.StudyRunDetailView.as_view(), name="api-study-run-detail"),
    path("runs/<int:run_id>/cancel/", api.StudyRunCancelView.as_view(), name="api-study-run-cancel"),
    path(
        "runs/<int:run_id>/points/<int:index>/adopt/", api.StudyPointAdoptView.as_view(), name="api-study-point-adopt"
    ),
    path("runs/<int:run_id>/report.pdf", api.StudyRunReportView.as_view(), name="api-study-run-report"),
    path("runs/<int:run_id>/reports/", StudyRunReportsView.as_view(), name="api-study-run-reports"),
    path("runs/<int:run_id>/results/", api.StudyRunResultsView.as_view(), name="api-study-run-results"),
]
