"""Portfolio API paths, included by planner/api/urls.py under /api/v1/."""

from django.urls import path

from planner.api.views.reports import PortfolioRunReportsView
from planner.portfolios import api

urlpatterns = [
    path("portfolios/", api.PortfolioListView.as_view(), name="api-portfolio-list"),
    path("portfolios/<int:portfolio_id>/", api.PortfolioDetailView.as_view(), name="api-portfolio-detail"),
    path("portfolios/<int:portfolio_id>/runs/", api.PortfolioRunsView.as_view(), name="api-portfolio-runs"),
    path("portfolios/runs/<int:run_id>/", api.PortfolioRunDetailView.as_view(), name="api-portfolio-run-detail"),
    path("portfolios/runs/<int:run_id>/result/", api.PortfolioRunResultView.as_view(), name="api-portfolio-run-result"),
    path("portfolios/runs/<int:run_id>/reports/", PortfolioRunReportsView.as_view(), name="api-portfolio-run-reports"),
]
