"""URLs of the REST API, mounted at /api/v1/ by planner/urls.py."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from planner.api.views import catalog, comparisons, estimate, reports, runs, scenarios, tokens
from planner.api.views.base import not_found
from planner.portfolios.api_urls import urlpatterns as portfolio_urls

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(api_version="v1"), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path(
        "redoc/",
        SpectacularRedocView.as_view(url_name="api-schema", template_name="api/redoc.html"),
        name="api-redoc",
    ),
    path("tokens/", tokens.token_page, name="api-tokens"),
    path("auth/token/", tokens.TokenView.as_view(), name="api-token"),
    path("organisations/", scenarios.OrganisationListView.as_view(), name="api-organisations"),
    path("scenarios/", scenarios.ScenarioListView.as_view(), name="api-scenario-list"),
    path("scenarios/<int:scenario_id>/", scenarios.ScenarioDetailView.as_view(), name="api-scenario-detail"),
    path("scenarios/<int:scenario_id>/runs/", runs.ScenarioRunsView.as_view(), name="api-scenario-runs"),
    path("runs/", runs.RunListView.as_view(), name="api-run-list"),
    path("runs/<int:run_id>/", runs.RunDetailView.as_view(), name="api-run-detail"),
    path("runs/<int:run_id>/result/", runs.RunResultView.as_view(), name="api-run-result"),
    path("runs/<int:run_id>/reports/", reports.RunReportsView.as_view(), name="api-run-reports"),
    path("reports/<int:report_id>/", reports.ReportDetailView.as_view(), name="api-report-detail"),
    path("reports/<int:report_id>/download/", reports.ReportDownloadView.as_view(), name="api-report-download"),
    path("estimate", estimate.EstimateView.as_view(), name="api-estimate"),
    *portfolio_urls,
    path("comparisons/", comparisons.ComparisonListView.as_view(), name="api-comparison-list"),
    path("comparisons/<int:comparison_id>/", comparisons.ComparisonDetailView.as_view(), name="api-comparison-detail"),
    path("comparisons/<int:comparison_id>/runs/", comparisons.ComparisonRunsView.as_view(), name="api-comparison-runs"),
    path(
        "comparison-runs/<int:run_id>/", comparisons.ComparisonRunDetailView.as_view(), name="api-comparison-run-detail"
    ),
    path(
        "comparison-runs/<int:run_id>/result/",
        comparisons.ComparisonRunResultView.as_view(),
        name="api-comparison-run-result",
    ),
    path("studies/", include("planner.studies.api_urls")),
]
for _name in catalog.CATALOGS:
    urlpatterns += [
        path(f"{_name}/", catalog.LIST_VIEWS[_name].as_view(), name=f"api-{_name}-list"),
        path(f"{_name}/<str:slug>/", catalog.DETAIL_VIEWS[_name].as_view(), name=f"api-{_name}-detail"),
    ]
# Anything else under /api/v1/ (an unknown path, an id that is not a number): the JSON error body.
urlpatterns.append(re_path(r"^[\s\S]*$", not_found, name="api-not-found"))  # [\s\S]: a path with a newline too
