"""Celery task: a thin wrapper that takes the comparison run's id and calls the service."""

from __future__ import annotations

from django.conf import settings

from planner.celery import app
from planner.sites import services


@app.task(
    name="planner.sites.comparison_execute",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.RUN_SOFT_TIME_LIMIT_S,
    time_limit=settings.RUN_HARD_TIME_LIMIT_S,
)
def comparison_execute_task(run_id: int) -> None:
    services.comparison_run_execute(run_id=run_id)
