"""What the structured editor does not show travels with it, unchanged (issue 20, item 2).

Each form of the editor (the scenario, each workload, each hardware pool) names the document
paths it renders. Everything else in the document it was filled from — the economics and
uncertainty blocks, a pool's energy_multiplier, a field added to the schema later — is carried in
a hidden input as JSON and merged back under what the form produced. So "load → save unchanged"
gives the identical document, and editing one field changes only that field.

The hidden value comes back from the browser, so it is read by the JSON guard (size, depth,
numbers) and stripped of the paths the form renders (the form decides those), then the whole
document goes through the one schema like any other.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from typing import Any

from django import forms

from planner.engine.documents import DocumentError, load_json


def _split(paths: Iterable[str]) -> list[list[str]]:
    return [path.split(".") for path in paths]


def unrendered(document: Mapping[str, Any], rendered: Iterable[str]) -> dict[str, Any]:
    """A deep copy of `document` without the rendered paths; sections left empty are dropped."""
    kept: dict[str, Any] = copy.deepcopy(dict(document))
    for parts in _split(rendered):
        node: Any = kept
        trail: list[tuple[dict[str, Any], str]] = []
        for part in parts[:-1]:
            child = node.get(part) if isinstance(node, dict) else None
            if not isinstance(child, dict):
                node = None
                break
            trail.append((node, part))
            node = child
        if isinstance(node, dict):
            node.pop(parts[-1], None)
            for parent, key in reversed(trail):  # drop sections that held only rendered fields
                if parent[key] == {}:
                    del parent[key]
    return kept


def merged(kept: Mapping[str, Any], shown: Mapping[str, Any]) -> dict[str, Any]:
    """`shown` (what the form produced) over `kept`; sections present in both are merged."""
    out: dict[str, Any] = copy.deepcopy(dict(kept))
    for key, value in shown.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merged(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


class KeptField(forms.CharField):
    """A hidden input holding the unrendered part of the document as JSON."""

    def __init__(self, rendered: Iterable[str]) -> None:
        self.rendered = tuple(rendered)
        super().__init__(required=False, widget=forms.HiddenInput, label="Fields not shown in this form")

    def initial_for(self, document: Mapping[str, Any]) -> str:
        kept = unrendered(document, self.rendered)
        return json.dumps(kept, separators=(",", ":"), ensure_ascii=False) if kept else ""

    def clean(self, value: Any) -> dict[str, Any]:
        text = super().clean(value)
        if not text.strip():
            return {}
        try:
            data = load_json(text)
        except DocumentError as error:
            raise forms.ValidationError(f"the fields not shown here could not be read back: {error}") from None
        if not isinstance(data, dict):
            raise forms.ValidationError("the fields not shown here must be a JSON object")
        return unrendered(data, self.rendered)
