"""POST /api/v1/estimate: one model × accelerator × load, computed in the request by the same
engine and with the same fields as `manage.py estimate` (accelerators.efficiency.estimate)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from accelerators.catalog import CatalogError, get_accelerator, get_model
from planner.api.catalogs import organisation_scope
from planner.api.errors import FieldErrors, flatten
from planner.api.serializers import EstimateRequestSerializer
from planner.api.throttling import EstimateRateThrottle, TokenRateThrottle
from planner.api.views.base import PlannerView
from planner.engine.documents import DocumentError, check_document
from planner.scenarios.custom_catalog import AmbiguousEntry, definition, own_entry


def _resolve(ref: Any, *, field: str, kind: str, organisation_ids: list[int], reader):
    """An own entry of the user's organisations (planner.scenarios.custom_catalog's rule), else the
    shipped catalog; or a full object."""
    if isinstance(ref, str):
        try:
            own = own_entry(kind=kind, slug=ref, organisation_ids=organisation_ids, field=field)
        except AmbiguousEntry as error:
            raise FieldErrors({error.field: [str(error)]}) from None
        if own is not None:
            ref = definition(own)
    elif not isinstance(ref, dict):
        raise FieldErrors({field: ["must be a catalog slug (string) or a full object"]})
    try:
        return reader(ref)
    except (CatalogError, TypeError, KeyError, ValueError) as error:
        raise FieldErrors({field: [str(error)]}) from None


class EstimateView(PlannerView):
    serializer_class = EstimateRequestSerializer
    throttle_classes = [TokenRateThrottle, EstimateRateThrottle]

    @extend_schema(
        summary="Estimate throughput, power and energy per token for one model on one accelerator",
        operation_id="estimate",
        request=EstimateRequestSerializer,
        responses={200: OpenApiTypes.OBJECT},
        tags=["estimate"],
    )
    def post(self, request: Request) -> Response:
        from accelerators.efficiency import EstimateError, estimate

        serializer = EstimateRequestSerializer(data=request.data)
        if not serializer.is_valid():
            raise FieldErrors(flatten(serializer.errors))
        args = dict(serializer.validated_data)
        organisation_ids = organisation_scope(request.user, args.pop("organisation", None))
        errors: dict[str, list[str]] = {}
        specs = {}
        for field, kind, reader in (("model", "models", get_model), ("accelerator", "accelerators", get_accelerator)):
            try:
                specs[field] = _resolve(
                    args.pop(field), field=field, kind=kind, organisation_ids=organisation_ids, reader=reader
                )
            except FieldErrors as error:
                errors.update(error.errors)
        if errors:
            raise FieldErrors(errors)
        try:
            result = estimate(model=specs["model"], accelerator=specs["accelerator"], **args)
        except EstimateError as error:
            raise FieldErrors({getattr(error, "field", None) or "body": [str(error)]}) from None
        except CatalogError as error:
            raise FieldErrors({"body": [str(error)]}) from None
        document = result.to_dict()
        try:
            check_document(document)
        except DocumentError as error:  # e.g. a custom accelerator so slow that a token takes forever
            raise FieldErrors(
                {"body": [f"the estimate is not a finite number for these inputs ({error}); check the figures given"]}
            ) from None
        return Response(document)
