from django.urls import path

from planner.portfolios import views

urlpatterns = [
    path("", views.portfolio_list, name="portfolio-list"),
    path("new/", views.portfolio_create, name="portfolio-create"),
    path("compare/", views.portfolio_compare, name="portfolio-compare"),
    path("<int:portfolio_id>/", views.portfolio_detail, name="portfolio-detail"),
    path("<int:portfolio_id>/edit/", views.portfolio_edit, name="portfolio-edit"),
    path("<int:portfolio_id>/run/", views.portfolio_run_create, name="portfolio-run-create"),
    path("runs/<int:run_id>/", views.portfolio_run, name="portfolio-run"),
    path("runs/<int:run_id>/status.json", views.portfolio_run_status, name="portfolio-run-status"),
]
