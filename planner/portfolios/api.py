"""REST API for portfolios under /api/v1/portfolios/: CRUD, runs (202 + Location, Idempotency-Key),
run status, results with ETag. Same conventions as scenarios and runs (planner/api/): one error
body, outsiders 404, viewers 403 on writes."""

from __future__ import annotations

from email.utils import format_datetime

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from planner.api import services as api_services
from planner.api.errors import Conflict, ErrorSerializer, FieldErrors
from planner.api.permissions import ensure_can_edit
from planner.api.serializers import _absolute
from planner.api.views.base import PlannerView, int_param
from planner.api.views.jobs import IDEMPOTENCY_HEADER, idempotency_key, job_accepted
from planner.api.views.runs import not_modified, result_etag
from planner.jobs.deletion import JobsInProgress
from planner.portfolios import selectors, services
from planner.portfolios.models import Portfolio, PortfolioRun
from planner.portfolios.validation import PortfolioInputError


class PortfolioMemberSerializer(serializers.Serializer):
    scenario = serializers.IntegerField(help_text="a scenario of the portfolio's organisation")
    region = serializers.CharField(required=False, help_text="grid region slug; default the scenario's grid.region")
    in_service_year = serializers.IntegerField(help_text="within start_year–end_year")
    ramp = serializers.ListField(
        child=serializers.FloatField(),
        required=False,
        help_text="one value per year from in_service_year (the last holds): shares 0–1, or MW of the final peak",
    )
    ramp_unit = serializers.ChoiceField(choices=["share", "mw"], required=False, default="share")


class PortfolioWriteSerializer(serializers.Serializer):
    organisation = serializers.IntegerField(required=False, help_text="on create; default your only organisation")
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    start_year = serializers.IntegerField()
    end_year = serializers.IntegerField()
    system_load_upload = serializers.IntegerField(required=False, allow_null=True, help_text="a system_load upload")
    system_load_region = serializers.CharField(required=False, allow_blank=True, help_text="region of the upload")
    members = PortfolioMemberSerializer(many=True)


class PortfolioSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    runs_url = serializers.SerializerMethodField()
    owner = serializers.CharField(source="owner.username", read_only=True)
    members = serializers.SerializerMethodField()

    class Meta:
        model = Portfolio
        fields = [
            "id",
            "url",
            "organisation",
            "owner",
            "name",
            "description",
            "start_year",
            "end_year",
            "system_load_upload",
            "system_load_region",
            "members",
            "runs_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_url(self, portfolio: Portfolio) -> str:
        return _absolute(self.context.get("request"), "api-portfolio-detail", portfolio.pk)

    def get_runs_url(self, portfolio: Portfolio) -> str:
        return _absolute(self.context.get("request"), "api-portfolio-runs", portfolio.pk)

    @extend_schema_field(PortfolioMemberSerializer(many=True))
    def get_members(self, portfolio: Portfolio) -> list[dict]:
        return services.portfolio_document(portfolio)["members"]


class PortfolioRunSerializer(serializers.ModelSerializer):
    status = serializers.CharField(
        read_only=True, help_text="queued, running, succeeded, constraints_not_met or failed (the shared job states)"
    )
    url = serializers.SerializerMethodField()
    result_url = serializers.SerializerMethodField()
    reports_url = serializers.SerializerMethodField(help_text="request and list its PDF, XLSX and CSV reports")
    finished = serializers.BooleanField(source="is_finished", read_only=True)
    submitted_by = serializers.CharField(source="submitted_by.username", read_only=True)
    constraints = serializers.SerializerMethodField(
        help_text="constraints the portfolio misses (status constraints_not_met): kind, label, message, region, years"
    )

    class Meta:
        model = PortfolioRun
        fields = [
            "id",
            "url",
            "portfolio",
            "status",
            "constraints",
            "stage",
            "progress_frac",
            "finished",
            "error",
            "attempts",
            "submitted_by",
            "created_at",
            "started_at",
            "finished_at",
            "compute_s",
            "result_url",
            "reports_url",
        ]
        read_only_fields = fields

    def get_constraints(self, run: PortfolioRun) -> list[dict]:
        return run.constraints

    def get_reports_url(self, run: PortfolioRun) -> str:
        return _absolute(self.context.get("request"), "api-portfolio-run-reports", run.pk)

    def get_url(self, run: PortfolioRun) -> str:
        return _absolute(self.context.get("request"), "api-portfolio-run-detail", run.pk)

    def get_result_url(self, run: PortfolioRun) -> str | None:
        if run.status not in selectors.COMPLETED:
            return None
        return _absolute(self.context.get("request"), "api-portfolio-run-result", run.pk)


class PortfolioResultSerializer(serializers.Serializer):
    run = serializers.IntegerField()
    status = serializers.CharField()
    constraints = serializers.ListField(
        child=serializers.DictField(), help_text="constraints the portfolio misses (kind, label, message, years…)"
    )
    finished_at = serializers.DateTimeField()
    result = serializers.DictField(help_text="years, members (with where each load came from), regions → yearly rows")


def _body(request: Request) -> dict:
    if not isinstance(request.data, dict):
        raise FieldErrors({"body": ["must be a JSON object"]})
    return dict(request.data)


def _write(call):
    try:
        return call()
    except PortfolioInputError as error:
        raise FieldErrors(error.errors) from None


class PortfolioListView(PlannerView):
    serializer_class = PortfolioSerializer

    @extend_schema(
        summary="Portfolios of your organisations",
        operation_id="portfolios_list",
        responses=PortfolioSerializer(many=True),
        parameters=[OpenApiParameter("organisation", int, description="only this organisation's portfolios")],
    )
    def get(self, request: Request) -> Response:
        queryset = selectors.portfolios_for_user(request.user).prefetch_related("members")
        organisation = int_param(request, "organisation")
        if organisation is not None:
            queryset = queryset.filter(organisation_id=organisation)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Create a portfolio",
        operation_id="portfolios_create",
        request=PortfolioWriteSerializer,
        responses={201: PortfolioSerializer},
    )
    def post(self, request: Request) -> Response:
        body = _body(request)
        raw = body.pop("organisation", None)
        if raw is not None and (isinstance(raw, bool) or not isinstance(raw, int)):
            raise FieldErrors({"organisation": ["must be an integer id"]})
        organisation = api_services.organisation_for_write(
            user=request.user, organisation_id=raw, action="create portfolios"
        )
        portfolio = _write(lambda: services.portfolio_create(owner=request.user, organisation=organisation, data=body))
        data = self.get_serializer(portfolio).data
        return Response(data, status=status.HTTP_201_CREATED, headers={"Location": data["url"]})


