"""Page-side report download: the cached file if ready, otherwise queue it and say so."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from planner.jobs.describe import job_waiting_for
from planner.jobs.lifecycle import JobQueueUnavailable
from planner.reports.models import Report, ReportKind, ReportStatus
from planner.reports.services import SUBJECT_KINDS, ReportBuildRefused, ReportNotPossible, report_request_by
from planner.scenarios import selectors


def file_response(report) -> HttpResponse:
    response = HttpResponse(bytes(report.content), content_type=report.content_type)
    response["Content-Disposition"] = f'attachment; filename="{report.filename}"'
    response["Content-Length"] = str(report.size_bytes or len(report.content))
    return response


def _wants_json(request: HttpRequest) -> bool:
    """The run page's download button polls with Accept: application/json (static/planner/reports.js)."""
    return "application/json" in request.headers.get("Accept", "")


def report_state(report) -> dict:
    """What the download button shows while a report is built: status, stage, fraction, reason."""
    return {
        "kind": report.kind,
        "status": "ready" if report.is_ready else report.status,  # the API's word for a built report
        "ready": report.is_ready,
        "failed": report.status == "failed",
        "stage": getattr(report, "stage", "") or "",
        "progress_frac": getattr(report, "progress_frac", None),
        "error": report.error or "",
        "size_bytes": report.size_bytes if report.is_ready else None,
    }


def serve_report(request: HttpRequest, *, kind: str, subject: dict, page: dict) -> HttpResponse:
    """The one download flow of every report subject: JSON state for the button, the file once
    built, otherwise a page that refreshes itself (or says why there is no report)."""
    try:
        report = report_request_by(request.user, kind=kind, **subject)
    except ReportBuildRefused as error:  # a viewer, and the report is not built yet
        if _wants_json(request):
            return JsonResponse({"kind": kind, "ready": False, "failed": True, "error": str(error)}, status=403)
        return render(request, "reports/pending.html", page | {"error": str(error)}, status=403)
    except ReportNotPossible as error:
        if _wants_json(request):
            return JsonResponse({"kind": kind, "ready": False, "failed": True, "error": str(error)}, status=409)
        return render(request, "reports/pending.html", page | {"error": str(error)}, status=409)
    except JobQueueUnavailable as error:  # the report is stored as failed with the reason; retrying queues it again
        report = Report.objects.defer("content").get(pk=error.job_id)
        if _wants_json(request):
            return JsonResponse(report_state(report), status=503)
        return render(request, "reports/pending.html", page | {"report": report}, status=503)
    if _wants_json(request):  # the state only; the browser then fetches the file itself
        return JsonResponse(report_state(report))
    if report.is_ready:
        return file_response(report)
    # A failed build shows its reason and a link that queues it again (the request above re-queues).
    status = 200 if report.status == ReportStatus.FAILED else 202
    return render(
        request,
        "reports/pending.html",
        page | {"report": report, "waiting_for": job_waiting_for(report)},
        status=status,
    )


@login_required
@require_GET
def report_file(request: HttpRequest, run_id: int, kind: str) -> HttpResponse:
    """/reports/runs/<run_id>/<kind>/ (name ``report-file``): the file once built; until then a
    page that refreshes itself. Members of the run's organisation only (others get 404)."""
    if kind not in ReportKind.values:
        raise Http404("No such report kind")
    run = selectors.run_for_user(request.user, run_id)
    page = {
        "kind": kind,
        "subject": f"run {run.pk} ({run.scenario.name})",
        "retry_url": reverse("report-file", args=[run.pk, kind]),
        "back_url": reverse("run-detail", args=[run.pk]),
        "back_label": "Back to the run",
    }
    return serve_report(request, kind=kind, subject={"run": run}, page=page)


@login_required
@require_GET
def portfolio_report_file(request: HttpRequest, run_id: int, kind: str) -> HttpResponse:
    """/reports/portfolio-runs/<run_id>/<kind>/ (name ``portfolio-report-file``): a portfolio run's
    PDF, XLSX or CSV, the same way as a run's. Members of the portfolio's organisation only."""
    from planner.portfolios.selectors import portfolio_run_for_user

    if kind not in SUBJECT_KINDS["portfolio_run"]:
        raise Http404("No such report kind")
    run = portfolio_run_for_user(request.user, run_id)
    page = {
        "kind": kind,
        "subject": f"portfolio run {run.pk} ({run.portfolio.name})",
        "retry_url": reverse("portfolio-report-file", args=[run.pk, kind]),
        "back_url": reverse("portfolio-run", args=[run.pk]),
        "back_label": "Back to the portfolio run",
    }
    return serve_report(request, kind=kind, subject={"portfolio_run": run}, page=page)
