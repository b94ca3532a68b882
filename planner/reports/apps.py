from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "planner.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        # Bind the report task to the Celery app in web and worker processes alike.
        from planner.reports import tasks  # noqa: F401
