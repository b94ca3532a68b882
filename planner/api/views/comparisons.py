"""Site comparisons: CRUD on the comparison document, runs (202 + Location, Idempotency-Key),
status, and the result (ETag / If-None-Match), scoped to the user's organisations like scenarios."""

from __future__ import annotations

from email.utils import format_datetime

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from planner.api import services as api_services
from planner.api.errors import Conflict, ErrorSerializer, FieldErrors, flatten
from planner.api.permissions import ensure_can_edit
from planner.api.serializers import _absolute
from planner.api.views.base import ORGANISATION_PARAM, PlannerView, in_organisation
from planner.api.views.jobs import IDEMPOTENCY_HEADER, idempotency_key, job_accepted
from planner.api.views.runs import not_modified, result_etag
from planner.engine.schema import ScenarioError
from planner.jobs.deletion import JobsInProgress
from planner.scenarios import selectors as scenario_selectors
from planner.sites import selectors, services
from planner.sites.models import ComparisonRun, SiteComparison


class ComparisonDocumentField(serializers.JSONField):
    """A site comparison document (planner.engine.site_comparison.SiteComparisonSpec)."""


class ComparisonSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    runs_url = serializers.SerializerMethodField()
    inputs = ComparisonDocumentField(read_only=True)

    class Meta:
        model = SiteComparison
        fields = ["id", "url", "name", "organisation", "created_at", "updated_at", "runs_url", "inputs"]
        read_only_fields = fields

    def get_url(self, comparison: SiteComparison) -> str:
        return _absolute(self.context.get("request"), "api-comparison-detail", comparison.pk)

    def get_runs_url(self, comparison: SiteComparison) -> str:
        return _absolute(self.context.get("request"), "api-comparison-runs", comparison.pk)


class ComparisonWriteSerializer(serializers.Serializer):
    organisation = serializers.IntegerField(required=False, min_value=1, help_text="id of one of your organisations")
    inputs = ComparisonDocumentField(help_text="the comparison document: name, scenario, sites, users, weights")


class ComparisonRunSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    result_url = serializers.SerializerMethodField()
    finished = serializers.BooleanField(source="is_finished", read_only=True)
    status = serializers.CharField(
        read_only=True, help_text="queued, running, succeeded, constraints_not_met or failed"
    )

    class Meta:
        model = ComparisonRun
        fields = [
            "id",
            "url",
            "comparison",
            "status",
            "stage",
            "progress_frac",
            "finished",
            "error",
            "attempts",
            "created_at",
            "started_at",
            "finished_at",
            "compute_s",
            "result_url",
        ]
        read_only_fields = fields

    def get_url(self, run: ComparisonRun) -> str:
        return _absolute(self.context.get("request"), "api-comparison-run-detail", run.pk)

    def get_result_url(self, run: ComparisonRun) -> str:
        return _absolute(self.context.get("request"), "api-comparison-run-result", run.pk)


def _validated(data, *, organisation_id: int | None) -> dict:
    """The body, its inputs checked within the organisation (own sites and regions resolve there);
    a new comparison's inputs are checked by the create service once its organisation is known."""
    serializer = ComparisonWriteSerializer(data=data)
    errors = {} if serializer.is_valid() else flatten(serializer.errors)
    if "inputs" not in errors and isinstance(data, dict) and organisation_id is not None:
        try:
            services.comparison_validate(data.get("inputs"), organisation_id=organisation_id)
        except ScenarioError as error:
            errors.update(error.errors)
    if errors:
        raise FieldErrors(errors)
    return serializer.validated_data


class ComparisonListView(PlannerView):
    serializer_class = ComparisonSerializer

    @extend_schema(
        summary="Site comparisons of your organisations",
        operation_id="comparisons_list",
        responses=ComparisonSerializer(many=True),
        parameters=[ORGANISATION_PARAM],
    )
    def get(self, request: Request) -> Response:
        queryset = in_organisation(request, selectors.comparisons_for_user(request.user))
        page = self.paginate_queryset(queryset.order_by("-updated_at", "-id"))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Create a site comparison",
        operation_id="comparisons_create",
        request=ComparisonWriteSerializer,
        responses={201: ComparisonSerializer},
    )
    def post(self, request: Request) -> Response:
        body = _validated(request.data, organisation_id=None)
        organisation = api_services.organisation_for_write(
            user=request.user, organisation_id=body.get("organisation"), action="create site comparisons"
        )
        comparison = services.comparison_create(
            organisation=organisation, created_by=request.user, inputs=body["inputs"]
        )
        data = self.get_serializer(comparison).data
        return Response(data, status=status.HTTP_201_CREATED, headers={"Location": data["url"]})


