"""Site comparisons: one demand, several candidate sites (the document) and its computations (jobs).

``ComparisonRun`` is a job of the shared lifecycle (planner.jobs: claim, heartbeat, limits,
recovery, failure with the reason), kind "site_comparison".
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from planner.jobs.models import Job
from planner.scenarios.models import Organisation


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


class ComparisonRun(Job):
    comparison = models.ForeignKey(SiteComparison, on_delete=models.CASCADE, related_name="runs")
    inputs = models.JSONField()  # snapshot: the run stays reproducible after the comparison is edited
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    result = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Comparison run {self.pk} of {self.comparison_id} ({self.status})"
