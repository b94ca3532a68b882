"""Celery tasks: thin wrappers that take ids and call services."""

from __future__ import annotations

from django.conf import settings

from planner.celery import app
from planner.scenarios import services


@app.task(
    name="planner.run_execute",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.RUN_SOFT_TIME_LIMIT_S,
    time_limit=settings.RUN_HARD_TIME_LIMIT_S,
)
def run_execute_task(run_id: int) -> None:
    services.run_execute(run_id=run_id)
