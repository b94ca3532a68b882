from django.urls import path

from planner.sites import views

urlpatterns = [
    path("", views.comparison_list, name="site-comparison-list"),
    path("new/", views.comparison_create, name="site-comparison-create"),
    path("<int:comparison_id>/", views.comparison_detail, name="site-comparison-detail"),
    path("<int:comparison_id>/run/", views.comparison_run, name="site-comparison-run-create"),
    path("<int:comparison_id>/delete/", views.comparison_delete, name="site-comparison-delete"),
    path("runs/<int:run_id>/", views.run_detail, name="site-comparison-run"),
    path("runs/<int:run_id>/status.json", views.run_status, name="site-comparison-run-status"),
    path("runs/<int:run_id>/sites/<int:index>/", views.run_site, name="site-comparison-site"),
    path("runs/<int:run_id>/report.<str:kind>", views.run_report, name="site-comparison-report"),
]
