from django.apps import AppConfig


class StudiesConfig(AppConfig):
    name = "planner.studies"
    label = "studies"
    verbose_name = "Studies (sweeps, uncertainty, optimisation)"

    def ready(self) -> None:
        from planner.jobs.lifecycle import JobKind, register_job_kind
        from planner.studies import tasks  # noqa: F401  (registers the chunk and aggregate tasks with Celery)
        from planner.studies.models import StudyRun
        from planner.studies.services import (
            STUDY_HARD_LIMIT_S,
            STUDY_SOFT_LIMIT_S,
            study_progressed_since,
            study_recovery_verdict,
            study_run_execute,
        )

        register_job_kind(
            JobKind(
                name="study",
                model=StudyRun,
                execute=study_run_execute,
                soft_time_limit_s=STUDY_SOFT_LIMIT_S,
                hard_time_limit_s=STUDY_HARD_LIMIT_S,
                recovery_verdict=study_recovery_verdict,
                progressed_since=study_progressed_since,
            )
        )
