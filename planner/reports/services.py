"""Report writes: request (cached per run and kind) and build (a job of the shared lifecycle)."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction

from planner.jobs.lifecycle import ProgressFn, job_dispatch, job_run
from planner.reports.models import Report, ReportKind, ReportStatus
from planner.scenarios.models import Run

logger = logging.getLogger(__name__)

REPORT_JOB = "report"  # the JobKind name (registered in planner.reports.apps)


class ReportNotPossible(ValueError):
    """The run has no result to report on (not finished, or failed)."""


def report_request(*, run: Run, kind: str) -> Report:
    """The run's report of this kind: the cached one, or a new build queued after commit.

    A failed report is queued again (a retry is a new attempt, never a replay of the failure);
    a ready one is returned as it is (a run's result never changes). A report whose job or
    message was lost is recovered by the periodic job recovery, like every job. Raises
    JobQueueUnavailable (from the commit) when the broker cannot take the job; the report is
    then failed with the reason.
    """
    if kind not in ReportKind.values:
        raise ValueError(f"kind must be one of {', '.join(ReportKind.values)}, got {kind!r}")
    if not run.is_completed:
        raise ReportNotPossible(f"run {run.pk} is {run.status}; reports need a completed run")
    try:
        with transaction.atomic():
            report, created = Report.objects.get_or_create(run=run, kind=kind)
    except IntegrityError:  # a concurrent request created it first
        report, created = Report.objects.get(run=run, kind=kind), False
    with transaction.atomic():
        requeue = created or bool(
            Report.objects.filter(pk=report.pk, status=ReportStatus.FAILED).update(
                status=ReportStatus.QUEUED, error="", stage="", progress_frac=0.0, finished_at=None
            )
        )
        if requeue:
            job_dispatch(kind=REPORT_JOB, job_id=report.pk)
    report.refresh_from_db()
    return report


def report_build(*, report_id: int) -> Report | None:
    """Claim and build a report now, in this process. Idempotent: None when the report is
    finished or held by another job."""
    if not job_run(kind=REPORT_JOB, job_id=report_id):
        return None
    return Report.objects.get(pk=report_id)


def report_compute(report_id: int, progress: ProgressFn) -> None:
    """The report job's work (planner.jobs JobKind "report"): build the file and store it."""
    from planner.reports.builders import build_file
    from planner.reports.content import report_content

    report = Report.objects.select_related("run__scenario__organisation").get(pk=report_id)
    progress("content", 0.1)
    content = report_content(run=report.run, sensitivity=report.kind == "pdf")
    progress(f"building the {report.kind.upper()} file", 0.6)
    built = build_file(kind=report.kind, content=content)
    Report.objects.filter(pk=report_id, status=ReportStatus.RUNNING).update(
        content=built.data,
        content_type=built.content_type,
        filename=built.filename,
        size_bytes=len(built.data),
    )
