from django.apps import AppConfig


class ScenariosConfig(AppConfig):
    name = "planner.scenarios"
    label = "scenarios"
    verbose_name = "Scenarios and runs"

    def ready(self) -> None:
        # Load the Celery app so that tasks bind to it in web processes, and the worker signals.
        # `check --deploy` flags a deployment running on the generated local key (planner/security.py).
        from django.core.checks import Tags, register

        from planner import celery, login_throttle  # noqa: F401  (login_throttle: counts failed sign-ins)
        from planner.scenarios import signals  # noqa: F401
        from planner.security import check_secret_key

        register(check_secret_key, Tags.security, deploy=True)
