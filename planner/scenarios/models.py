"""Persistence of organisations, scenarios and runs. Logic lives in services.py and selectors.py."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from planner.jobs.models import Job, JobStatus


class Organisation(models.Model):
    name = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    VIEWER = "viewer", "Viewer (read only)"
    PLANNER = "planner", "Planner (edit and run)"
    ADMIN = "admin", "Admin (members and catalogs)"


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.PLANNER)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="one_membership_per_org")]

    def __str__(self) -> str:
        return f"{self.user} in {self.organisation} ({self.role})"


class Scenario(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="scenarios")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="scenarios")
    name = models.CharField(max_length=200)
    # The validated scenario document (planner.engine.schema.ScenarioSpec as JSON).
    inputs = models.JSONField()
    schema_version = models.PositiveIntegerField()
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def latest_run_label(self) -> str:
        """The label of ``latest_run_status``, annotated by selectors.scenarios_with_latest_run."""
        status = getattr(self, "latest_run_status", None)
        return JobStatus(status).label if status else ""


class ScenarioRevision(models.Model):
    """Every saved version of a scenario's inputs, so history is never lost."""

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()
    inputs = models.JSONField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["scenario", "version"], name="one_revision_per_version")]

    def __str__(self) -> str:
        return f"{self.scenario_id} v{self.version}"


# Runs share the job lifecycle of every background job (planner.jobs); the old name stays.
RunStatus = JobStatus


class Run(Job):
    scenario = models.ForeignKey(Scenario, on_delete=models.PROTECT, related_name="runs")
    scenario_version = models.PositiveIntegerField()
    # The inputs exactly as computed, so a run stays reproducible after the scenario is edited.
    inputs = models.JSONField()
    input_hash = models.CharField(max_length=64, db_index=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # KPIs and breakdowns (JSON-able); the 8,760-hour series are in RunHourly. Missed constraints
    # (power cap, unserved demand) are in result["constraints"] (status CONSTRAINTS_NOT_MET).
    result = models.JSONField(null=True, blank=True)
    code_version = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Run {self.pk} of {self.scenario_id} ({self.status})"

    @property
    def constraints(self) -> list[dict]:
        """The constraints this run missed (empty when it met them all or has no result).

        Lists annotate them from the database (selectors.runs_for_list: ``missed_constraints``)
        with the result deferred, so a list never loads each run's whole result."""
        if "missed_constraints" in self.__dict__:
            return list(self.__dict__["missed_constraints"] or [])
        return list((self.result or {}).get("constraints") or [])


class RunHourly(models.Model):
    """The run's hourly series as a compressed NumPy archive (8,760 values per series)."""

    run = models.OneToOneField(Run, on_delete=models.CASCADE, related_name="hourly")
    npz = models.BinaryField()

    def __str__(self) -> str:
        return f"hourly series of run {self.run_id}"


class UploadKind(models.TextChoices):
    DEMAND = "demand", "Demand shape (requests per second by hour)"
    WEATHER = "weather", "Weather (EPW or CSV: dry bulb and humidity)"
    CARBON = "carbon", "Grid carbon intensity (gCO2e/kWh)"
    PRICE = "price", "Wholesale electricity price (USD/MWh)"
    SYSTEM_LOAD = "system_load", "System load of the grid region (MW)"
    EVENTS = "events", "Grid event schedule (start, duration, cap MW or reduction)"


class Upload(models.Model):
    """An hourly series uploaded by an organisation member, parsed once and stored as arrays.

    Scenarios reference it by id (``site.weather_upload``, ``grid.uploads[kind]``); a demand
    upload is reduced to 24-hour weekday/weekend curves for a workload's daily shape.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="uploads")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=UploadKind.choices)
    name = models.CharField(max_length=200)
    filename = models.CharField(max_length=255, blank=True)
    # NumPy archive of the parsed 8,760-hour arrays (names with units, e.g. carbon_intensity_g_per_kwh).
    npz = models.BinaryField()
    # Summary for the preview: units, min/mean/max, first rows, repairs made while reading.
    summary = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"


class RunLevers(models.Model):
    """The efficiency-lever variants of a succeeded run (MoE, pruning, quantization, each alone)."""

    run = models.OneToOneField(Run, on_delete=models.CASCADE, related_name="levers")
    data = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"levers of run {self.run_id}"
