"""The one Celery task that executes every kind of job, and the periodic recovery task.

Time limits travel with each message (set per kind by planner.jobs.lifecycle.publish).
"""

from __future__ import annotations

from django.conf import settings

from planner.celery import app
from planner.jobs import lifecycle


@app.task(
    name="planner.job_execute",
    acks_late=True,
    reject_on_worker_lost=True,
    Request="planner.jobs.worker:JobRequest",  # requeues the job when its pool child is lost
)
def job_execute_task(kind: str, job_id: int) -> None:
    lifecycle.job_execute(kind=kind, job_id=job_id)


@app.task(name="planner.job_recover", acks_late=False, ignore_result=True)
def job_recover_task(limit: int | None = None) -> int:
    return len(lifecycle.job_recover(limit=limit or settings.JOB_RECOVER_LIMIT))
