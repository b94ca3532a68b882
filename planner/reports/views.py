"""Page-side report download: the cached file if ready, otherwise queue it and say so."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from planner.jobs.describe import job_waiting_for
from planner.jobs.lifecycle import JobQueueUnavailable
from planner.reports.models import Report, ReportKind, ReportStatus
from planner.reports.services import ReportNotPossible, report_request
from planner.scenarios import selectors


def file_response(report) -> HttpResponse:
    response = HttpResponse(bytes(report.content), content_type=report.content_type)
    response["Content-Disposition"] = f'attachment; filename="{report.filename}"'
    response["Content-Length"] = str(report.size_bytes or len(report.content))
    return response


@login_required
@require_GET
def report_file(request: HttpRequest, run_id: int, kind: str) -> HttpResponse:
    """/reports/runs/<run_id>/<kind>/ (name ``report-file``): the file once built; until then a
    page that refreshes itself. Members of the run's organisation only (others get 404)."""
    if kind not in ReportKind.values:
        raise Http404("No such report kind")
    run = selectors.run_for_user(request.user, run_id)
    try:
        report = report_request(run=run, kind=kind)
    except ReportNotPossible as error:
        return render(request, "reports/pending.html", {"run": run, "kind": kind, "error": str(error)}, status=409)
    except JobQueueUnavailable as error:  # the report is stored as failed with the reason; retrying queues it again
        report = Report.objects.defer("content").get(pk=error.job_id)
        return render(request, "reports/pending.html", {"run": run, "kind": kind, "report": report}, status=503)
    if report.is_ready:
        return file_response(report)
    # A failed build shows its reason and a link that queues it again (the request above re-queues).
    status = 200 if report.status == ReportStatus.FAILED else 202
    context = {"run": run, "kind": kind, "report": report, "waiting_for": job_waiting_for(report)}
    return render(request, "reports/pending.html", context, status=status)
