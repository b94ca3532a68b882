from django.urls import path

from planner.reports import views

urlpatterns = [
    path("runs/<int:run_id>/<str:kind>/", views.report_file, name="report-file"),
    path("portfolio-runs/<int:run_id>/<str:kind>/", views.portfolio_report_file, name="portfolio-report-file"),
]
