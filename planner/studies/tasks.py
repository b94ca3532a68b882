"""Celery tasks of a study run: a chunk of points, and the chord's callback. They take ids, call services."""

from __future__ import annotations

from celery import shared_task

from planner.studies import services

CHUNK_MAX_RETRIES = 2


@shared_task(
    bind=True,
    name="planner.study_chunk",
    acks_late=True,
    ignore_result=False,  # the chord counts its header's results (Redis result backend)
    autoretry_for=(Exception,),
    max_retries=CHUNK_MAX_RETRIES,
    retry_backoff=1,
    retry_jitter=False,
    soft_time_limit=services.CHUNK_SOFT_LIMIT_S,
    time_limit=services.CHUNK_HARD_LIMIT_S,
)
def study_chunk_task(self, run_id: int, points: list) -> int:
    return services.study_chunk_compute(
        run_id=run_id,
        points=points,
        final_attempt=self.request.retries >= CHUNK_MAX_RETRIES,
        worker=self.request.hostname or "in-process",
        attempt=self.request.retries + 1,
    )


@shared_task(name="planner.study_aggregate", acks_late=True, soft_time_limit=300, time_limit=360)
def study_aggregate_task(run_id: int) -> None:
    services.study_run_aggregate(run_id=run_id)
