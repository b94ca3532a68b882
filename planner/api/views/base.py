"""What every API view shares: the OpenAPI schema class and query-parameter readers that refuse
bad values with the parameter's name (400), never silently ignore them."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiParameter
from rest_framework.generics import GenericAPIView
from rest_framework.metadata import SimpleMetadata
from rest_framework.request import Request

from planner.api.errors import FieldErrors
from planner.api.schema import PlannerAutoSchema
from planner.ids import as_id


class DescribeOnlyMetadata(SimpleMetadata):
    """OPTIONS answers name, description, renders and parses. DRF's default also lists each
    method's fields by building the serializer for an object, which some views do not have (a 500);
    the bodies are documented in the OpenAPI schema at /api/v1/schema/ instead."""

    def determine_actions(self, request: Request, view: object) -> dict[str, object]:
        return {}


class PlannerView(GenericAPIView):
    schema = PlannerAutoSchema()
    metadata_class = DescribeOnlyMetadata


def int_param(request: Request, name: str) -> int | None:
    """A positive id: ASCII digits within a bigint ("²" and a 30-digit number are 400s, not 500s)."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    value = as_id(raw)
    if value is None:
        if raw.strip().lstrip("-").isascii() and raw.strip().lstrip("-").isdigit():
            raise FieldErrors({name: ["must be ≥ 1 and below 10^18"]})
        raise FieldErrors({name: [f"must be an integer, got {raw!r}"]})
    return value


ORGANISATION_PARAM = OpenApiParameter("organisation", int, description="only this organisation's items")


def in_organisation(request: Request, queryset: QuerySet, field: str = "organisation_id") -> QuerySet:
    """The list's items of the organisation named by ?organisation= (all of the user's without it)."""
    organisation = int_param(request, "organisation")
    return queryset if organisation is None else queryset.filter(**{field: organisation})


def choice_param(request: Request, name: str, choices: tuple[str, ...] | list[str]) -> str:
    raw = request.query_params.get(name, "")
    if raw and raw not in choices:
        raise FieldErrors({name: [f"must be one of {', '.join(choices)}; got {raw!r}"]})
    return raw


def bool_param(request: Request, name: str) -> bool:
    raw = request.query_params.get(name, "").strip().lower()
    if raw in {"", "0", "false", "no"}:
        return False
    if raw in {"1", "true", "yes"}:
        return True
    raise FieldErrors({name: [f"must be 1/0, true/false or yes/no; got {raw!r}"]})


@csrf_exempt  # changes nothing, whatever the method
def not_found(request, *args, **kwargs) -> JsonResponse:
    """No API resource at this path; the same error body as every other API error."""
    detail = f"No API resource at {request.path}."
    if not request.path.endswith("/"):
        detail += f" API paths end with a slash: {request.path}/ (except /api/v1/estimate)."
    body = {"status": 404, "code": "not_found", "detail": detail, "errors": {}}
    return JsonResponse(body, status=404)
