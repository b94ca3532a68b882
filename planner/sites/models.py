"""Site comparisons: one demand, several candidate sites (the document) and its computations (jobs).

``ComparisonRun`` carries the fields of the shared job lifecycle (planner.jobs ``Job``: status,
stage, progress, error, attempts, worker, idempotency key, timestamps, compute time) so that it
can inherit that abstract base when the jobs app is merged.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from planner.scenarios.models import Organisation


class ComparisonStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    CONSTRAINTS_NOT_MET = "constraints_not_met", "Constraints not met"
    FAILED = "failed", "Failed"


FINISHED = {ComparisonStatus.SUCCEEDED, ComparisonStatus.CONSTRAINTS_NOT_MET, ComparisonStatus.FAILED}


class SiteComparison(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="site_comparisons")
    name = models.CharField(max_length=200)
    # The comparison document (planner/engine/site_comparison.py: scenario, sites, users, weights).
    inputs = models.JSONField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return self.name


class ComparisonRun(models.Model):
    comparison = models.ForeignKey(SiteComparison, on_delete=models.CASCADE, related_name="runs")
    inputs = models.JSONField()  # snapshot: the run stays reproducible after the comparison is edited
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=24, choices=ComparisonStatus.choices, default=ComparisonStatus.QUEUED, db_index=True
    )
    stage = models.CharField(max_length=100, blank=True)
    progress_frac = models.FloatField(default=0.0)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    worker = models.CharField(max_length=200, blank=True)
    idempotency_key = models.CharField(max_length=200, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    compute_s = models.FloatField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Comparison run {self.pk} of {self.comparison_id} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED
