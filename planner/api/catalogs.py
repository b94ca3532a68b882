"""Catalog resources: the shipped core catalogs (accelerators, models, climate sites, grid
regions) merged with the custom entries each organisation keeps in the database.

Custom entries are validated with the core's own readers, so an entry the API accepts is one
the engine can read.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Model, Q

from accelerators import catalog as accelerator_catalog
from accelerators.models import AcceleratorEntry, ModelEntry
from grid import climate, regions
from grid.bounds import figure_problem
from grid.models import RegionEntry, SiteEntry
from planner.api.errors import FieldErrors
from planner.engine.result import to_jsonable
from planner.scenarios.custom_catalog import AmbiguousEntry, own_entry
from planner.scenarios.models import Membership


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return to_jsonable(value)


def _entry(slug: str, name: str, data: dict[str, Any], sources: Mapping[str, str]) -> dict[str, Any]:
    return {
        "slug": slug,
        "name": name,
        "builtin": True,
        "organisation": None,
        "data": data,
        "sources": {str(k): str(v) for k, v in sources.items()},
    }


def _split(spec: Any, *, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    data = _plain(spec)
    for key in ("slug", "name", "sources", *drop):
        data.pop(key, None)
    return data


@cache
def _builtin_accelerators() -> tuple[dict[str, Any], ...]:
    return tuple(_entry(s.slug, s.name, _split(s), s.sources) for s in accelerator_catalog.list_accelerators())


@cache
def _builtin_models() -> tuple[dict[str, Any], ...]:
    return tuple(
        _entry(m.slug, m.name, _split(m, drop=("source",)), {"architecture": m.source})
        for m in accelerator_catalog.list_models()
    )


@cache
def _builtin_sites() -> tuple[dict[str, Any], ...]:
    return tuple(
        _entry(c.slug, c.name, _split(c, drop=("source",)), {"climate": c.source}) for c in climate.list_climates()
    )


@cache
def _builtin_regions() -> tuple[dict[str, Any], ...]:
    out = []
    for region in regions.list_regions():
        document = region.to_dict()
        sources = {name: figure["source"] for name, figure in document["figures"].items()}
        out.append(_entry(region.slug, region.name, _split(document), sources))
    return tuple(out)


def _catalog_error(error: Exception) -> FieldErrors:
    return FieldErrors({"data": [str(error)]})


def _validate_accelerator(*, slug: str, data: dict[str, Any]) -> dict[str, Any]:
    try:
        spec = accelerator_catalog.accelerator_from_dict(data, slug=slug)
    except (accelerator_catalog.CatalogError, TypeError, KeyError, ValueError) as error:
        raise _catalog_error(error) from None
    return {"sources": dict(spec.sources)}


def _validate_model(*, slug: str, data: dict[str, Any]) -> dict[str, Any]:
    try:
        spec = accelerator_catalog.model_from_dict(data, slug=slug)
    except (accelerator_catalog.CatalogError, TypeError, KeyError, ValueError) as error:
        raise _catalog_error(error) from None
    return {"sources": {"architecture": spec.source}}


def _validate_site(*, slug: str, data: dict[str, Any]) -> dict[str, Any]:
    for key in ("name", "latitude", "longitude", "elevation_m", "source", "kind"):
        if key not in data:
            raise FieldErrors({f"data.{key}": ["required"]})
    try:
        # The climate catalog's own entry reader (the YAML schema of grid/data/climates.yaml).
        site = climate._site_from_entry(slug, dict(data))
    except (climate.ClimateError, TypeError, KeyError, ValueError) as error:
        raise _catalog_error(error) from None
    return {"sources": {"climate": site.source}}


def _validate_region(*, slug: str, data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    figures = data.get("figures")
    if not isinstance(figures, Mapping) or not figures:
        raise FieldErrors({"data.figures": ["required: figure name → {value, unit, source}"]})
    sources = {}
    for name, figure in figures.items():
        path = f"data.figures.{name}"
        if name not in regions.FIELDS:
            errors[path] = [f"not a region figure; known: {', '.join(sorted(regions.FIELDS))}"]
            continue
        if not isinstance(figure, Mapping):
            errors[path] = ["must be an object {value, unit, source}"]
            continue
        value = figure.get("value")
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            errors[f"{path}.value"] = ["must be a finite number"]
        elif (problem := figure_problem(name, float(value))) is not None:
            errors[f"{path}.value"] = [problem]
        if figure.get("unit") != regions.FIELDS[name]:
            errors[f"{path}.unit"] = [f"must be {regions.FIELDS[name]!r}"]
        if not str(figure.get("source") or "").strip():
            errors[f"{path}.source"] = ["required: the document, table and year the figure comes from"]
        sources[name] = str(figure.get("source", ""))
    series = data.get("load_series")
    if series not in (None, "") and not regions.known_load_series(str(series)):
        errors["data.load_series"] = [
            f"unknown hourly system-load series {series!r}; known: grid/data/system_load.json"
        ]
    market = data.get("capacity_market")
    if market not in (None, "") and not regions.known_capacity_market(str(market)):
        errors["data.capacity_market"] = [f"unknown capacity market {market!r}; known: grid/data/capacity_markets.yaml"]
    if errors:
        raise FieldErrors(errors)
    return {"sources": sources}


@dataclass(frozen=True)
class CatalogKind:
    name: str
    model: type[Model]
    builtin: Callable[[], tuple[dict[str, Any], ...]]
    validate: Callable[..., dict[str, Any]]
    extra_fields: Callable[[dict[str, Any]], dict[str, Any]] = lambda body: {}


CATALOGS: dict[str, CatalogKind] = {
    "accelerators": CatalogKind("accelerators", AcceleratorEntry, _builtin_accelerators, _validate_accelerator),
    "models": CatalogKind(
        "models",
        ModelEntry,
        _builtin_models,
        _validate_model,
        lambda body: {"hf_id": str(body["data"].get("hf_id") or "")[:200]},
    ),
    "sites": CatalogKind("sites", SiteEntry, _builtin_sites, _validate_site),
    "regions": CatalogKind("regions", RegionEntry, _builtin_regions, _validate_region),
}


def entry_from_row(row: Any) -> dict[str, Any]:
    return {
        "slug": row.slug,
        "name": row.name,
        "builtin": row.builtin,
        "organisation": row.organisation_id,
        "data": row.data,
        "sources": row.sources or {},
    }


def _rows(kind: CatalogKind, user: AbstractBaseUser):
    return kind.model.objects.filter(Q(builtin=True) | Q(organisation__memberships__user=user)).order_by(
        "-builtin", "slug", "id"
    )


def catalog_entries(
    *, catalog: str, user: AbstractBaseUser, search: str = "", source: str = "", kind: str = ""
) -> list[dict[str, Any]]:
    """Shipped entries, then database entries visible to the user (builtin or their organisations')."""
    spec = CATALOGS[catalog]
    entries = list(spec.builtin()) if source != "custom" else []
    seen = {entry["slug"] for entry in entries}
    for row in _rows(spec, user):
        if row.builtin and (row.slug in seen or source == "custom"):
            continue
        if not row.builtin and source == "builtin":
            continue
        entries.append(entry_from_row(row))
    needle = search.strip().lower()
    if needle:
        entries = [e for e in entries if needle in e["slug"].lower() or needle in e["name"].lower()]
    if kind:
        entries = [e for e in entries if e["data"].get("kind") == kind]
    return entries


def organisation_scope(user: AbstractBaseUser, organisation_id: int | None) -> list[int]:
    """The organisations whose own entries a user's slug may name: all of the user's, or the one given."""
    ids = list(Membership.objects.filter(user=user).values_list("organisation_id", flat=True))
    if organisation_id is None:
        return ids
    if organisation_id not in ids:
        raise FieldErrors({"organisation": [f"no organisation with id {organisation_id} among yours"]})
    return [organisation_id]


def own_row(*, catalog: str, user: AbstractBaseUser, slug: str, organisation_id: int | None = None) -> Any | None:
    """The user's organisation's own entry ``slug`` names (planner.scenarios.custom_catalog's rule)."""
    try:
        return own_entry(
            kind=catalog, slug=slug, organisation_ids=organisation_scope(user, organisation_id), field="slug"
        )
    except AmbiguousEntry as error:
        raise FieldErrors({error.field: [str(error)]}) from None


def catalog_entry(
    *, catalog: str, user: AbstractBaseUser, slug: str, organisation_id: int | None = None
) -> dict[str, Any] | None:
    """The user's organisation's own entry of that slug, else the shipped one, else None."""
    spec = CATALOGS[catalog]
    own = own_row(catalog=catalog, user=user, slug=slug, organisation_id=organisation_id)
    if own is not None:
        return entry_from_row(own)
    for entry in spec.builtin():
        if entry["slug"] == slug:
            return entry
    row = _rows(spec, user).filter(slug=slug, builtin=True).first()
    return entry_from_row(row) if row is not None else None


def custom_entry_row(
    *, catalog: str, user: AbstractBaseUser, slug: str, organisation_id: int | None = None
) -> Any | None:
    return own_row(catalog=catalog, user=user, slug=slug, organisation_id=organisation_id)
