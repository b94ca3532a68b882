"""Reports: request one for a run (a job builds it, cached per run and kind), poll, download."""

from __future__ import annotations

import hashlib

from django.db.models import Q
from django.utils.module_loading import import_string
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from planner.api.errors import Conflict, ErrorSerializer, FieldErrors, QueueUnavailable, flatten
from planner.api.serializers import ReportRequestSerializer, ReportSerializer
from planner.api.views.base import PlannerView
from planner.jobs.describe import job_waiting_for
from planner.jobs.lifecycle import JobQueueUnavailable
from planner.reports.models import Report
from planner.reports.services import ReportBuildRefused, ReportNotPossible, report_request_by
from planner.reports.views import file_response

_MEDIA_TYPES = ("application/pdf", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/csv")


def report_payload(report: Report, request: Request) -> dict:
    def absolute(path: str) -> str:
        return request.build_absolute_uri(path)

    return {
        "id": report.pk,
        "url": absolute(f"/api/v1/reports/{report.pk}/"),
        "run": report.run_id,
        "portfolio_run": report.portfolio_run_id,
        "comparison_run": report.comparison_run_id,
        "study_run": report.study_run_id,
        "kind": report.kind,
        # The API's word for a built report stays "ready" (the job status is "succeeded").
        "status": "ready" if report.is_ready else report.status,
        "waiting_for": job_waiting_for(report),
        "error": report.error,
        "size_bytes": report.size_bytes,
        "created_at": report.created_at,
        "finished_at": report.finished_at,
        "download_url": absolute(f"/api/v1/reports/{report.pk}/download/") if report.is_ready else None,
    }


def _report_for_user(request: Request, report_id: int) -> Report:
    report = Report.objects.filter(pk=report_id).defer("content").first()
    if report is not None:
        if report.run_id:
            member = Q(run__scenario__organisation__memberships__user=request.user)
        elif report.portfolio_run_id:
            member = Q(portfolio_run__portfolio__organisation__memberships__user=request.user)
        elif report.comparison_run_id:
            member = Q(comparison_run__comparison__organisation__memberships__user=request.user)
        else:
            member = Q(study_run__study__organisation__memberships__user=request.user)
        if Report.objects.filter(member, pk=report_id).exists():
            return report
    raise NotFound("No such report.")


def _request(request: Request, **subject) -> Response:
    """POST of a report of any subject: 202 with its state, 409 before it completed, 503 without a
    queue, 403 for a viewer when the report is not built (building one is a write)."""
    serializer = ReportRequestSerializer(data=request.data)
    if not serializer.is_valid():
        raise FieldErrors(flatten(serializer.errors))
    try:
        report = report_request_by(request.user, kind=serializer.validated_data["kind"], **subject)
    except ReportBuildRefused as error:
        raise PermissionDenied(str(error)) from None
    except ReportNotPossible as error:
        raise Conflict(str(error)) from None
    except ValueError as error:  # a kind this subject has no report of (a portfolio's JSON is its result)
        raise FieldErrors({"kind": [str(error)]}) from None
    except JobQueueUnavailable as error:
        raise QueueUnavailable(f"report {error.job_id} failed: {error.reason}") from None
    data = report_payload(report, request)
    return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["url"]})


def subject_reports_view(*, subject: str, find: str, noun: str, done: str, request_summary: str) -> type[PlannerView]:
    """List (GET) and request (POST) the reports of one kind of subject — a run, a portfolio run, a
    study run — all through ``_request``; ``find`` is the dotted path of the selector that returns
    the user's subject or 404 (imported on use: the subjects' apps import this module)."""

    class SubjectReportsView(PlannerView):
        serializer_class = ReportSerializer

        def get(self, request: Request, run_id: int) -> Response:
            run = import_string(find)(request.user, run_id)
            reports = Report.objects.filter(**{subject: run}).defer("content").order_by("kind")
            page = self.paginate_queryset(list(reports))
            return self.get_paginated_response([report_payload(report, request) for report in page])

        def post(self, request: Request, run_id: int) -> Response:
            return _request(request, **{subject: import_string(find)(request.user, run_id)})

    return extend_schema_view(
        get=extend_schema(
            summary=f"Reports built (or being built) for a {noun}",
            operation_id=f"{subject}_reports_list",
            tags=["reports"],
            responses=ReportSerializer(many=True),
        ),
        post=extend_schema(
            summary=request_summary,
            operation_id=f"{subject}_reports_create",
            request=ReportRequestSerializer,
            responses={
                202: ReportSerializer,
                409: OpenApiResponse(ErrorSerializer, description=f"the {noun} has not {done}"),
                503: OpenApiResponse(ErrorSerializer, description="the job queue is unavailable; the report failed"),
            },
            tags=["reports"],
        ),
    )(SubjectReportsView)


RunReportsView = subject_reports_view(
    subject="run",
    find="planner.scenarios.selectors.run_for_user",
    noun="run",
    done="completed",
    request_summary="Request a report of a completed run (PDF, XLSX, CSV or JSON)",
)
PortfolioRunReportsView = subject_reports_view(
    subject="portfolio_run",
    find="planner.portfolios.selectors.portfolio_run_for_user",
    noun="portfolio run",
    done="completed",
    request_summary="Request a report of a completed portfolio run (PDF, XLSX or CSV)",
)
StudyRunReportsView = subject_reports_view(
    subject="study_run",
    find="planner.studies.selectors.study_run_for_user",
    noun="study run",
    done="finished",
    request_summary="Request the report of a finished study run (PDF)",
)


class ReportDetailView(PlannerView):
    serializer_class = ReportSerializer

    @extend_schema(summary="A report's status (poll until ready)", operation_id="reports_retrieve", tags=["reports"])
    def get(self, request: Request, report_id: int) -> Response:
        return Response(report_payload(_report_for_user(request, report_id), request))


class ReportDownloadView(PlannerView):
    @extend_schema(
        summary="Download the report file",
        operation_id="reports_download",
        responses={
            **{(200, media): OpenApiTypes.BINARY for media in _MEDIA_TYPES},
            (200, "application/json"): OpenApiTypes.OBJECT,
            304: OpenApiResponse(description="not modified (If-None-Match)"),
            409: OpenApiResponse(ErrorSerializer, description="not ready yet, or failed"),
        },
        tags=["reports"],
    )
    def get(self, request: Request, report_id: int) -> Response:
        report = _report_for_user(request, report_id)
        if not report.is_ready:
            raise Conflict(f"the report is {report.status}" + (f": {report.error}" if report.error else ""))
        stamp = f"{report.pk}:{report.finished_at.isoformat() if report.finished_at else ''}"
        etag = '"' + hashlib.sha256(stamp.encode()).hexdigest()[:32] + '"'
        if etag in {t.strip() for t in request.headers.get("If-None-Match", "").split(",")}:
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        report = Report.objects.get(pk=report.pk)
        response = file_response(report)
        response["ETag"] = etag
        return response
