"""An organisation's own catalog entries (a custom FPGA design, an unreleased model, a site, a
region): the one rule every face uses to resolve a reference — the estimate API, runs and save
checks, the catalog API and the pages.

The rule
--------
A reference is a slug string. It names an organisation's own entry when it equals *exactly*
(after trimming surrounding spaces; case matters, as in the catalog API's URLs) the slug of an
entry that organisation added (``builtin=False``). Otherwise it names the shipped catalog.

- A scenario resolves within **its own organisation** only: a teammate's entry in another
  organisation never changes what a scenario computes.
- Where no single organisation is given (the estimate API and the catalog API compute for a
  user), the user's organisations are searched. One match resolves; the same slug in two of
  them is **ambiguous**: an error naming the field, asking for ``organisation``.

When a run is submitted or a scenario is saved, each reference to an own entry is replaced by
the entry's full definition, so the run's inputs snapshot holds exactly what was computed even if
the entry is edited later.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from accelerators.models import AcceleratorEntry, ModelEntry
from grid.models import RegionEntry, SiteEntry

ENTRY_MODELS: dict[str, Any] = {
    "accelerators": AcceleratorEntry,
    "models": ModelEntry,
    "sites": SiteEntry,
    "regions": RegionEntry,
}


class AmbiguousEntry(ValueError):
    """The same slug names own entries of several of the user's organisations."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


def own_entries(*, kind: str, organisation_ids: Iterable[int]) -> Any:
    """Every own entry of ``kind`` of these organisations (for pickers and the catalog browser)."""
    return (
        ENTRY_MODELS[kind]
        .objects.filter(organisation_id__in=list(organisation_ids), builtin=False)
        .select_related("organisation")
        .order_by("slug", "organisation_id")
    )


def own_entry(*, kind: str, slug: str, organisation_ids: Iterable[int], field: str) -> Any | None:
    """The own entry ``slug`` names under the rule above, None for the shipped catalog.

    Raises AmbiguousEntry (naming ``field``) when several of the organisations have that slug.
    """
    rows = list(own_entries(kind=kind, organisation_ids=organisation_ids).filter(slug=slug.strip())[:2])
    if len(rows) > 1:
        names = " and ".join(f"{row.organisation.name!r} (id {row.organisation_id})" for row in rows)
        raise AmbiguousEntry(
            field, f"{slug.strip()!r} is an own {kind[:-1]} of {names}; give `organisation` to choose one"
        )
    return rows[0] if rows else None


def definition(row: Any) -> dict[str, Any]:
    """The entry as a full catalog object (what the core's readers take)."""
    return {**row.data, "slug": row.slug, "name": row.data.get("name", row.name)}


def inputs_with_custom_entries(inputs: dict[str, Any], *, organisation_id: int) -> dict[str, Any]:
    """The scenario with each reference to its organisation's own accelerator, model, site
    (``site.climate``) or grid region (``grid.region``) replaced by the entry's definition."""
    document = copy.deepcopy(inputs)
    for index, pool in enumerate(document.get("hardware", [])):
        _substitute(pool, "accelerator", "accelerators", organisation_id, f"hardware[{index}].accelerator")
    for index, workload in enumerate(document.get("workloads", [])):
        _substitute(workload, "model", "models", organisation_id, f"workloads[{index}].model")
    _substitute(document.get("site"), "climate", "sites", organisation_id, "site.climate")
    _substitute(document.get("grid"), "region", "regions", organisation_id, "grid.region")
    return document


def comparison_with_custom_entries(inputs: dict[str, Any], *, organisation_id: int) -> dict[str, Any]:
    """A site comparison with its scenario and each candidate site's ``climate`` and ``region``
    resolved by the same rule, within the comparison's organisation."""
    document = copy.deepcopy(inputs)
    if isinstance(document.get("scenario"), dict):
        document["scenario"] = inputs_with_custom_entries(document["scenario"], organisation_id=organisation_id)
    sites = document.get("sites")
    for index, site in enumerate(sites if isinstance(sites, list) else []):
        _substitute(site, "climate", "sites", organisation_id, f"sites[{index}].climate")
        _substitute(site, "region", "regions", organisation_id, f"sites[{index}].region")
    return document


def _substitute(item: Any, key: str, kind: str, organisation_id: int, field: str) -> None:
    ref = item.get(key) if isinstance(item, dict) else None
    if isinstance(ref, str):
        row = own_entry(kind=kind, slug=ref, organisation_ids=[organisation_id], field=field)
        if row is not None:
            item[key] = definition(row)
