"""Report writes: request (cached per run and kind) and build (idempotent, claimed by one job)."""

from __future__ import annotations

import logging
import time
import traceback
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from planner.reports.models import Report, ReportKind, ReportStatus
from planner.scenarios.models import Run, RunStatus

logger = logging.getLogger(__name__)


class ReportNotPossible(ValueError):
    """The run has no result to report on (not finished, or failed)."""


def _stale_before():
    return timezone.now() - timedelta(seconds=settings.REPORT_HARD_TIME_LIMIT_S + 30)


def report_request(*, run: Run, kind: str) -> Report:
    """The run's report of this kind: the cached one, or a new build queued after commit.

    A failed report, or one whose job vanished (running past the hard time limit), is queued
    again; a ready one is returned as it is (a run's result never changes).
    """
    if kind not in ReportKind.values:
        raise ValueError(f"kind must be one of {', '.join(ReportKind.values)}, got {kind!r}")
    if run.status != RunStatus.SUCCEEDED:
        raise ReportNotPossible(f"run {run.pk} is {run.status}; reports need a succeeded run")
    from planner.reports.tasks import report_build_task

    try:
        with transaction.atomic():
            report, created = Report.objects.get_or_create(run=run, kind=kind)
    except IntegrityError:  # a concurrent request created it first
        report, created = Report.objects.get(run=run, kind=kind), False
    with transaction.atomic():
        requeue = created or bool(
            Report.objects.filter(pk=report.pk)
            .filter(Q(status=ReportStatus.FAILED) | Q(status=ReportStatus.RUNNING, started_at__lt=_stale_before()))
            .update(status=ReportStatus.QUEUED, error="")
        )
        if requeue:
            transaction.on_commit(lambda: report_build_task.delay(report.pk))
    report.refresh_from_db()
    return report


def report_claim(*, report_id: int) -> bool:
    """One conditional UPDATE; False when the report is ready or another job holds it."""
    claimed = (
        Report.objects.filter(pk=report_id)
        .filter(Q(status=ReportStatus.QUEUED) | Q(status=ReportStatus.RUNNING, started_at__lt=_stale_before()))
        .update(status=ReportStatus.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1, error="")
    )
    return claimed == 1


def report_fail(*, report_id: int, reason: str) -> None:
    Report.objects.filter(pk=report_id).exclude(status=ReportStatus.READY).update(
        status=ReportStatus.FAILED, error=reason[:10_000], finished_at=timezone.now()
    )


def report_build(*, report_id: int) -> Report | None:
    """Claim and build a report from its run's stored result. Idempotent: a re-delivered job
    finds the report ready (or held) and does nothing."""
    from planner.reports.builders import build_file
    from planner.reports.content import report_content

    if not report_claim(report_id=report_id):
        logger.info("report %s not claimed (ready or held by another job)", report_id)
        return None
    report = Report.objects.select_related("run__scenario__organisation").get(pk=report_id)
    started = time.perf_counter()
    try:
        content = report_content(run=report.run, sensitivity=report.kind == "pdf")
        built = build_file(kind=report.kind, content=content)
    except SoftTimeLimitExceeded:
        report_fail(report_id=report_id, reason=f"stopped at the time limit of {settings.REPORT_SOFT_TIME_LIMIT_S} s")
        return Report.objects.get(pk=report_id)
    except Exception as error:  # the job must record why it failed, whatever failed
        logger.exception("report %s failed", report_id)
        detail = traceback.format_exception_only(type(error), error)[-1].strip()
        report_fail(report_id=report_id, reason=f"report generation failed: {detail}")
        return Report.objects.get(pk=report_id)
    Report.objects.filter(pk=report_id, status=ReportStatus.RUNNING).update(
        status=ReportStatus.READY,
        content=built.data,
        content_type=built.content_type,
        filename=built.filename,
        size_bytes=len(built.data),
        build_s=time.perf_counter() - started,
        finished_at=timezone.now(),
    )
    return Report.objects.get(pk=report_id)
