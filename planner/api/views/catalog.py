"""Catalog resources: accelerators, models, sites, regions (shipped + organisations' own)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from planner.api import services as api_services
from planner.api.catalogs import CATALOGS, catalog_entries, catalog_entry, custom_entry_row, entry_from_row
from planner.api.errors import FieldErrors, flatten
from planner.api.permissions import ensure_can_edit
from planner.api.serializers import (
    CatalogEntryCreateSerializer,
    CatalogEntrySerializer,
    CatalogEntryUpdateSerializer,
)
from planner.api.views.base import PlannerView, choice_param, int_param

_DESCRIPTIONS = {
    "accelerators": "accelerators (GPU, ASIC, FPGA) with their datasheet figures and sources",
    "models": "LLM architectures",
    "sites": "data-center sites with typical-year climate statistics",
    "regions": "grid regions with carbon, price, capacity and household figures",
}


def _list_view(catalog: str) -> type[PlannerView]:
    parameters = [
        OpenApiParameter("search", str, description="text in the slug or name"),
        OpenApiParameter("source", str, enum=["builtin", "custom"], description="shipped or organisations' own"),
    ]
    if catalog == "accelerators":
        parameters.append(OpenApiParameter("kind", str, enum=["gpu", "asic", "fpga"]))

    class CatalogListView(PlannerView):
        serializer_class = CatalogEntrySerializer

        @extend_schema(
            summary=f"List {_DESCRIPTIONS[catalog]}",
            operation_id=f"{catalog}_list",
            responses=CatalogEntrySerializer(many=True),
            parameters=parameters,
            tags=[catalog],
        )
        def get(self, request: Request) -> Response:
            entries = catalog_entries(
                catalog=catalog,
                user=request.user,
                search=request.query_params.get("search", ""),
                source=choice_param(request, "source", ("builtin", "custom")),
                kind=choice_param(request, "kind", ("gpu", "asic", "fpga")) if catalog == "accelerators" else "",
            )
            page = self.paginate_queryset(entries)
            return self.get_paginated_response(page)

        @extend_schema(
            summary=f"Add a custom entry to your organisation's {catalog}",
            operation_id=f"{catalog}_create",
            request=CatalogEntryCreateSerializer,
            responses={201: CatalogEntrySerializer},
            tags=[catalog],
        )
        def post(self, request: Request) -> Response:
            serializer = CatalogEntryCreateSerializer(data=request.data)
            if not serializer.is_valid():
                raise FieldErrors(flatten(serializer.errors))
            row = api_services.catalog_entry_create(catalog=catalog, user=request.user, body=serializer.validated_data)
            location = request.build_absolute_uri(f"{request.path.rstrip('/')}/{row.slug}/")
            return Response(entry_from_row(row), status=status.HTTP_201_CREATED, headers={"Location": location})

    CatalogListView.__name__ = f"{catalog.title()}ListView"
    return CatalogListView


_ORGANISATION = OpenApiParameter(
    "organisation", int, description="whose own entry the slug names when two of your organisations have it"
)


def _detail_view(catalog: str) -> type[PlannerView]:
    class CatalogDetailView(PlannerView):
        serializer_class = CatalogEntrySerializer

        @extend_schema(
            summary=f"One of the {catalog}",
            operation_id=f"{catalog}_retrieve",
            tags=[catalog],
            parameters=[_ORGANISATION],
        )
        def get(self, request: Request, slug: str) -> Response:
            organisation = int_param(request, "organisation")
            entry = catalog_entry(catalog=catalog, user=request.user, slug=slug, organisation_id=organisation)
            if entry is None:
                raise NotFound(f"No {catalog[:-1]} {slug!r} in the catalog or your organisations' entries.")
            return Response(entry)

        @extend_schema(
            summary=f"Replace your organisation's custom entry in {catalog}",
            operation_id=f"{catalog}_update",
            request=CatalogEntryUpdateSerializer,
            responses={200: CatalogEntrySerializer},
            tags=[catalog],
            parameters=[_ORGANISATION],
        )
        def put(self, request: Request, slug: str) -> Response:
            organisation = int_param(request, "organisation")
            row = custom_entry_row(catalog=catalog, user=request.user, slug=slug, organisation_id=organisation)
            if row is None:
                raise NotFound(f"No custom {catalog[:-1]} {slug!r} in your organisations (shipped entries stay).")
            serializer = CatalogEntryUpdateSerializer(data=request.data)
            if not serializer.is_valid():
                raise FieldErrors(flatten(serializer.errors))
            row = api_services.catalog_entry_update(
                catalog=catalog, user=request.user, row=row, body=serializer.validated_data
            )
            return Response(entry_from_row(row))

        @extend_schema(
            summary=f"Delete your organisation's custom entry from {catalog}",
            operation_id=f"{catalog}_destroy",
            responses={204: OpenApiResponse(description="deleted")},
            tags=[catalog],
            parameters=[_ORGANISATION],
        )
        def delete(self, request: Request, slug: str) -> Response:
            organisation = int_param(request, "organisation")
            row = custom_entry_row(catalog=catalog, user=request.user, slug=slug, organisation_id=organisation)
            if row is None:
                raise NotFound(f"No custom {catalog[:-1]} {slug!r} in your organisations (shipped entries stay).")
            ensure_can_edit(request.user, row.organisation_id, action=f"delete {catalog}")
            row.delete()
            return Response(status=status.HTTP_204_NO_CONTENT)

    CatalogDetailView.__name__ = f"{catalog.title()}DetailView"
    return CatalogDetailView


LIST_VIEWS = {name: _list_view(name) for name in CATALOGS}
DETAIL_VIEWS = {name: _detail_view(name) for name in CATALOGS}
