"""Runs: create (202 + Location, Idempotency-Key), poll status and progress, read the result."""

from __future__ import annotations

import hashlib
from email.utils import format_datetime, parsedate_to_datetime

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from planner.api import services as api_services
from planner.api.errors import Conflict, ErrorSerializer, FieldErrors
from planner.api.permissions import ensure_can_edit
from planner.api.serializers import RunResultSerializer, RunSerializer
from planner.api.views.base import ORGANISATION_PARAM, PlannerView, bool_param, choice_param, in_organisation, int_param
from planner.api.views.jobs import IDEMPOTENCY_HEADER, idempotency_key, job_accepted
from planner.engine.result import hourly_from_npz, to_jsonable
from planner.scenarios import selectors
from planner.scenarios.models import RunHourly, RunStatus


def _runs_page(view: PlannerView, queryset) -> Response:
    status_filter = choice_param(view.request, "status", RunStatus.values)
    if status_filter:
        queryset = queryset.filter(status=status_filter)
    queryset = selectors.runs_for_list(queryset.select_related("submitted_by"))  # constraints without the result
    page = view.paginate_queryset(queryset.order_by("-created_at", "-id"))
    return view.get_paginated_response(view.get_serializer(page, many=True).data)


_STATUS_PARAM = OpenApiParameter("status", str, enum=list(RunStatus.values))


class RunListView(PlannerView):
    serializer_class = RunSerializer

    @extend_schema(
        summary="Runs of your organisations' scenarios",
        operation_id="runs_list",
        responses=RunSerializer(many=True),
        parameters=[
            _STATUS_PARAM,
            OpenApiParameter("scenario", int, description="only this scenario's runs"),
            ORGANISATION_PARAM,
        ],
    )
    def get(self, request: Request) -> Response:
        queryset = in_organisation(request, selectors.runs_for_user(request.user), "scenario__organisation_id")
        scenario = int_param(request, "scenario")
        if scenario is not None:
            queryset = queryset.filter(scenario_id=scenario)
        return _runs_page(self, queryset)


class ScenarioRunsView(PlannerView):
    serializer_class = RunSerializer

    @extend_schema(
        summary="Runs of one scenario",
        operation_id="scenario_runs_list",
        parameters=[_STATUS_PARAM],
        responses=RunSerializer(many=True),
    )
    def get(self, request: Request, scenario_id: int) -> Response:
        scenario = selectors.scenario_for_user(request.user, scenario_id)
        return _runs_page(self, scenario.runs.all())

    @extend_schema(
        summary="Start a run of the scenario's current inputs",
        operation_id="scenario_runs_create",
        request=None,
        parameters=[IDEMPOTENCY_HEADER],
        responses={
            202: RunSerializer,
            503: OpenApiResponse(
                ErrorSerializer,
                description="the job queue is unavailable: the run is stored as failed with the reason; "
                "a retry with the same Idempotency-Key starts a new run",
            ),
        },
    )
    def post(self, request: Request, scenario_id: int) -> Response:
        scenario = selectors.scenario_for_user(request.user, scenario_id)
        ensure_can_edit(request.user, scenario.organisation_id, action="start runs")
        key = idempotency_key(request)
        return job_accepted(
            self,
            lambda: api_services.run_submit_once(scenario=scenario, user=request.user, idempotency_key=key),
            what="run",
        )


class RunDetailView(PlannerView):
    serializer_class = RunSerializer

    @extend_schema(summary="A run's status and progress (poll this)", operation_id="runs_retrieve")
    def get(self, request: Request, run_id: int) -> Response:
        run = selectors.run_for_user(request.user, run_id)
        return Response(self.get_serializer(run).data)


def result_etag(run, *, hourly: bool, series: str) -> str:
    stamp = f"{run.pk}:{run.finished_at.isoformat() if run.finished_at else ''}:{int(hourly)}:{series}"
    return '"' + hashlib.sha256(stamp.encode()).hexdigest()[:32] + '"'


def not_modified(request: Request, etag: str, last_modified) -> bool:
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return etag in tags or "*" in tags
    since = request.headers.get("If-Modified-Since")
    if since and last_modified is not None:
        try:
            return last_modified.replace(microsecond=0) <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


class RunResultView(PlannerView):
    serializer_class = RunResultSerializer

    @extend_schema(
        summary="The run's result: KPIs, and the hourly series with ?hourly=1",
        operation_id="runs_result",
        parameters=[
            OpenApiParameter("hourly", OpenApiTypes.BOOL, description="add the 8,760-hour series"),
            OpenApiParameter("series", str, description="comma-separated series names (with hourly=1)"),
        ],
        responses={
            200: RunResultSerializer,
            304: OpenApiResponse(description="not modified (If-None-Match / If-Modified-Since)"),
            409: OpenApiResponse(ErrorSerializer, description="the run has not completed (yet), or failed"),
        },
    )
    def get(self, request: Request, run_id: int) -> Response:
        run = selectors.run_for_user(request.user, run_id)
        hourly = bool_param(request, "hourly")
        series = request.query_params.get("series", "").strip()
        if not run.is_completed:
            detail = f"the run is {run.status}" + (f": {run.error}" if run.error else "; poll the run and retry")
            raise Conflict(detail)
        etag = result_etag(run, hourly=hourly, series=series)
        headers = {"ETag": etag, "Cache-Control": "private, max-age=0, must-revalidate"}
        if run.finished_at is not None:
            headers["Last-Modified"] = format_datetime(run.finished_at.replace(microsecond=0), usegmt=True)
        if not_modified(request, etag, run.finished_at):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers=headers)
        body = {
            "run": run.pk,
            "status": run.status,
            "constraints": run.constraints,
            "finished_at": run.finished_at,
            "result": run.result or {},
        }
        if hourly:
            row = RunHourly.objects.filter(run=run).first()
            arrays = hourly_from_npz(row.npz) if row is not None else {}
            wanted = [name.strip() for name in series.split(",") if name.strip()] if series else list(arrays)
            unknown = [name for name in wanted if name not in arrays]
            if unknown:
                raise FieldErrors({"series": [f"unknown series {', '.join(unknown)}; known: {', '.join(arrays)}"]})
            body["hourly"] = to_jsonable({name: arrays[name] for name in wanted})
        return Response(body, headers=headers)  # already JSON-ready; the serializer documents it
