"""Studies: a base scenario and a definition (sweep, uncertainty, optimisation); their runs and points.

A StudyRun is a job on the shared lifecycle (planner.jobs); each computed point is one
StudyPoint row, written as it arrives, so progress, re-runs and results all read the database.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from planner.jobs.models import Job


class StudyKind(models.TextChoices):
    SWEEP = "sweep", "Sweep"
    UNCERTAINTY = "uncertainty", "Uncertainty (Monte Carlo)"
    OPTIMISATION = "optimisation", "Optimisation"


class Study(models.Model):
    organisation = models.ForeignKey("scenarios.Organisation", on_delete=models.PROTECT, related_name="studies")
    scenario = models.ForeignKey("scenarios.Scenario", on_delete=models.PROTECT, related_name="studies")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="studies")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=StudyKind.choices)
    # The validated definition (planner.engine.studies.definition) as JSON.
    definition = models.JSONField()
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return self.name


class StudyRun(Job):
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="runs")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Snapshots, so a run stays reproducible after the scenario or the study is edited.
    inputs = models.JSONField()
    definition = models.JSONField()
    points_total = models.PositiveIntegerField(default=0)
    summary = models.JSONField(null=True, blank=True)
    # When execute() last sent its points as a chord (None while it plans): from then on the
    # recovery judges the run by its chunks' progress, not by its own heartbeat and limits.
    handed_off_at = models.DateTimeField(null=True, blank=True)
    # A re-run starts from the points a failed (or cancelled) run of the same definition and inputs
    # stored: they are copied into this run at submit (planner.studies.services.study_run_submit).
    carried_over_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    points_carried_over = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"study run {self.pk} of {self.study_id}"


class PointStatus(models.TextChoices):
    COMPUTED = "computed", "Computed"
    CONSTRAINTS_NOT_MET = "constraints_not_met", "Computed — constraints not met"
    REFUSED = "refused", "Refused by the schema or engine"
    FAILED = "failed", "Failed after retries"


class StudyPoint(models.Model):
    run = models.ForeignKey(StudyRun, on_delete=models.CASCADE, related_name="points")
    index = models.PositiveIntegerField()
    values = models.JSONField()
    status = models.CharField(max_length=24, choices=PointStatus.choices)
    kpis = models.JSONField(default=dict)
    series = models.JSONField(default=dict)
    devices_by_accelerator = models.JSONField(default=dict)
    error = models.TextField(blank=True)
    violations = models.JSONField(default=list)  # messages of missed constraints (power cap, unserved demand)
    attempts = models.PositiveIntegerField(default=1)
    worker = models.CharField(max_length=200, blank=True)
    compute_s = models.FloatField(default=0.0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["index"]
        constraints = [models.UniqueConstraint(fields=["run", "index"], name="one_row_per_study_point")]

    def __str__(self) -> str:
        return f"point {self.index} of study run {self.run_id}"
