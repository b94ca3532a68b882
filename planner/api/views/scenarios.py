"""Organisations and scenarios (CRUD on the one scenario schema)."""

from __future__ import annotations

from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from planner.api import services as api_services
from planner.api.errors import ErrorSerializer, FieldErrors, flatten
from planner.api.permissions import ensure_can_edit
from planner.api.serializers import (
    OrganisationSerializer,
    ScenarioCreateSerializer,
    ScenarioSerializer,
    ScenarioUpdateSerializer,
)
from planner.api.views.base import PlannerView, choice_param, int_param
from planner.engine.schema import ScenarioError, parse_scenario
from planner.scenarios import selectors, services
from planner.scenarios.models import Membership

_ORDERINGS = ("name", "-name", "updated_at", "-updated_at", "created_at", "-created_at", "id", "-id")


def _validated(serializer_class, data) -> dict:
    """Body fields and the scenario document checked together, so one answer lists every error."""
    serializer = serializer_class(data=data)
    errors = {} if serializer.is_valid() else flatten(serializer.errors)
    if "inputs" not in errors and isinstance(data, dict):
        try:
            parse_scenario(data.get("inputs"))
        except ScenarioError as error:
            errors.update(error.errors)
    if errors:
        raise FieldErrors(errors)
    return serializer.validated_data


class OrganisationListView(PlannerView):
    serializer_class = OrganisationSerializer

    def get_queryset(self):
        return selectors.organisations_for_user(self.request.user)

    def get_serializer_context(self):
        roles = dict(Membership.objects.filter(user=self.request.user).values_list("organisation_id", "role"))
        return {**super().get_serializer_context(), "roles": roles}

    @extend_schema(
        summary="Your organisations and your role in each",
        operation_id="organisations_list",
        responses=OrganisationSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class ScenarioListView(PlannerView):
    serializer_class = ScenarioSerializer

    def get_queryset(self):
        queryset = selectors.scenarios_for_user(self.request.user)
        organisation = int_param(self.request, "organisation")
        if organisation is not None:
            queryset = queryset.filter(organisation_id=organisation)
        search = self.request.query_params.get("search", "").strip()
        if search:
            queryset = queryset.filter(Q(name__icontains=search) | Q(inputs__description__icontains=search))
        owner = self.request.query_params.get("owner", "").strip()
        if owner:
            queryset = queryset.filter(owner__username=owner)
        ordering = choice_param(self.request, "ordering", _ORDERINGS)
        return queryset.order_by(ordering, "-id") if ordering else queryset

    @extend_schema(
        summary="Scenarios of your organisations",
        operation_id="scenarios_list",
        responses=ScenarioSerializer(many=True),
        parameters=[
            OpenApiParameter("organisation", int, description="only this organisation's scenarios"),
            OpenApiParameter("search", str, description="text in the name or description"),
            OpenApiParameter("owner", str, description="username of the owner"),
            OpenApiParameter("ordering", str, enum=list(_ORDERINGS)),
        ],
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Create a scenario",
        operation_id="scenarios_create",
        request=ScenarioCreateSerializer,
        responses={201: ScenarioSerializer},
    )
    def post(self, request: Request) -> Response:
        body = _validated(ScenarioCreateSerializer, request.data)
        organisation = api_services.organisation_for_write(
            user=request.user, organisation_id=body.get("organisation"), action="create scenarios"
        )
        scenario = services.scenario_create(owner=request.user, organisation=organisation, inputs=body["inputs"])
        data = self.get_serializer(scenario).data
        return Response(data, status=status.HTTP_201_CREATED, headers={"Location": data["url"]})


class ScenarioDetailView(PlannerView):
    serializer_class = ScenarioSerializer

    def get_object(self):
        return selectors.scenario_for_user(self.request.user, self.kwargs["scenario_id"])

    @extend_schema(summary="A scenario with its current inputs", operation_id="scenarios_retrieve")
    def get(self, request: Request, scenario_id: int) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Replace the scenario's inputs (saved as the next version)",
        operation_id="scenarios_update",
        request=ScenarioUpdateSerializer,
        responses={200: ScenarioSerializer},
    )
    def put(self, request: Request, scenario_id: int) -> Response:
        scenario = self.get_object()
        ensure_can_edit(request.user, scenario.organisation_id, action="edit scenarios")
        body = _validated(ScenarioUpdateSerializer, request.data)
        scenario = services.scenario_update(scenario=scenario, author=request.user, inputs=body["inputs"])
        return Response(self.get_serializer(scenario).data)

    @extend_schema(
        summary="Delete a scenario that has no runs",
        operation_id="scenarios_destroy",
        responses={
            204: OpenApiResponse(description="deleted"),
            409: OpenApiResponse(ErrorSerializer, description="the scenario has runs"),
        },
    )
    def delete(self, request: Request, scenario_id: int) -> Response:
        api_services.scenario_delete(scenario=self.get_object(), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
