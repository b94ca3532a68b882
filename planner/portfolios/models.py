"""Persistence of large-load portfolios and their runs. Logic lives in services.py and selectors.py.

A portfolio is a named set of members: a scenario (its hourly facility load), the grid region it
is placed in, an in-service year and a ramp. A PortfolioRun studies the portfolio year by year
(grid.portfolio) as one background job.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from planner.scenarios.models import Organisation, Scenario, Upload


class Portfolio(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="portfolios")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    start_year = models.PositiveIntegerField()
    end_year = models.PositiveIntegerField()
    # Hourly system load [MW] for one region (else that region's month × hour profile is used).
    system_load_upload = models.ForeignKey(Upload, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    system_load_region = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return self.name


class RampUnit(models.TextChoices):
    SHARE = "share", "share of the final load (0–1)"
    MW = "mw", "MW of the final peak"


class PortfolioMember(models.Model):
    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="members")
    position = models.PositiveIntegerField(default=0)
    scenario = models.ForeignKey(Scenario, on_delete=models.PROTECT, related_name="+")
    region = models.CharField(max_length=64)
    in_service_year = models.PositiveIntegerField()
    ramp = models.JSONField(default=list)  # values for in_service_year, +1, …; the last holds afterwards
    ramp_unit = models.CharField(max_length=8, choices=RampUnit.choices, default=RampUnit.SHARE)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.scenario} in {self.region} from {self.in_service_year}"


class PortfolioRunStatus(models.TextChoices):
    # The values of the shared job lifecycle (planner.jobs.JobStatus).
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    CONSTRAINTS_NOT_MET = "constraints_not_met"
    FAILED = "failed"


class PortfolioRun(models.Model):
    """One study of a portfolio; the job fields follow the shared lifecycle contract (planner.jobs.Job)."""

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="runs")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    inputs = models.JSONField()  # the portfolio's definition when submitted
    status = models.CharField(
        max_length=24, choices=PortfolioRunStatus.choices, default=PortfolioRunStatus.QUEUED, db_index=True
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
        return f"Portfolio run {self.pk} of {self.portfolio_id} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in {
            PortfolioRunStatus.SUCCEEDED,
            PortfolioRunStatus.CONSTRAINTS_NOT_MET,
            PortfolioRunStatus.FAILED,
        }
