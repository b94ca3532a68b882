"""REST API of studies: /api/v1/studies/ CRUD, runs (202 + Location, Idempotency-Key), status,
cancel and results (ETag). Same conventions as the scenarios API: one error body, organisation
scoping (outsiders 404, viewers 403 on writes)."""

from __future__ import annotations

import hashlib

from django.db.models import ProtectedError
from django.http import Http404, HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from planner.api import services as api_services
from planner.api.errors import Conflict, ErrorSerializer, FieldErrors, QueueUnavailable, flatten
from planner.api.permissions import ensure_can_edit
from planner.api.serializers import ReportSerializer, ScenarioSerializer
from planner.api.views.base import ORGANISATION_PARAM, PlannerView, bool_param, in_organisation
from planner.api.views.jobs import IDEMPOTENCY_HEADER, idempotency_key, job_accepted
from planner.engine.schema import ScenarioError
from planner.jobs.deletion import JobsInProgress
from planner.jobs.lifecycle import JobQueueUnavailable
from planner.scenarios import selectors as scenario_selectors
from planner.studies import selectors, services
from planner.studies.models import Study, StudyKind, StudyPoint, StudyRun


class StudySerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    owner = serializers.CharField(source="owner.username", read_only=True)
    # A plain string in the schema: another "kind" enum (reports) would collide in its naming.
    kind = serializers.CharField(read_only=True, help_text="sweep, uncertainty or optimisation")

    class Meta:
        model = Study
        fields = [
            "id",
            "url",
            "organisation",
            "scenario",
            "owner",
            "name",
            "kind",
            "definition",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_url(self, study: Study) -> str:
        return reverse("api-study-detail", args=[study.pk])


class StudyCreateSerializer(serializers.Serializer):
    organisation = serializers.IntegerField(required=False, help_text="default: the one you can edit in")
    scenario = serializers.IntegerField(help_text="id of the base scenario")
    name = serializers.CharField(max_length=200)
    definition = serializers.DictField(help_text="kind sweep / uncertainty / optimisation; see docs/studies.md")


class StudyUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    definition = serializers.DictField(required=False)


class StudyRunSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    results_url = serializers.SerializerMethodField()
    reports_url = serializers.SerializerMethodField(help_text="request and list its PDF report")
    points_stored = serializers.SerializerMethodField()
    # As runs, portfolio runs and comparison runs: true once the run will change no more.
    finished = serializers.BooleanField(source="is_finished", read_only=True)
    carried_over_from = serializers.IntegerField(
        source="carried_over_from_id",
        read_only=True,
        allow_null=True,
        help_text="the failed run of the same definition and inputs whose stored points this run started from",
    )
    points_carried_over = serializers.IntegerField(
        read_only=True, help_text="points copied from that run (not computed again)"
    )

    class Meta:
        model = StudyRun
        fields = [
            "id",
            "url",
            "results_url",
            "reports_url",
            "study",
            "status",
            "finished",
            "stage",
            "progress_frac",
            "error",
            "attempts",
            "points_total",
            "points_stored",
            "carried_over_from",
            "points_carried_over",
            "created_at",
            "started_at",
            "finished_at",
            "compute_s",
        ]
        read_only_fields = fields

    def get_url(self, run: StudyRun) -> str:
        return reverse("api-study-run-detail", args=[run.pk])

    def get_results_url(self, run: StudyRun) -> str:
        return reverse("api-study-run-results", args=[run.pk])

    def get_reports_url(self, run: StudyRun) -> str:
        return reverse("api-study-run-reports", args=[run.pk])

    def get_points_stored(self, run: StudyRun) -> int:
        return run.points.count()


def _validated(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        raise FieldErrors(flatten(serializer.errors))
    return serializer.validated_data


def _definition_errors(error: ScenarioError) -> FieldErrors:
    return FieldErrors(
        {f"definition.{p}" if not p.startswith("definition") else p: m for p, m in error.errors.items()},
        detail="The study definition has errors; see `errors` (field path → messages).",
    )


class StudyListView(PlannerView):
    serializer_class = StudySerializer

    @extend_schema(
        summary="Studies of your organisations",
        operation_id="studies_list",
        responses=StudySerializer(many=True),
        parameters=[
            OpenApiParameter("kind", str, description="sweep, uncertainty or optimisation"),
            ORGANISATION_PARAM,
        ],
    )
    def get(self, request: Request) -> Response:
        queryset = in_organisation(request, selectors.studies_for_user(request.user))
        kind = request.query_params.get("kind", "")
        if kind and kind not in StudyKind.values:
            raise FieldErrors({"kind": [f"must be one of {', '.join(StudyKind.values)}; got {kind!r}"]})
        if kind:
            queryset = queryset.filter(kind=kind)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Create a study of a scenario",
        operation_id="studies_create",
        request=StudyCreateSerializer,
        responses={201: StudySerializer},
    )
    def post(self, request: Request) -> Response:
        body = _validated(StudyCreateSerializer, request.data)
        try:
            scenario = scenario_selectors.scenario_for_user(request.user, body["scenario"])
        except Exception:
            raise FieldErrors({"scenario": [f"no scenario with id {body['scenario']} among yours"]}) from None
        organisation = api_services.organisation_for_write(
            user=request.user,
            organisation_id=body.get("organisation", scenario.organisation_id),
            action="create studies",
        )
        if organisation.pk != scenario.organisation_id:
            raise FieldErrors({"scenario": ["belongs to another organisation"]})
        try:
            study = services.study_create(
                owner=request.user,
                organisation=organisation,
                scenario=scenario,
                name=body["name"],
                definition=body["definition"],
            )
        except ScenarioError as error:
            raise _definition_errors(error) from None
        data = self.get_serializer(study).data
        return Response(data, status=status.HTTP_201_CREATED, headers={"Location": data["url"]})


class StudyDetailView(PlannerView):
    serializer_class = StudySerializer

    @extend_schema(summary="A study", operation_id="studies_retrieve")
    def get(self, request: Request, study_id: int) -> Response:
        return Response(self.get_serializer(selectors.study_for_user(request.user, study_id)).data)

    @extend_schema(
        summary="Change a study's name or definition",
        operation_id="studies_update",
        request=StudyUpdateSerializer,
        responses={200: StudySerializer},
    )
    def put(self, request: Request, study_id: int) -> Response:
        study = selectors.study_for_user(request.user, study_id)
        ensure_can_edit(request.user, study.organisation_id, action="edit studies")
        body = _validated(StudyUpdateSerializer, request.data)
        try:
            study = services.study_update(study=study, name=body.get("name"), definition=body.get("definition"))
        except ScenarioError as error:
            raise _definition_errors(error) from None
        return Response(self.get_serializer(study).data)

    @extend_schema(
        summary="Delete a study and its runs",
        operation_id="studies_destroy",
        responses={204: OpenApiResponse(description="deleted")},
    )
    def delete(self, request: Request, study_id: int) -> Response:
        study = selectors.study_for_user(request.user, study_id)
        ensure_can_edit(request.user, study.organisation_id, action="delete studies")
        try:
            services.study_delete(study=study)
        except JobsInProgress as error:
            raise Conflict(str(error)) from None
        except ProtectedError:
            raise Conflict("The study is referenced elsewhere.") from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class StudyRunsView(PlannerView):
    serializer_class = StudyRunSerializer

    @extend_schema(summary="Runs of a study", operation_id="study_runs_list", responses=StudyRunSerializer(many=True))
    def get(self, request: Request, study_id: int) -> Response:
        study = selectors.study_for_user(request.user, study_id)
        page = self.paginate_queryset(study.runs.all())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Start a run of the study",
        operation_id="study_runs_create",
        request=None,
        parameters=[IDEMPOTENCY_HEADER],
        responses={202: StudyRunSerializer},
    )
    def post(self, request: Request, study_id: int) -> Response:
        study = selectors.study_for_user(request.user, study_id)
        ensure_can_edit(request.user, study.organisation_id, action="start studies")
        return job_accepted(
            self,
            lambda: services.study_run_submit(
                study=study, submitted_by=request.user, idempotency_key=idempotency_key(request)
            ),
            what="study run",
        )


