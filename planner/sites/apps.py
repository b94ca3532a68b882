from django.apps import AppConfig


class SitesConfig(AppConfig):
    name = "planner.sites"
    label = "sites"
    verbose_name = "Site comparisons"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Bind the comparison task to the Celery app in web and worker processes alike.
        from planner.sites import tasks  # noqa: F401
