"""Report writes: request (cached per subject and kind) and build (a job of the shared lifecycle).

A report's subject is a scenario run or a portfolio run; both go through this one path (request,
queue, build, cache, recovery). What differs — which kinds exist, when the subject is complete,
how the file is laid out — is in SUBJECT_KINDS, _completed and _build below.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction

from planner.jobs.lifecycle import ProgressFn, job_dispatch, job_run
from planner.jobs.models import JobStatus
from planner.reports.models import Report, ReportKind, ReportStatus
from planner.scenarios.models import Run

logger = logging.getLogger(__name__)

REPORT_JOB = "report"  # the JobKind name (registered in planner.reports.apps)
# The report kinds of each subject (a portfolio's JSON is its result endpoint: no JSON report).
SUBJECT_KINDS = {"run": tuple(ReportKind.values), "portfolio_run": ("pdf", "xlsx", "csv")}


class ReportNotPossible(ValueError):
    """The run has no result to report on (not finished, or failed)."""


def _completed(subject: Any) -> bool:
    if isinstance(subject, Run):
        return subject.is_completed
    return subject.status in (JobStatus.SUCCEEDED, JobStatus.CONSTRAINTS_NOT_MET) and bool(subject.result)


def report_request(*, kind: str, run: Run | None = None, portfolio_run: Any = None) -> Report:
    """The report of this kind of a run or a portfolio run (give one): the cached one, or a new
    build queued after commit.

    A failed report is queued again (a retry is a new attempt, never a replay of the failure);
    a ready one is returned as it is (a run's result never changes). A report whose job or
    message was lost is recovered by the periodic job recovery, like every job. Raises
    JobQueueUnavailable (from the commit) when the broker cannot take the job; the report is
    then failed with the reason.
    """
    if (run is None) == (portfolio_run is None):
        raise TypeError("report_request takes run= or portfolio_run=, exactly one")
    field, subject = ("run", run) if run is not None else ("portfolio_run", portfolio_run)
    kinds = SUBJECT_KINDS[field]
    if kind not in kinds:
        raise ValueError(f"kind must be one of {', '.join(kinds)}, got {kind!r}")
    if not _completed(subject):
        what = "run" if field == "run" else "portfolio run"
        raise ReportNotPossible(f"{what} {subject.pk} is {subject.status}; reports need a completed {what}")
    lookup = {field: subject, "kind": kind}
    try:
        with transaction.atomic():
            report, created = Report.objects.get_or_create(**lookup)
    except IntegrityError:  # a concurrent request created it first
        report, created = Report.objects.get(**lookup), False
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

    report = Report.objects.select_related("run__scenario__organisation", "portfolio_run__portfolio").get(pk=report_id)
    progress("content", 0.1)
    if report.portfolio_run_id:
        from planner.portfolios.reports import build_portfolio_file

        progress(f"building the {report.kind.upper()} file", 0.3)
        built = build_portfolio_file(kind=report.kind, run=report.portfolio_run)
    else:
        content = report_content(run=report.run, sensitivity=report.kind == "pdf")
        progress(f"building the {report.kind.upper()} file", 0.6)
        built = build_file(kind=report.kind, content=content)
    Report.objects.filter(pk=report_id, status=ReportStatus.RUNNING).update(
        content=built.data,
        content_type=built.content_type,
        filename=built.filename,
        size_bytes=len(built.data),
    )
