from django.apps import AppConfig


class SitesConfig(AppConfig):
    name = "planner.sites"
    label = "sites"
    verbose_name = "Site comparisons"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings

        from planner.jobs.lifecycle import JobKind, register_job_kind
        from planner.sites.models import ComparisonRun
        from planner.sites.services import SITE_COMPARISON_JOB, comparison_compute

        # One run per site: the limits of a run, times the most sites a comparison may hold (8).
        register_job_kind(
            JobKind(
                name=SITE_COMPARISON_JOB,
                model=ComparisonRun,
                execute=comparison_compute,
                soft_time_limit_s=8 * settings.RUN_SOFT_TIME_LIMIT_S,
                hard_time_limit_s=8 * settings.RUN_HARD_TIME_LIMIT_S,
            )
        )
