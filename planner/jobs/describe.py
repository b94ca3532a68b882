"""Words for what an unfinished job is waiting for, shown by pages and the API."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from planner.jobs.models import Job, JobStatus


def _ago(moment: datetime, now: datetime) -> str:
    seconds = max(0, int((now - moment).total_seconds()))
    if seconds < 120:
        return f"{seconds} s ago"
    if seconds < 7200:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h ago"


def job_waiting_for(job: Job, *, now: datetime | None = None) -> str:
    """'waiting for a worker since 12:01:07 UTC', 'worker host:123, heartbeat 3 s ago', or ''."""
    now = now or timezone.now()
    if job.status == JobStatus.QUEUED:
        from planner.jobs.lifecycle import embedded_mode

        since = job.dispatched_at or job.created_at
        who = "a local worker thread" if embedded_mode() else "a worker"
        text = f"waiting for {who} since {since:%H:%M:%S} UTC"
        if job.attempts:
            text += f" (requeued after attempt {job.attempts})"
        return text
    if job.status == JobStatus.RUNNING:
        beat = job.heartbeat_at or job.started_at
        text = f"worker {job.worker or 'unknown'}"
        return text + (f", heartbeat {_ago(beat, now)}" if beat else "")
    return ""


def job_is_stuck(job: Job, *, now: datetime | None = None) -> bool:
    """Unfinished and overdue: queued and not picked up, or running with a stale heartbeat.

    Recovery acts on such jobs by itself; pages offer a re-run meanwhile.
    """
    now = now or timezone.now()
    if job.status == JobStatus.QUEUED:
        since = job.dispatched_at or job.created_at
        return since is not None and now - since > timedelta(seconds=settings.JOB_REDISPATCH_AFTER_S)
    if job.status == JobStatus.RUNNING:
        beat = job.heartbeat_at or job.started_at
        return beat is not None and now - beat > timedelta(seconds=settings.RUN_STALE_AFTER_S)
    return False
