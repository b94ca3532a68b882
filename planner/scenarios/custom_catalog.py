"""An organisation's own catalog entries (a custom FPGA design, an unreleased model) in runs.

The core resolves catalog slugs from the shipped data files; entries an organisation added
live in the database. When a run is submitted, each slug that names one of the organisation's
own entries is replaced by the entry's full definition, so the run's inputs snapshot holds
exactly what was computed even if the entry is edited later.
"""

from __future__ import annotations

import copy
from typing import Any

from accelerators.models import AcceleratorEntry, ModelEntry


def _own_entries(model: type, organisation_id: int) -> dict[str, dict[str, Any]]:
    rows = model.objects.filter(organisation_id=organisation_id).values_list("slug", "data")
    return {slug.lower(): data for slug, data in rows}


def inputs_with_custom_entries(inputs: dict[str, Any], *, organisation_id: int) -> dict[str, Any]:
    accelerators = _own_entries(AcceleratorEntry, organisation_id)
    models = _own_entries(ModelEntry, organisation_id)
    if not accelerators and not models:
        return inputs
    document = copy.deepcopy(inputs)
    for pool in document.get("hardware", []):
        ref = pool.get("accelerator")
        if isinstance(ref, str) and ref.lower() in accelerators:
            pool["accelerator"] = {**accelerators[ref.lower()], "slug": ref}
    for workload in document.get("workloads", []):
        ref = workload.get("model")
        if isinstance(ref, str) and ref.lower() in models:
            workload["model"] = {**models[ref.lower()], "slug": ref}
    return document