class PortfolioDetailView(PlannerView):
    serializer_class = PortfolioSerializer

    def get_object(self) -> Portfolio:
        return selectors.portfolio_for_user(self.request.user, self.kwargs["portfolio_id"])

    @extend_schema(summary="A portfolio and its members", operation_id="portfolios_retrieve")
    def get(self, request: Request, portfolio_id: int) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Replace a portfolio's definition",
        operation_id="portfolios_update",
        request=PortfolioWriteSerializer,
        responses={200: PortfolioSerializer},
    )
    def put(self, request: Request, portfolio_id: int) -> Response:
        portfolio = self.get_object()
        ensure_can_edit(request.user, portfolio.organisation_id, action="edit portfolios")
        body = _body(request)
        body.pop("organisation", None)
        portfolio = _write(lambda: services.portfolio_update(portfolio=portfolio, data=body))
        return Response(self.get_serializer(portfolio).data)

    @extend_schema(
        summary="Delete a portfolio and its runs",
        operation_id="portfolios_destroy",
        responses={204: OpenApiResponse(description="deleted")},
    )
    def delete(self, request: Request, portfolio_id: int) -> Response:
        portfolio = self.get_object()
        ensure_can_edit(request.user, portfolio.organisation_id, action="delete portfolios")
        try:
            services.portfolio_delete(portfolio=portfolio)
        except JobsInProgress as error:
            raise Conflict(str(error)) from None
        return Response(status=status.HTTP_204_NO_CONTENT)


class PortfolioRunsView(PlannerView):
    serializer_class = PortfolioRunSerializer

    @extend_schema(
        summary="Runs of one portfolio", operation_id="portfolio_runs_list", responses=PortfolioRunSerializer(many=True)
    )
    def get(self, request: Request, portfolio_id: int) -> Response:
        portfolio = selectors.portfolio_for_user(request.user, portfolio_id)
        page = self.paginate_queryset(selectors.portfolio_runs_for_list(portfolio.runs.select_related("submitted_by")))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Start a study of the portfolio's current definition",
        operation_id="portfolio_runs_create",
        request=None,
        parameters=[IDEMPOTENCY_HEADER],
        responses={
            202: PortfolioRunSerializer,
            503: OpenApiResponse(
                ErrorSerializer,
                description="the job queue is unavailable: the run is stored as failed with the reason; "
                "a retry with the same Idempotency-Key starts a new run",
            ),
        },
    )
    def post(self, request: Request, portfolio_id: int) -> Response:
        portfolio = selectors.portfolio_for_user(request.user, portfolio_id)
        ensure_can_edit(request.user, portfolio.organisation_id, action="run portfolios")
        key = idempotency_key(request)
        return job_accepted(
            self,
            lambda: services.portfolio_run_submit(portfolio=portfolio, submitted_by=request.user, idempotency_key=key),
            what="portfolio run",
        )


class PortfolioRunDetailView(PlannerView):
    serializer_class = PortfolioRunSerializer

    @extend_schema(summary="A portfolio run's status and progress (poll this)", operation_id="portfolio_runs_retrieve")
    def get(self, request: Request, run_id: int) -> Response:
        return Response(self.get_serializer(selectors.portfolio_run_for_user(request.user, run_id)).data)


class PortfolioRunResultView(PlannerView):
    serializer_class = PortfolioResultSerializer

    @extend_schema(
        summary="A portfolio run's year-by-year result",
        operation_id="portfolio_runs_result",
        responses={
            200: PortfolioResultSerializer,
            304: OpenApiResponse(description="not modified (If-None-Match / If-Modified-Since)"),
            409: OpenApiResponse(ErrorSerializer, description="the run has not completed (yet)"),
        },
    )
    def get(self, request: Request, run_id: int) -> Response:
        run = selectors.portfolio_run_for_user(request.user, run_id)
        if run.status not in selectors.COMPLETED:
            raise Conflict(f"the run is {run.status}" + (f": {run.error}" if run.error else "; poll the run and retry"))
        etag = result_etag(run, hourly=False, series="portfolio")
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
        return Response(body, headers=headers)
