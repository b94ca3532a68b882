"""Celery task: a thin wrapper that takes a report id and calls the service (idempotent)."""

from __future__ import annotations

from django.conf import settings

from planner.celery import app


@app.task(
    name="planner.report_build",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.REPORT_SOFT_TIME_LIMIT_S,
    time_limit=settings.REPORT_HARD_TIME_LIMIT_S,
)
def report_build_task(report_id: int) -> None:
    from planner.reports import services

    services.report_build(report_id=report_id)
