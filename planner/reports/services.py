"""Report writes: request (cached per subject and kind) and build (a job of the shared lifecycle).

A report's subject is a scenario run, a portfolio run, a site-comparison run or a study run; all go through
this one path (request, queue after commit, build in a worker, cache, recovery, retry). What
differs — which kinds exist and how the file is laid out — is the SUBJECTS table below.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from planner.jobs.lifecycle import ProgressFn, job_dispatch, job_run
from planner.reports.models import Report, ReportKind, ReportStatus

logger = logging.getLogger(__name__)

REPORT_JOB = "report"  # the JobKind name (registered in planner.reports.apps)


class ReportNotPossible(ValueError):
    """The subject has no result to report on (not finished, or failed)."""


class ReportBuildRefused(PermissionError):
    """A viewer asked for a report that is not built: building one is a write (issue 20, item 12)."""


def _build_run(report: Report, progress: ProgressFn) -> Any:
    from planner.reports.builders import build_file
    from planner.reports.content import report_content

    content = report_content(run=report.run, sensitivity=report.kind == "pdf")
    progress(f"building the {report.kind.upper()} file", 0.6)
    return build_file(kind=report.kind, content=content)


def _build_portfolio_run(report: Report, progress: ProgressFn) -> Any:
    from planner.portfolios.reports import build_portfolio_file

    progress(f"building the {report.kind.upper()} file", 0.3)
    return build_portfolio_file(kind=report.kind, run=report.portfolio_run)


def _build_comparison_run(report: Report, progress: ProgressFn) -> Any:
    from planner.sites.reports import build_comparison_file

    progress(f"building the {report.kind.upper()} file", 0.3)
    return build_comparison_file(kind=report.kind, run=report.comparison_run)


def _build_study_run(report: Report, progress: ProgressFn) -> Any:
    from planner.reports.builders import BuiltFile
    from planner.studies.reports import build_pdf

    run = report.study_run
    progress("building the PDF file", 0.3)
    return BuiltFile(build_pdf(run), "application/pdf", f"study-{run.study_id}-run-{run.pk}.pdf")


def _has_result(subject: Any) -> bool:
    return subject.is_completed and getattr(subject, "result", None) is not None


@dataclass(frozen=True)
class Subject:
    what: str  # how messages name it
    kinds: tuple[str, ...]  # the report kinds it has
    build: Callable[[Report, ProgressFn], Any]  # (report, progress) → planner.reports.builders.BuiltFile
    organisation_id: Callable[[Any], int] = lambda subject: subject.scenario.organisation_id
    reportable: Callable[[Any], bool] = _has_result  # whether the subject has something to report on
    needs: str = "completed"  # what "reportable" means, for the 409 message


# Keyed by the Report foreign key that names the subject.
SUBJECTS = {
    "run": Subject("run", tuple(ReportKind.values), _build_run),
    # A portfolio's JSON is its result endpoint: no JSON report.
    "portfolio_run": Subject(
        "portfolio run", ("pdf", "xlsx", "csv"), _build_portfolio_run, lambda run: run.portfolio.organisation_id
    ),
    "comparison_run": Subject(
        "comparison run", ("pdf", "xlsx"), _build_comparison_run, lambda run: run.comparison.organisation_id
    ),
    # A study's points are stored as they arrive: a finished run (a failed or cancelled one too)
    # reports what it computed. Its CSV/XLSX of points are built in the request (fast, no job).
    "study_run": Subject(
        "study run",
        ("pdf",),
        _build_study_run,
        lambda run: run.study.organisation_id,
        reportable=lambda run: run.is_finished,
        needs="finished",
    ),
}


def _check_request(spec: Any, kind: str, subject: Any) -> None:
    """A kind the subject offers (else ValueError, 400) and a subject that can be reported (else 409)."""
    if kind not in spec.kinds:
        raise ValueError(f"kind must be one of {', '.join(spec.kinds)}, got {kind!r}")
    if not spec.reportable(subject):
        raise ReportNotPossible(
            f"{spec.what} {subject.pk} is {subject.status}; reports need a {spec.needs} {spec.what}"
        )


def report_request_by(user: Any, *, kind: str, **subject_of: Any) -> Report:
    """report_request on behalf of a user. Planners and admins may queue a build; a viewer gets a
    report that is already built, and ReportBuildRefused (403) for one that is not, as for every
    other write."""
    from planner.scenarios.selectors import can_edit

    given = [(field, value) for field, value in subject_of.items() if value is not None and field in SUBJECTS]
    if len(given) == 1:
        field, subject = given[0]
        spec = SUBJECTS[field]
        _check_request(spec, kind, subject)  # what is wrong with the request comes first (400, 409), for every role
        if not can_edit(user, spec.organisation_id(subject)):
            built = Report.objects.filter(**{field: subject}, kind=kind, status=ReportStatus.SUCCEEDED)
            report = built.defer("content").first()
            if report is None:
                raise ReportBuildRefused(
                    f"This {kind.upper()} report of {SUBJECTS[field].what} {subject.pk} is not built yet, and viewers "
                    "cannot request builds; ask a planner of the organisation to build it (then you can download it)."
                )
            return report
    return report_request(kind=kind, **subject_of)


SUBJECT_KINDS = {field: subject.kinds for field, subject in SUBJECTS.items()}


def report_request(*, kind: str, **subject_of: Any) -> Report:
    """The report of this kind of one subject (``run=``, ``portfolio_run=``, ``comparison_run=`` or ``study_run=``):
    the cached one, or a new build queued after commit.

    A failed report is queued again (a retry is a new attempt, never a replay of the failure);
    a ready one is returned as it is (a result never changes). A report whose job or message was
    lost is recovered by the periodic job recovery, like every job. Raises JobQueueUnavailable
    (from the commit) when the broker cannot take the job; the report is then failed with the reason.
    """
    given = {field: value for field, value in subject_of.items() if value is not None}
    if len(given) != 1 or not set(given) <= set(SUBJECTS):
        raise TypeError(f"report_request takes exactly one of {', '.join(SUBJECTS)}=")
    ((field, subject),) = given.items()
    spec = SUBJECTS[field]
    _check_request(spec, kind, subject)
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
    report = Report.objects.select_related(
        "run__scenario__organisation", "portfolio_run__portfolio", "comparison_run__comparison", "study_run__study"
    ).get(pk=report_id)
    progress("content", 0.1)
    built = SUBJECTS[report.subject_field].build(report, progress)
    Report.objects.filter(pk=report_id, status=ReportStatus.RUNNING).update(
        content=built.data,
        content_type=built.content_type,
        filename=built.filename,
        size_bytes=len(built.data),
    )
