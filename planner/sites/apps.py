from django.apps import AppConfig


class SitesConfig(AppConfig):
    name = "planner.sites"
    label = "sites"
    verbose_name = "Site comparisons"
    default_auto_field = "django.db.models.BigAutoField"