class StudyRunDetailView(PlannerView):
    serializer_class = StudyRunSerializer

    @extend_schema(summary="A study run's status and progress (poll this)", operation_id="study_runs_retrieve")
    def get(self, request: Request, run_id: int) -> Response:
        return Response(self.get_serializer(selectors.study_run_for_user(request.user, run_id)).data)


class StudyRunCancelView(PlannerView):
    serializer_class = StudyRunSerializer

    @extend_schema(summary="Cancel a study run (its chunks stop)", operation_id="study_runs_cancel", request=None)
    def post(self, request: Request, run_id: int) -> Response:
        run = selectors.study_run_for_user(request.user, run_id)
        ensure_can_edit(request.user, run.study.organisation_id, action="cancel studies")
        if run.is_finished:
            raise Conflict(f"The run has already finished ({run.status}).")
        services.study_run_cancel(run=run, user=request.user)
        run.refresh_from_db()
        return Response(self.get_serializer(run).data)


class StudyRunResultsView(PlannerView):
    serializer_class = StudyRunSerializer

    @extend_schema(
        summary="A study run's points (KPIs per point, reasons of refused points) and its summary",
        operation_id="study_runs_results",
        parameters=[
            OpenApiParameter("series", bool, description="include each point's daily series"),
            OpenApiParameter(
                "pareto", str, description="optimisation: the two KPIs of the front, `a,b` (default the study's pair)"
            ),
        ],
        responses={
            200: OpenApiResponse(description="summary and points"),
            304: OpenApiResponse(description="not modified"),
        },
    )
    def get(self, request: Request, run_id: int) -> Response:
        run = selectors.study_run_for_user(request.user, run_id)
        series = bool_param(request, "series")
        try:
            pair = selectors.pareto_pair(request.query_params.get("pareto", ""))
        except ValueError as error:
            raise FieldErrors({"pareto": [str(error)]}) from None
        count = run.points.count()
        stamp = f"{run.pk}:{run.status}:{count}:{run.finished_at}:{series}:{pair}"
        etag = '"' + hashlib.sha256(stamp.encode()).hexdigest()[:32] + '"'
        if etag in {t.strip() for t in request.headers.get("If-None-Match", "").split(",")}:
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        points = [
            {
                "index": p.index,
                "status": p.status,
                "values": p.values,
                "kpis": p.kpis,
                "error": p.error,
                "worker": p.worker,
                "attempts": p.attempts,
                **({"series": p.series} if series else {}),
            }
            for p in run.points.all()
        ]
        body = {"run": self.get_serializer(run).data, "summary": run.summary, "points": points}
        if isinstance(run.summary, dict) and "milp" in run.summary:  # the MILP's bound, gap and ε front
            body["milp"] = run.summary["milp"]
        front = selectors.study_run_pareto(run, pair)
        if front is not None:  # optimisation: indices of the non-dominated feasible points
            body |= {"pareto": front["indices"], "pareto_kpis": front["kpis"]}
        return Response(body, headers={"ETag": etag, "Cache-Control": "private, max-age=0, must-revalidate"})


