"""A generated report file, cached per subject and kind (one row per pair).

The subject is a scenario run (``run``), a portfolio run (``portfolio_run``) or a site-comparison
run (``comparison_run``): exactly one is set. All are built by the one report job
(planner.reports.services; its SUBJECTS table says how each subject's files are laid out).
"""

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
    run = models.ForeignKey("scenarios.Run", on_delete=models.CASCADE, related_name="reports", null=True, blank=True)
    portfolio_run = models.ForeignKey(
        "portfolios.PortfolioRun", on_delete=models.CASCADE, related_name="reports", null=True, blank=True
    )
    comparison_run = models.ForeignKey(
        "sites.ComparisonRun", on_delete=models.CASCADE, related_name="reports", null=True, blank=True
    )
    kind = models.CharField(max_length=8, choices=ReportKind.choices)
    content = models.BinaryField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    filename = models.CharField(max_length=255, blank=True)
    size_bytes = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "kind"], name="one_report_per_run_and_kind"),
            models.UniqueConstraint(fields=["portfolio_run", "kind"], name="one_report_per_portfolio_run_and_kind"),
            models.UniqueConstraint(fields=["comparison_run", "kind"], name="one_report_per_comparison_run_and_kind"),
            models.CheckConstraint(
                condition=models.Q(run__isnull=False, portfolio_run__isnull=True, comparison_run__isnull=True)
                | models.Q(run__isnull=True, portfolio_run__isnull=False, comparison_run__isnull=True)
                | models.Q(run__isnull=True, portfolio_run__isnull=True, comparison_run__isnull=False),
                name="report_has_one_subject",
            ),
        ]

    def __str__(self) -> str:
        subject = (
            f"run {self.run_id}"
            if self.run_id
            else (
                f"portfolio run {self.portfolio_run_id}"
                if self.portfolio_run_id
                else f"comparison run {self.comparison_run_id}"
            )
        )
        return f"{self.kind} report of {subject} ({self.status})"

    @property
    def is_ready(self) -> bool:
        return self.status == JobStatus.SUCCEEDED
