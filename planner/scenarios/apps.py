from django.apps import AppConfig


class ScenariosConfig(AppConfig):
    name = "planner.scenarios"
    label = "scenarios"
    verbose_name = "Scenarios and runs"

    def ready(self) -> None:
        # Load the Celery app so that tasks bind to it in web processes, and the worker signals.
        from planner import celery  # noqa: F401
        from planner.scenarios import signals  # noqa: F401
