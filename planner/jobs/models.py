"""The abstract job row every kind of background work inherits (runs, reports, portfolio runs…).

The lifecycle itself (claim, heartbeat, limits, recovery, failure with the reason) lives in
planner.jobs.lifecycle; this module only holds the columns it reads and writes.
"""

from __future__ import annotations

from django.db import models


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    # Finished with a result, but a constraint (site power cap, unserved demand…) was missed.
    CONSTRAINTS_NOT_MET = "constraints_not_met", "Completed — constraints not met"
    FAILED = "failed", "Failed"


# Finished with a result to show (and to build reports from).
COMPLETED_STATUSES = frozenset({JobStatus.SUCCEEDED, JobStatus.CONSTRAINTS_NOT_MET})
FINISHED_STATUSES = frozenset({*COMPLETED_STATUSES, JobStatus.FAILED})


class Job(models.Model):
    status = models.CharField(max_length=24, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True)
    stage = models.CharField(max_length=100, blank=True)
    progress_frac = models.FloatField(default=0.0)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    worker = models.CharField(max_length=200, blank=True)
    idempotency_key = models.CharField(max_length=200, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the job's message was last handed to the queue (or to the local worker threads).
    dispatched_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    compute_s = models.FloatField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_finished(self) -> bool:
        """SUCCEEDED, CONSTRAINTS_NOT_MET or FAILED."""
        return self.status in FINISHED_STATUSES

    @property
    def is_completed(self) -> bool:
        """Finished with a result (SUCCEEDED or CONSTRAINTS_NOT_MET)."""
        return self.status in COMPLETED_STATUSES
