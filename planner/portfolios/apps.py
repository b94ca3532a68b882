from django.apps import AppConfig


class PortfoliosConfig(AppConfig):
    name = "planner.portfolios"
    label = "portfolios"
    verbose_name = "Large-load portfolios"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Portfolio runs are jobs of the shared lifecycle (planner.jobs), with the runs' time limits.
        from django.conf import settings

        from planner.jobs.lifecycle import JobKind, register_job_kind
        from planner.portfolios.models import PortfolioRun
        from planner.portfolios.services import PORTFOLIO_RUN_JOB, portfolio_run_execute

        register_job_kind(
            JobKind(
                name=PORTFOLIO_RUN_JOB,
                model=PortfolioRun,
                execute=portfolio_run_execute,
                soft_time_limit_s=settings.RUN_SOFT_TIME_LIMIT_S,
                hard_time_limit_s=settings.RUN_HARD_TIME_LIMIT_S,
            )
        )
