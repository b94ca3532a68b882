"""A generated report file, cached per run and kind (one row per pair)."""

from __future__ import annotations

from django.db import models

from planner.jobs.models import Job, JobStatus


class ReportKind(models.TextChoices):
    PDF = "pdf", "PDF report"
    XLSX = "xlsx", "Excel workbook"
    CSV = "csv", "CSV of the hourly series"
    JSON = "json", "JSON of the whole result"


# Reports share the job lifecycle of every background job (planner.jobs): a built report is SUCCEEDED.
ReportStatus = JobStatus


class Report(Job):
    run = models.ForeignKey("scenarios.Run", on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(max_length=8, choices=ReportKind.choices)
    content = models.BinaryField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    filename = models.CharField(max_length=255, blank=True)
    size_bytes = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["run", "kind"], name="one_report_per_run_and_kind")]

    def __str__(self) -> str:
        return f"{self.kind} report of run {self.run_id} ({self.status})"

    @property
    def is_ready(self) -> bool:
        return self.status == JobStatus.SUCCEEDED
