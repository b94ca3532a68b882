"""POST /api/v1/estimate: one model × accelerator × load, computed in the request by the same
engine and with the same fields as `manage.py estimate` (accelerators.efficiency.estimate)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from accelerators.catalog import CatalogError, get_accelerator, get_model
from accelerators.models import AcceleratorEntry, ModelEntry
from planner.api.errors import FieldErrors, flatten
from planner.api.serializers import EstimateRequestSerializer
from planner.api.throttling import EstimateRateThrottle, TokenRateThrottle
from planner.api.views.base import PlannerView


def _resolve(ref: Any, *, field: str, user, entries, reader):
    """A slug of the user's organisations' own entry first, then the shipped catalog; or a full object."""
    if isinstance(ref, str):
        own = entries.filter(slug=ref.strip(), builtin=False, organisation__memberships__user=user).first()
        if own is not None:
            ref = {**own.data, "slug": own.slug, "name": own.data.get("name", own.name)}
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
        errors: dict[str, list[str]] = {}
        specs = {}
        for field, entries, reader in (
            ("model", ModelEntry.objects, get_model),
            ("accelerator", AcceleratorEntry.objects, get_accelerator),
        ):
            try:
                specs[field] = _resolve(args.pop(field), field=field, user=request.user, entries=entries, reader=reader)
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
        return Response(result.to_dict())
