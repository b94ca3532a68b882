from django.apps import AppConfig


class ScenariosConfig(AppConfig):
    name = "planner.scenarios"
    label = "scenarios"
    verbose_name = "Scenarios and runs"

    def ready(self) -> None:
        # Runs are jobs of the shared lifecycle (planner.jobs), with their own time limits.
        from django.conf import settings

        from planner.jobs.lifecycle import JobKind, register_job_kind
        from planner.scenarios.models import Run
        from planner.scenarios.services import RUN_JOB, run_compute

        register_job_kind(
            JobKind(
                name=RUN_JOB,
                model=Run,
                execute=run_compute,
                soft_time_limit_s=settings.RUN_SOFT_TIME_LIMIT_S,
                hard_time_limit_s=settings.RUN_HARD_TIME_LIMIT_S,
            )
        )
