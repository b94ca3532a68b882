from django.apps import AppConfig


class PortfoliosConfig(AppConfig):
    name = "planner.portfolios"
    label = "portfolios"
    verbose_name = "Large-load portfolios"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from planner.portfolios import tasks  # noqa: F401  (registers the Celery task with the app)
