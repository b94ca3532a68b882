from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.urls import include, path

from planner.login_views import ThrottledLoginView


def healthz(_request: object) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


# A page form over the size limit: a 413 page saying so, not a bare "Bad Request (400)".
handler400 = "planner.request_limits.bad_request"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", ThrottledLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include("planner.api.urls")),
    path("reports/", include("planner.reports.urls")),
    path("portfolios/", include("planner.portfolios.urls")),
    path("sites/", include("planner.sites.urls")),
    path("studies/", include("planner.studies.urls")),
    path("", include("planner.scenarios.urls")),
]