class ComparisonDetailView(PlannerView):
    serializer_class = ComparisonSerializer

    @extend_schema(summary="A site comparison", operation_id="comparisons_retrieve")
    def get(self, request: Request, comparison_id: int) -> Response:
        return Response(self.get_serializer(selectors.comparison_for_user(request.user, comparison_id)).data)

    @extend_schema(
        summary="Replace the comparison document",
        operation_id="comparisons_update",
        request=ComparisonWriteSerializer,
        responses={200: ComparisonSerializer},
    )
    def put(self, request: Request, comparison_id: int) -> Response:
        comparison = selectors.comparison_for_user(request.user, comparison_id)
        ensure_can_edit(request.user, comparison.organisation_id, action="edit site comparisons")
        body = _validated(request.data, organisation_id=comparison.organisation_id)
        comparison = services.comparison_update(comparison=comparison, inputs=body["inputs"])
        return Response(self.get_serializer(comparison).data)

    @extend_schema(
        summary="Delete a site comparison and its runs",
        operation_id="comparisons_destroy",
        responses={
            204: OpenApiResponse(description="deleted"),
            409: OpenApiResponse(ErrorSerializer, description="a run of the comparison is queued or running"),
        },
    )
    def delete(self, request: Request, comparison_id: int) -> Response:
        comparison = selectors.comparison_for_user(request.user, comparison_id)
        if not scenario_selectors.can_edit(request.user, comparison.organisation_id):
            raise PermissionDenied("Viewers cannot delete site comparisons.")
        try:
            services.comparison_delete(comparison=comparison)
        except JobsInProgress as error:
            raise Conflict(str(error)) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class ComparisonRunsView(PlannerView):
    serializer_class = ComparisonRunSerializer

    @extend_schema(
        summary="Runs of one site comparison",
        operation_id="comparison_runs_list",
        responses=ComparisonRunSerializer(many=True),
    )
    def get(self, request: Request, comparison_id: int) -> Response:
        comparison = selectors.comparison_for_user(request.user, comparison_id)
        page = self.paginate_queryset(comparison.runs.order_by("-created_at", "-id"))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Run the comparison (every site, ranked)",
        operation_id="comparison_runs_create",
        request=None,
        parameters=[IDEMPOTENCY_HEADER],
        responses={202: ComparisonRunSerializer},
    )
    def post(self, request: Request, comparison_id: int) -> Response:
        comparison = selectors.comparison_for_user(request.user, comparison_id)
        ensure_can_edit(request.user, comparison.organisation_id, action="run site comparisons")
        return job_accepted(
            self,
            lambda: services.comparison_run_submit(
                comparison=comparison, submitted_by=request.user, idempotency_key=idempotency_key(request)
            ),
            what="comparison run",
        )


class ComparisonRunDetailView(PlannerView):
    serializer_class = ComparisonRunSerializer

    @extend_schema(
        summary="A comparison run's status and progress (poll this)", operation_id="comparison_runs_retrieve"
    )
    def get(self, request: Request, run_id: int) -> Response:
        return Response(self.get_serializer(selectors.comparison_run_for_user(request.user, run_id)).data)


class ComparisonResultSerializer(serializers.Serializer):
    run = serializers.IntegerField()
    status = serializers.CharField()
    finished_at = serializers.DateTimeField()
    result = serializers.JSONField(help_text="sites (figures, reasons, each site's own result), ranking, placement")


class ComparisonRunResultView(PlannerView):
    serializer_class = ComparisonResultSerializer

    @extend_schema(
        summary="The comparison's result: every site's figures, the ranking and the placement",
        operation_id="comparison_runs_result",
        responses={
            200: ComparisonResultSerializer,
            304: OpenApiResponse(description="not modified"),
            409: OpenApiResponse(ErrorSerializer, description="the run has not finished with a result"),
        },
    )
    def get(self, request: Request, run_id: int) -> Response:
        run = selectors.comparison_run_for_user(request.user, run_id)
        if not run.is_completed:
            raise Conflict(f"the comparison run is {run.status}" + (f": {run.error}" if run.error else ""))
        etag = result_etag(run, hourly=False, series="comparison")
        headers = {"ETag": etag, "Cache-Control": "private, max-age=0, must-revalidate"}
        if run.finished_at is not None:
            headers["Last-Modified"] = format_datetime(run.finished_at.replace(microsecond=0), usegmt=True)
        if not_modified(request, etag, run.finished_at):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers=headers)
        body = {"run": run.pk, "status": run.status, "finished_at": run.finished_at, "result": run.result or {}}
        return Response(body, headers=headers)
