from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "planner.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        # Report builds are jobs of the shared lifecycle (planner.jobs), with their own time limits.
        from django.conf import settings

        from planner.jobs.lifecycle import JobKind, register_job_kind
        from planner.reports.models import Report
        from planner.reports.services import REPORT_JOB, report_compute

        register_job_kind(
            JobKind(
                name=REPORT_JOB,
                model=Report,
                execute=report_compute,
                soft_time_limit_s=settings.REPORT_SOFT_TIME_LIMIT_S,
                hard_time_limit_s=settings.REPORT_HARD_TIME_LIMIT_S,
            )
        )
