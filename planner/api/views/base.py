"""What every API view shares: the OpenAPI schema class and query-parameter readers that refuse
bad values with the parameter's name (400), never silently ignore them."""

from __future__ import annotations

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework.generics import GenericAPIView
from rest_framework.metadata import SimpleMetadata
from rest_framework.request import Request

from planner.api.errors import FieldErrors
from planner.api.schema import PlannerAutoSchema


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
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise FieldErrors({name: [f"must be an integer, got {raw!r}"]}) from None
    if value < 1:
        raise FieldErrors({name: ["must be ≥ 1"]})
    return value


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
