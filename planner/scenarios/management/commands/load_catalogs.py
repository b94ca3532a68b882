"""`manage.py load_catalogs`: copy the shipped catalogs (data files with sources) into the database.

The data files stay the source of truth for shipped entries; the database holds a copy (so the
admin, the catalog pages and the API can list them beside users' own entries) and users' entries.
Idempotent: re-running updates the shipped rows and never touches an organisation's entries.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from planner.engine.result import to_jsonable


def entry_document(entry: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(entry):
        return to_jsonable(dataclasses.asdict(entry))
    if isinstance(entry, dict):
        return to_jsonable(entry)
    raise TypeError(f"cannot store catalog entry of type {type(entry).__name__}")


def _catalogs() -> list[tuple[str, Any, Callable[[], Iterable[Any]]]]:
    from accelerators.catalog import list_accelerators, list_models
    from accelerators.models import AcceleratorEntry, ModelEntry
    from grid.climate import list_climates
    from grid.models import RegionEntry, SiteEntry
    from grid.regions import list_regions

    return [
        ("accelerators", AcceleratorEntry, list_accelerators),
        ("models", ModelEntry, list_models),
        ("sites", SiteEntry, list_climates),
        ("regions", RegionEntry, list_regions),
    ]


class Command(BaseCommand):
    help = "Load the shipped accelerator, model, site and region catalogs into the database."

    def handle(self, *args: Any, **options: Any) -> None:
        for label, model, lister in _catalogs():
            entries = list(lister())
            slugs = []
            with transaction.atomic():
                for entry in entries:
                    document = entry_document(entry)
                    slug = document["slug"]
                    slugs.append(slug)
                    defaults = {
                        "name": str(document.get("name") or slug)[:200],
                        "data": document,
                        "sources": document.get("sources") or {},
                        "builtin": True,
                    }
                    if label == "models":
                        defaults["hf_id"] = str(document.get("hf_id") or "")[:200]
                    model.objects.update_or_create(slug=slug, organisation=None, defaults=defaults)
                model.objects.filter(builtin=True, organisation=None).exclude(slug__in=slugs).delete()
            self.stdout.write(f"{label}: {len(entries)} shipped entries loaded")
