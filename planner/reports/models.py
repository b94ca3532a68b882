"""A generated report file, cached per subject and kind (one row per pair).

The subject is a scenario run (``run``), a portfolio run (``portfolio_run``), a site-comparison
run (``comparison_run``) or a study run (``study_run``): exactly one is set. All are built by the one report job
(planner.reports.services; its SUBJECTS table says how each subject's files are laid out).
"""

from __future__ import annotations

import operator
from functools import reduce

from django.db import models

from planner.jobs.models import Job, JobStatus


class ReportKind(models.TextChoices):
    PDF = "pdf", "PDF report"
    XLSX = "xlsx", "Excel workbook"
    CSV = "csv", "CSV of the hourly series"
    JSON = "json", "JSON of the whole result"


# Reports share the job lifecycle of every background job (planner.jobs): a built report is SUCCEEDED.
ReportStatus = JobStatus


SUBJECT_FIELDS = ("run", "portfolio_run", "comparison_run", "study_run")


def _exactly_one(fields: tuple[str, ...]) -> models.Q:
    """Exactly one of these foreign keys is set."""
    options = [models.Q(**{f"{f}__isnull": f != field for f in fields}) for field in fields]
    return reduce(operator.or_, options)


class Report(Job):
    run = models.ForeignKey("scenarios.Run", on_delete=models.CASCADE, related_name="reports", null=True, blank=True)
    portfolio_run = models.ForeignKey(
        "portfolios.PortfolioRun", on_delete=models.CASCADE, related_name="reports", null=True, blank=True
    )
    comparison_run = models.ForeignKey(
        "sites.ComparisonRun", on_delete=models.CASCADE, related_name="reports", null=True, blank=True
    )
    study_run = models.ForeignKey(
        "studies.StudyRun", on_delete=models.CASCADE, related_name="reports", null=True, blank=True
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
            models.UniqueConstraint(fields=["study_run", "kind"], name="one_report_per_study_run_and_kind"),
            models.CheckConstraint(condition=_exactly_one(SUBJECT_FIELDS), name="report_has_one_subject"),
        ]

    def __str__(self) -> str:
        field = self.subject_field
        return f"{self.kind} report of {field.replace('_', ' ')} {getattr(self, f'{field}_id')} ({self.status})"

    @property
    def subject_field(self) -> str:
        """The foreign key that names the subject ("run", "portfolio_run", "comparison_run", "study_run")."""
        return next(f for f in SUBJECT_FIELDS if getattr(self, f"{f}_id"))

    @property
    def is_ready(self) -> bool:
        return self.status == JobStatus.SUCCEEDED
