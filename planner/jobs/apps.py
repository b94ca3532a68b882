from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "planner.jobs"
    label = "jobs"
    verbose_name = "Jobs (one lifecycle for runs, reports and other background work)"

    def ready(self) -> None:
        # Bind the generic task to the Celery app, and add the worker's recovery timer.
        from planner import celery  # noqa: F401
        from planner.jobs import tasks, worker  # noqa: F401