class StudyPointAdoptView(PlannerView):
    serializer_class = ScenarioSerializer

    @extend_schema(
        summary="Adopt a study point: a new scenario (the base with the point's values) → 201 + Location",
        operation_id="study_points_adopt",
        request=None,
        responses={201: ScenarioSerializer},
    )
    def post(self, request: Request, run_id: int, index: int) -> Response:
        run = selectors.study_run_for_user(request.user, run_id)
        ensure_can_edit(request.user, run.study.organisation_id, action="adopt study points")
        try:
            scenario = services.study_point_adopt(run=run, index=index, owner=request.user)
        except StudyPoint.DoesNotExist:
            raise Http404(f"study run {run.pk} has no point {index}") from None
        except services.PointNotAdoptable as error:
            raise Conflict(str(error)) from None
        except ScenarioError as error:
            raise FieldErrors(error.errors, detail="The adopted scenario does not validate.") from None
        data = self.get_serializer(scenario).data
        return Response(data, status=status.HTTP_201_CREATED, headers={"Location": data["url"]})


class StudyRunReportView(PlannerView):
    @extend_schema(
        summary="The study report (PDF) of a finished run: the file once the report job built it, else 202",
        description=(
            "Requests the PDF through the report job (like POST …/reports/ with kind pdf). "
            "200 with the PDF once built; until then 202 with the report's state and Location "
            "(/api/v1/reports/{id}/) to poll."
        ),
        operation_id="study_runs_report",
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            202: ReportSerializer,
            409: OpenApiResponse(ErrorSerializer, description="the run has not finished"),
            503: OpenApiResponse(ErrorSerializer, description="the job queue is unavailable; the report failed"),
        },
    )
    def get(self, request: Request, run_id: int) -> HttpResponse:
        from planner.api.views.reports import report_payload
        from planner.reports.models import Report
        from planner.reports.services import ReportBuildRefused, ReportNotPossible, report_request_by
        from planner.reports.views import file_response

        run = selectors.study_run_for_user(request.user, run_id)
        try:
            report = report_request_by(request.user, kind="pdf", study_run=run)
        except ReportBuildRefused as error:
            raise PermissionDenied(str(error)) from None
        except ReportNotPossible as error:
            raise Conflict(str(error)) from None
        except JobQueueUnavailable as error:
            raise QueueUnavailable(f"report {error.job_id} failed: {error.reason}") from None
        if report.is_ready:
            return file_response(Report.objects.get(pk=report.pk))
        data = report_payload(report, request)
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["url"]})
