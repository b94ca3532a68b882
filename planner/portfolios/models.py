"""Persistence of large-load portfolios and their runs. Logic lives in services.py and selectors.py.

A portfolio is a named set of members: a scenario (its hourly facility load), the grid region it
is placed in, an in-service year and a ramp. A PortfolioRun studies the portfolio year by year
(grid.portfolio) as one background job.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from planner.jobs.models import Job
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


class PortfolioRun(Job):
    """One study of a portfolio: a job of the shared lifecycle (planner.jobs, kind "portfolio_run")."""

    portfolio = models.ForeignKey(Portfolio, on_delete=models.CASCADE, related_name="runs")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    inputs = models.JSONField()  # the portfolio's definition when submitted
    result = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Portfolio run {self.pk} of {self.portfolio_id} ({self.status})"

    @property
    def constraints(self) -> list[dict]:
        """The constraints the portfolio misses (grid.portfolio_checks), stored in the result by the
        job; lists annotate them (selectors.portfolio_runs_for_list) instead of loading the result."""
        if "missed_constraints" in self.__dict__:
            return list(self.__dict__["missed_constraints"] or [])
        result = self.result or {}
        if result and "constraints" not in result:  # stored before the job stored them
            from grid.portfolio_checks import missed_constraints

            return missed_constraints(result)
        return list(result.get("constraints") or [])
