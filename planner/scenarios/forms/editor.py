"""The structured scenario editor: a main form plus formsets for workloads and hardware pools.

The forms only collect values; the one schema (planner.engine.schema) validates them. A number
field either needs a value (clearing it is an error, never a silent fallback to the worked
example's or the schema's value) or says in its help text what a blank means ("Blank: no cap").
New workloads and pools start from the schema's defaults. Errors the schema reports
(`workloads[1].peak_requests_per_s: …`) are attached to the field that holds that value, and the
summary names the field by its label.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.forms import formset_factory

from accelerators.efficiency.stacks import stack_names
from planner.engine.documents import DocumentError, load_json
from planner.engine.schema import (
    ASHRAE_CLASSES,
    KV_PRECISIONS,
    PRECISIONS,
    Fleet,
    GridSpec,
    HardwarePool,
    Horizon,
    ScenarioError,
    Site,
    Workload,
)
from planner.scenarios import catalogs
from planner.scenarios.forms.kept import KeptField, merged
from planner.scenarios.validation import scenario_validate

CUSTOM = "__custom__"
HOURS = range(24)

_num = {"step": "any", "inputmode": "decimal"}
_int = {"step": "1", "inputmode": "numeric"}


def _float(label: str, help_text: str = "", **attrs: Any) -> forms.FloatField:
    return forms.FloatField(
        label=label, required=False, help_text=help_text, widget=forms.NumberInput(attrs={**_num, **attrs})
    )


def _int_field(label: str, help_text: str = "", **attrs: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, required=False, help_text=help_text, widget=forms.NumberInput(attrs={**_int, **attrs})
    )


def _choice(label: str, choices: list[tuple[str, str]], help_text: str = "") -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=choices, required=False, help_text=help_text)


def _json_or_none(raw: str, *, what: str) -> Any:
    if not raw.strip():
        return None
    try:
        return load_json(raw)
    except DocumentError as error:
        raise forms.ValidationError(f"{what}: {error}") from None


CLEARED = "Enter a value: a cleared field has no default here."


def _require(form: forms.Form, names: tuple[str, ...] | list[str]) -> None:
    """Every named field that is shown needs a value (checked in clean(), not per field, so a
    blank extra row and hidden alternatives stay optional)."""
    for name in names:
        if form.cleaned_data.get(name) is None and name not in form.errors:
            form.add_error(name, CLEARED)


def _schema_defaults(model: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """The schema's default of each named field that has one (a new row starts from these)."""
    out = {}
    for name in names:
        info = model.model_fields.get(name)
        if info is not None and info.default is not None and not info.is_required():
            out[name] = info.default
    return out


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    if value is not None and value != "":
        target[key] = value


# ---- workloads --------------------------------------------------------------------------------

# The workload fields this form shows; every other field of a workload is kept as it was.
WORKLOAD_RENDERED = (
    "name",
    "model",
    "peak_requests_per_s",
    "requests_per_day",
    "input_tokens",
    "output_tokens",
    "ttft_target_s",
    "tpot_target_ms",
    "daily_shape",
    "annual_growth_frac",
    "deferrable_frac",
    "input_tokens_distribution",
    "output_tokens_distribution",
)


class WorkloadForm(forms.Form):
    kept = KeptField(WORKLOAD_RENDERED)
    name = forms.CharField(label="Name", required=False, max_length=200)
    model = _choice("Model (catalog)", [])
    model_custom = forms.CharField(
        label="Custom model architecture (JSON)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "class": "code"}),
        help_text="Only when the model is “Custom”: layers, hidden_size, heads … (see the model catalog).",
    )
    rate_basis = _choice(
        "Rate is given as",
        [("peak", "peak-hour requests per second"), ("per_day", "requests per day")],
    )
    rate = _float("Request rate [requests/s at peak, or requests/day]", min="0")
    input_tokens = _int_field("Input tokens per request [tokens]", min="1")
    output_tokens = _int_field("Output tokens per request [tokens]", min="1")
    ttft_target_s = _float("Time to first token target [s]", min="0")
    tpot_target_ms = _float("Time per output token target [ms]", min="0")
    daily_shape = _choice("Daily shape", [])
    annual_growth_frac = _float("Annual growth [fraction/yr, 0.35 = +35 %]")
    deferrable_frac = _float("Deferrable share [fraction, 0–1]", min="0", max="1")
    input_tokens_distribution = forms.CharField(
        label="Prompt-length distribution (JSON, optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false", "class": "code"}),
        help_text='e.g. {"tokens": [200, 800, 4000], "weights": [5, 4, 1]}: sets the mean input tokens; '
        "the first-token target is met for the 95th-percentile prompt.",
    )
    output_tokens_distribution = forms.CharField(
        label="Output-length distribution (JSON, optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false", "class": "code"}),
        help_text="sets the mean output tokens",
    )

    def __init__(self, *args: Any, own_models: tuple = (), **kwargs: Any) -> None:
        if not kwargs.get("initial"):  # a new workload: the schema's defaults
            kwargs["initial"] = {"rate_basis": "peak", **_schema_defaults(Workload, (*WORKLOAD_PLAIN, "daily_shape"))}
        super().__init__(*args, **kwargs)
        models = [*own_models, *catalogs.model_choices()]
        known = {value for value, _ in models}
        # The current value (a published variant such as -Instruct, or what was posted) is offered
        # when it resolves to a catalog entry.
        for current in {str(self.initial.get("model") or ""), str(self.data.get(self.add_prefix("model")) or "")}:
            if current and current not in known and current != CUSTOM:
                resolved = catalogs.model_label(current)
                if resolved or current == self.initial.get("model"):
                    models.insert(0, (current, f"{current} (→ {resolved})" if resolved else current))
                    known.add(current)
        self.fields["model"].choices = [*models, (CUSTOM, "Custom architecture (JSON below)")]
        basis = self.data.get(self.add_prefix("rate_basis")) if self.is_bound else self.initial.get("rate_basis")
        self.fields["rate"].label = (
            "Request rate [requests/day]" if basis == "per_day" else "Peak request rate [requests/s]"
        )
        shapes = list(catalogs.daily_shapes())
        self.fields["daily_shape"].choices = [*((s, s) for s in shapes), ("custom", "custom (the 24-hour curves)")]
        for day in ("wd", "we"):
            for hour in HOURS:
                self.fields[f"{day}_{hour}"] = forms.FloatField(
                    label=f"{'Weekday' if day == 'wd' else 'Weekend'} {hour:02d}:00 [fraction of peak]",
                    required=False,
                    widget=forms.NumberInput(attrs={**_num, "min": "0", "max": "1", "class": "hour"}),
                )

    def curve_fields(self, day: str) -> list[forms.BoundField]:
        return [self[f"{day}_{hour}"] for hour in HOURS]

    def weekday_fields(self) -> list[forms.BoundField]:
        return self.curve_fields("wd")

    def weekend_fields(self) -> list[forms.BoundField]:
        return self.curve_fields("we")

    def clean_model_custom(self) -> Any:
        return _json_or_none(self.cleaned_data.get("model_custom", ""), what="custom model")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.is_blank():
            required = ["rate", "ttft_target_s", "tpot_target_ms", "annual_growth_frac", "deferrable_frac"]
            for kind in ("input", "output"):
                if data.get(f"{kind}_tokens_distribution") is None:
                    required.append(f"{kind}_tokens")
            if data.get("daily_shape") == "custom":
                required += [f"{day}_{hour}" for day in ("wd", "we") for hour in HOURS]
            _require(self, required)
        return data

    def clean_input_tokens_distribution(self) -> Any:
        return _json_or_none(self.cleaned_data.get("input_tokens_distribution", ""), what="prompt-length distribution")

    def clean_output_tokens_distribution(self) -> Any:
        return _json_or_none(self.cleaned_data.get("output_tokens_distribution", ""), what="output-length distribution")

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not data.get("name") and data.get("rate") is None

    def to_document(self) -> dict[str, Any]:
        data = self.cleaned_data
        item: dict[str, Any] = {}
        _put(item, "name", data.get("name"))
        item["model"] = data.get("model_custom") if data.get("model") == CUSTOM else data.get("model")
        if item["model"] in (None, ""):
            item.pop("model")
        key = "requests_per_day" if data.get("rate_basis") == "per_day" else "peak_requests_per_s"
        _put(item, key, data.get("rate"))
        for name in (
            "input_tokens",
            "output_tokens",
            "ttft_target_s",
            "tpot_target_ms",
            "annual_growth_frac",
            "deferrable_frac",
        ):
            _put(item, name, data.get(name))
        for kind in ("input", "output"):
            distribution = data.get(f"{kind}_tokens_distribution")
            if distribution is not None:
                # The mean follows from the distribution (the schema computes it).
                item[f"{kind}_tokens_distribution"] = distribution
                item.pop(f"{kind}_tokens", None)
        shape = data.get("daily_shape") or "flat"
        if shape == "custom":
            item["daily_shape"] = {
                "weekday": [data.get(f"wd_{h}") for h in HOURS],
                "weekend": [data.get(f"we_{h}") for h in HOURS],
            }
        else:
            item["daily_shape"] = shape
        return merged(data.get("kept") or {}, item)

    @staticmethod
    def initial_from(item: Mapping[str, Any]) -> dict[str, Any]:
        # A stored document leaves out fields at their schema default: show that default.
        initial: dict[str, Any] = _schema_defaults(Workload, WORKLOAD_PLAIN)
        initial.update({k: item.get(k) for k in WORKLOAD_PLAIN if item.get(k) is not None})
        initial["kept"] = WorkloadForm.base_fields["kept"].initial_for(item)  # type: ignore[attr-defined]
        model = item.get("model")
        if isinstance(model, dict):
            initial["model"] = CUSTOM
            initial["model_custom"] = json.dumps(model, indent=2)
        else:
            initial["model"] = model
        for kind in ("input", "output"):
            if item.get(f"{kind}_tokens_distribution"):
                initial[f"{kind}_tokens_distribution"] = json.dumps(item[f"{kind}_tokens_distribution"])
        if item.get("requests_per_day") is not None:
            initial["rate_basis"], initial["rate"] = "per_day", item["requests_per_day"]
        else:
            initial["rate_basis"], initial["rate"] = "peak", item.get("peak_requests_per_s")
        shape = item.get("daily_shape", "flat")
        if isinstance(shape, dict):
            initial["daily_shape"] = "custom"
            weekday, weekend = shape.get("weekday", []), shape.get("weekend", [])
        else:
            initial["daily_shape"] = shape
            named = catalogs.daily_shapes().get(shape, {})
            weekday, weekend = named.get("weekday", [1.0] * 24), named.get("weekend", [1.0] * 24)
        for hour in HOURS:
            initial[f"wd_{hour}"] = weekday[hour] if hour < len(weekday) else None
            initial[f"we_{hour}"] = weekend[hour] if hour < len(weekend) else None
        return initial


WORKLOAD_PLAIN = (
    "name",
    "input_tokens",
    "output_tokens",
    "ttft_target_s",
    "tpot_target_ms",
    "annual_growth_frac",
    "deferrable_frac",
)


# ---- hardware pools ---------------------------------------------------------------------------


HARDWARE_PLAIN = (
    "weight_precision",
    "kv_precision",
    "tensor_parallel",
    "devices_per_server",
    "server_height_u",
    "expert_parallel",
    "pipeline_parallel",
    "serving_stack",
    "power_limit_w",
)
# The pool fields this form shows; every other field of a pool (energy_multiplier …) is kept.
HARDWARE_RENDERED = ("name", "accelerator", "share_frac", "count", "sparsity", *HARDWARE_PLAIN)


class HardwareForm(forms.Form):
    kept = KeptField(HARDWARE_RENDERED)
    name = forms.CharField(label="Name", required=False, max_length=200)
    accelerator = _choice("Accelerator (catalog)", [])
    accelerator_custom = forms.CharField(
        label="Custom accelerator (JSON)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "class": "code"}),
        help_text="Only when the accelerator is “Custom”: a full entry in the catalog's schema with sources.",
    )
    sizing = _choice(
        "Sized by",
        [("share", "share of demand (fleet sized to the peak)"), ("count", "fixed device count")],
    )
    share_frac = _float("Share of demand [fraction, 0–1]", min="0", max="1")
    count = _int_field("Devices [count]", min="1")
    weight_precision = _choice("Weight precision", [(p, p) for p in PRECISIONS])
    kv_precision = _choice("KV-cache precision", [(p, p) for p in KV_PRECISIONS])
    sparsity_kind = _choice(
        "Sparsity",
        [("none", "none (dense)"), ("2:4", "2:4 structured"), ("unstructured", "unstructured")],
    )
    sparsity_frac = _float("Unstructured zero share [fraction, 0–1]", min="0", max="1")
    tensor_parallel = _int_field("Devices per model replica (tensor parallel) [count]", min="1")
    devices_per_server = _int_field("Devices per server [count]", min="1")
    server_height_u = _int_field(
        "Server height [rack units, U]",
        "Optional. Blank: by accelerator (8U for an 8-GPU HGX H100/H200, 10U for B200; grid/data/hosts_network.yaml)",
        min="1",
    )
    expert_parallel = _int_field(
        "Expert-parallel devices [count]",
        "Optional, mixture-of-experts models only. Blank: experts are not spread beyond the tensor-parallel group",
        min="1",
    )
    pipeline_parallel = _int_field(
        "Pipeline stages [count]",
        "Optional. Blank: one stage; a replica is then tensor parallel × pipeline stages devices",
        min="1",
    )
    serving_stack = _choice(
        "Serving stack", [], "Optional. Blank: the accelerator's default (accelerators/data/serving_stacks.yaml)"
    )
    power_limit_w = _float(
        "GPU power limit [W per device]",
        "Optional. Blank: the board's own limit from the catalog; only lower limits apply",
        min="0",
    )

    def __init__(self, *args: Any, own_accelerators: tuple = (), **kwargs: Any) -> None:
        if not kwargs.get("initial"):  # a new pool: the schema's defaults (bf16, tensor parallel 1, 8 per server)
            kwargs["initial"] = {
                "sizing": "share",
                "sparsity_kind": "none",
                **_schema_defaults(HardwarePool, HARDWARE_PLAIN),
            }
        super().__init__(*args, **kwargs)
        accelerators = [*own_accelerators, *catalogs.accelerator_choices()]
        known = {value for value, _ in accelerators}
        for current in {
            str(self.initial.get("accelerator") or ""),
            str(self.data.get(self.add_prefix("accelerator")) or ""),
        }:
            if current and current != CUSTOM and current not in known and catalogs.accelerator_label(current):
                accelerators.insert(0, (current, f"{current} (→ {catalogs.accelerator_label(current)})"))
                known.add(current)
        self.fields["accelerator"].choices = [*accelerators, (CUSTOM, "Custom accelerator (JSON below)")]
        stacks = [(name, name) for name in stack_names()]
        for current in {
            str(self.initial.get("serving_stack") or ""),
            str(self.data.get(self.add_prefix("serving_stack")) or ""),
        }:
            if current and current not in {value for value, _ in stacks}:
                stacks.insert(0, (current, current))  # the schema or the engine names an unknown one
        self.fields["serving_stack"].choices = [("", "— the accelerator's default —"), *stacks]

    def clean_accelerator_custom(self) -> Any:
        return _json_or_none(self.cleaned_data.get("accelerator_custom", ""), what="custom accelerator")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.is_blank():
            required = [
                "count" if data.get("sizing") == "count" else "share_frac",
                "tensor_parallel",
                "devices_per_server",
            ]
            if data.get("sparsity_kind") == "unstructured":
                required.append("sparsity_frac")
            _require(self, required)
        return data

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not data.get("name") and data.get("share_frac") is None and data.get("count") is None

    def to_document(self) -> dict[str, Any]:
        data = self.cleaned_data
        item: dict[str, Any] = {}
        _put(item, "name", data.get("name"))
        accelerator = data.get("accelerator_custom") if data.get("accelerator") == CUSTOM else data.get("accelerator")
        _put(item, "accelerator", accelerator)
        if data.get("sizing") == "count":
            _put(item, "count", data.get("count"))
        else:
            _put(item, "share_frac", data.get("share_frac"))
        for name in HARDWARE_PLAIN:
            _put(item, name, data.get(name))
        kind = data.get("sparsity_kind") or "none"
        if kind == "unstructured":
            frac = data.get("sparsity_frac")
            item["sparsity"] = f"unstructured:{frac:g}" if frac is not None else "unstructured:"
        else:
            item["sparsity"] = kind
        return merged(data.get("kept") or {}, item)

    @staticmethod
    def initial_from(item: Mapping[str, Any]) -> dict[str, Any]:
        initial = _schema_defaults(HardwarePool, HARDWARE_PLAIN)
        initial.update({k: item.get(k) for k in ("name", *HARDWARE_PLAIN) if item.get(k) is not None})
        initial["kept"] = HardwareForm.base_fields["kept"].initial_for(item)  # type: ignore[attr-defined]
        accelerator = item.get("accelerator")
        if isinstance(accelerator, dict):
            initial["accelerator"] = CUSTOM
            initial["accelerator_custom"] = json.dumps(accelerator, indent=2)
        else:
            initial["accelerator"] = accelerator
        if item.get("count") is not None and item.get("share_frac") is None:
            initial["sizing"], initial["count"] = "count", item["count"]
        else:
            initial["sizing"], initial["share_frac"] = "share", item.get("share_frac")
        sparsity = str(item.get("sparsity", "none"))
        if sparsity.startswith("unstructured:"):
            initial["sparsity_kind"] = "unstructured"
            initial["sparsity_frac"] = float(sparsity.split(":", 1)[1])
        else:
            initial["sparsity_kind"] = sparsity
        return initial


WorkloadFormSet = formset_factory(WorkloadForm, extra=0, can_delete=True, min_num=1, max_num=50)
HardwareFormSet = formset_factory(HardwareForm, extra=0, can_delete=True, min_num=1, max_num=20)


# ---- the rest of the scenario -----------------------------------------------------------------

# Main-form field names are the schema paths with "." replaced by "__", so a schema error on
# `site.power_cap_mw` lands on the field `site__power_cap_mw`.
MAIN_NUMBERS: dict[str, tuple[str, str, bool]] = {
    # path: (label with unit, help, integer?)
    "horizon.start_year": ("First planning year [year]", "", True),
    "horizon.years": ("Planning horizon [years]", "The result reports the final year, with growth applied.", True),
    "fleet.headroom_frac": ("Spare capacity above the peak hour [fraction]", "0.2 = 20 % headroom", False),
    "fleet.rack_power_limit_kw": ("Rack power limit [kW per rack]", "", False),
    "fleet.rack_units_usable": (
        "Rack units for servers [U per rack]",
        "Optional. Blank: 40 U (a 42U rack less 2U of top-of-rack switches)",
        True,
    ),
    "site.power_cap_mw": ("Site power cap [MW at the meter]", "Optional. Blank: no cap", False),
    "site.ups_efficiency_frac": (
        "UPS efficiency at full load [fraction]",
        "Optional. Blank: the catalog's UPS curve",
        False,
    ),
    "grid.clean_energy.annual_match_frac": (
        "Contracted clean energy [fraction of annual MWh]",
        "0.5 = half the annual energy matched by contracts",
        False,
    ),
    "grid.clean_energy.solar_frac": (
        "Contract mix: solar [fraction]",
        "Its hours for 24/7 matching: clear-sky solar at the site; solar + wind + firm = 1",
        False,
    ),
    "grid.clean_energy.wind_frac": (
        "Contract mix: wind [fraction]",
        "The region's measured wind-fleet shape",
        False,
    ),
    "grid.clean_energy.firm_frac": (
        "Contract mix: firm clean supply [fraction]",
        "Flat (nuclear, hydro, geothermal)",
        False,
    ),
}
MAIN_CHOICES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "fleet.redundancy": ("Redundancy", [("N", "N"), ("N+1", "N+1"), ("N+2", "N+2")]),
    "fleet.idle_policy": (
        "Idle devices",
        [("idle", "stay powered (idle power)"), ("power_down", "power down when not needed")],
    ),
    "fleet.dispatch": (
        "Dispatch across pools",
        [("cheapest_energy", "cheapest energy first"), ("proportional", "proportional to pool size")],
    ),
    "site.cooling": ("Cooling technology", list(catalogs.COOLING_LABELS.items())),
    "site.ashrae_class": ("ASHRAE inlet class", [(c, c) for c in ASHRAE_CLASSES]),
    "grid.tariff": ("Tariff", list(catalogs.TARIFF_LABELS.items())),
}
# Number fields whose blank has a meaning, said in their help text; every other one needs a value.
OPTIONAL_NUMBERS = {"fleet.rack_units_usable", "site.power_cap_mw", "site.ups_efficiency_frac"}
UPLOAD_SLOTS = ("carbon", "price", "system_load")


def _name(path: str) -> str:
    return path.replace(".", "__")


# The scenario paths the main form (and the formsets) show; everything else (economics,
# uncertainty, fields added to the schema later) is kept as it was.
MAIN_RENDERED = (
    "schema_version",
    "name",
    "description",
    "workloads",
    "hardware",
    *MAIN_NUMBERS,
    *MAIN_CHOICES,
    "site.climate",
    "site.weather_upload",
    "grid.region",
    "grid.clean_energy.hourly_match",
    "grid.overrides",
    *(f"grid.uploads.{slot}" for slot in UPLOAD_SLOTS),
    "flexibility",  # a JSON field of its own: clearing it removes the block
)


class ScenarioMainForm(forms.Form):
    kept = KeptField(MAIN_RENDERED)
    organisation = forms.ModelChoiceField(queryset=None, empty_label=None, label="Organisation")
    name = forms.CharField(
        label="Scenario name",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Ashburn campus, phase 2"}),
    )
    description = forms.CharField(label="Description", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    site__climate = _choice("Climate (typical year)", [])
    site__weather_upload = _choice("…or an uploaded weather file", [])
    grid__region = forms.CharField(label="Grid region", required=False)
    grid__clean_energy__hourly_match = forms.BooleanField(
        label="Match clean energy hour by hour (24/7) instead of annually", required=False
    )
    grid__overrides_extra = forms.CharField(
        label="Other region overrides [one “name = value” per line, units in the name]",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false", "class": "code"}),
    )
    flexibility = forms.CharField(
        label="Flexible operation [JSON: power_capping, deferrable, battery, generation, signal]",
        help_text='Blank: none. E.g. {"battery": {"power_mw": 20, "energy_mwh": 80}, "signal": {"kind": '
        '"system_peak_hours"}} — fields, units and defaults in docs/flexibility.md',
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "class": "code"}),
    )
    flexibility__events_upload = _choice(
        "Grid events: uploaded schedule (flexibility.signal.events_upload; sets the signal kind to schedule)", []
    )

    def __init__(
        self,
        *args: Any,
        organisations: Any = None,
        uploads: Any = (),
        region_slug: str = "",
        own_sites: tuple[tuple[str, str], ...] = (),
        own_regions: tuple[tuple[str, str], ...] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        for path, (label, help_text, integer) in MAIN_NUMBERS.items():
            maker = _int_field if integer else _float
            self.fields[_name(path)] = maker(label, help_text)
        for path, (label, choices) in MAIN_CHOICES.items():
            self.fields[_name(path)] = _choice(label, choices)
        climates = [*own_sites, *catalogs.climate_choices()]
        current_climate = str(self.initial.get("site__climate") or "")
        if current_climate and current_climate not in {value for value, _ in climates}:
            climates.insert(0, (current_climate, f"{current_climate} (not in the catalog)"))
        self.fields["site__climate"].choices = [("", "— none: use an uploaded weather file —"), *climates]
        uploads = list(uploads)
        by_kind: dict[str, list[tuple[str, str]]] = {}
        for upload in uploads:
            by_kind.setdefault(upload.kind, []).append((str(upload.pk), f"#{upload.pk} {upload.name}"))
        self.fields["site__weather_upload"].choices = [("", "— none —"), *by_kind.get("weather", [])]
        events = by_kind.get("events", [])
        current_events = str(self.initial.get("flexibility__events_upload") or "")
        if current_events and current_events not in {value for value, _ in events}:
            events.insert(0, (current_events, f"#{current_events} (not an event upload of this organisation)"))
        self.fields["flexibility__events_upload"].choices = [("", "— none —"), *events]
        for slot in UPLOAD_SLOTS:
            label = {"carbon": "Carbon intensity", "price": "Price", "system_load": "System load"}[slot]
            self.fields[f"grid__uploads__{slot}"] = _choice(
                f"{label}: uploaded hourly series", [("", "— region default —"), *by_kind.get(slot, [])]
            )
        regions = [*own_regions, *catalogs.region_choices()]
        if regions:
            current = region_slug or self.initial.get("grid__region") or ""
            if current and current not in {v for v, _ in regions}:
                regions.insert(0, (current, current))
            self.fields["grid__region"] = forms.ChoiceField(label="Grid region", choices=regions, required=False)
        defaults = catalogs.region_defaults(region_slug or str(self.initial.get("grid__region") or ""))
        for key, unit in catalogs.region_figure_keys():
            default = defaults.get(key)
            self.fields[f"grid__overrides__{key}"] = _float(
                f"{key.replace('_', ' ')}{f' [{unit}]' if unit else ''}",
                f"Region default {default['value']:,.6g}" if default else "No default in this region",
                placeholder=f"{default['value']:g}" if default else "",
                **{"data-override": key},
            )

    def override_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("grid__overrides__")]

    def upload_fields(self) -> list[forms.BoundField]:
        return [self[f"grid__uploads__{slot}"] for slot in UPLOAD_SLOTS]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        _require(self, [_name(path) for path in MAIN_NUMBERS if path not in OPTIONAL_NUMBERS])
        if not (data.get("name") or "").strip() and "name" not in self.errors:
            self.add_error("name", "Give the scenario a name.")
        return data

    def clean_grid__overrides_extra(self) -> dict[str, float]:
        extra: dict[str, float] = {}
        for number, line in enumerate(self.cleaned_data.get("grid__overrides_extra", "").splitlines(), start=1):
            if not line.strip():
                continue
            key, sep, value = line.partition("=")
            if not sep or not re.fullmatch(r"[a-z0-9_]+", key.strip()):
                raise forms.ValidationError(f"line {number}: write “name = value” (name in snake_case), got {line!r}")
            try:
                extra[key.strip()] = float(value)
            except ValueError:
                raise forms.ValidationError(f"line {number}: {value.strip()!r} is not a number") from None
        return extra

    def to_document(self) -> dict[str, Any]:
        data = self.cleaned_data
        document: dict[str, Any] = {"schema_version": 1}
        _put(document, "name", data.get("name"))
        document["description"] = data.get("description") or ""
        for path in [*MAIN_NUMBERS, *MAIN_CHOICES, "site.climate", "site.weather_upload", "grid.region"]:
            parts = path.split(".")
            node = document
            for part in parts[:-1]:
                node = node.setdefault(part, {})
            value = data.get(_name(path))
            if path == "site.climate":
                node[parts[-1]] = value or None  # None: the weather upload stands in
            else:
                _put(node, parts[-1], value)
        grid = document.setdefault("grid", {})
        grid.setdefault("clean_energy", {})["hourly_match"] = bool(data.get("grid__clean_energy__hourly_match"))
        overrides = {
            name.removeprefix("grid__overrides__"): value
            for name, value in data.items()
            if name.startswith("grid__overrides__") and value is not None
        }
        overrides.update(data.get("grid__overrides_extra") or {})
        if overrides:
            grid["overrides"] = overrides
        uploads = {slot: data[f"grid__uploads__{slot}"] for slot in UPLOAD_SLOTS if data.get(f"grid__uploads__{slot}")}
        if uploads:
            grid["uploads"] = uploads
        flexibility = data.get("flexibility")
        if events_upload := data.get("flexibility__events_upload"):
            flexibility = dict(flexibility) if isinstance(flexibility, Mapping) else {}
            signal = flexibility.get("signal")
            signal = dict(signal) if isinstance(signal, Mapping) else {}
            flexibility["signal"] = signal | {"kind": "schedule", "events_upload": events_upload}
        if flexibility is not None:
            document["flexibility"] = flexibility
        return merged(data.get("kept") or {}, document)

    def clean_flexibility(self) -> Any:
        return _json_or_none(self.cleaned_data.get("flexibility") or "", what="flexibility")

    @staticmethod
    def initial_from(document: Mapping[str, Any]) -> dict[str, Any]:
        initial: dict[str, Any] = {"name": document.get("name"), "description": document.get("description", "")}
        initial["kept"] = ScenarioMainForm.base_fields["kept"].initial_for(document)  # type: ignore[attr-defined]
        defaults = {
            "horizon": Horizon().model_dump(mode="json"),
            "fleet": Fleet().model_dump(mode="json"),
            "site": Site().model_dump(mode="json"),
            "grid": GridSpec().model_dump(mode="json"),
        }
        for path in MAIN_NUMBERS:  # a field left out of the document shows the schema's default
            if path not in OPTIONAL_NUMBERS:
                section, *rest = path.split(".")
                node = defaults[section]
                for part in rest:
                    node = node.get(part) if isinstance(node, Mapping) else None
                if node is not None:
                    initial[_name(path)] = node
        for path in [*MAIN_NUMBERS, *MAIN_CHOICES, "site.climate", "site.weather_upload", "grid.region"]:
            node = document
            for part in path.split("."):
                node = node.get(part) if isinstance(node, Mapping) else None
            if node is not None:
                initial[_name(path)] = node
        grid = document.get("grid") or {}
        initial["grid__clean_energy__hourly_match"] = bool((grid.get("clean_energy") or {}).get("hourly_match"))
        known = {key for key, _unit in catalogs.region_figure_keys()}
        extra = []
        for key, value in (grid.get("overrides") or {}).items():
            if key in known:
                initial[f"grid__overrides__{key}"] = value
            else:
                extra.append(f"{key} = {value!r}")  # repr: every digit, so an unchanged save is identical
        initial["grid__overrides_extra"] = "\n".join(extra)
        for slot, upload_id in (grid.get("uploads") or {}).items():
            initial[f"grid__uploads__{slot}"] = str(upload_id)
        flexibility = document.get("flexibility")
        if flexibility is not None:
            signal = flexibility.get("signal") if isinstance(flexibility, Mapping) else None
            if isinstance(signal, Mapping) and signal.get("events_upload"):
                # shown in its own list (the uploads of the organisation); the JSON shows the rest
                initial["flexibility__events_upload"] = str(signal["events_upload"])
                rest = {k: v for k, v in signal.items() if k != "events_upload"}
                flexibility = {**flexibility, "signal": rest}
            initial["flexibility"] = json.dumps(flexibility, indent=1)
        return initial


# ---- the editor as one unit -------------------------------------------------------------------


@dataclass
class ErrorEntry:
    path: str
    message: str
    field_id: str  # the HTML id of the input that holds the value ("" when none)
    label: str = ""  # the field as the form names it ("Workload 1 › Time per output token target [ms]")


@dataclass
class Editor:
    """The main form and both formsets, bound or unbound, with the schema's errors mapped on."""

    main: ScenarioMainForm
    workloads: Any
    hardware: Any
    document: dict[str, Any] | None = None
    summary: list[ErrorEntry] = field(default_factory=list)
    # Errors about a whole section ("hardware: share_frac values must add up to 1").
    section_errors: dict[str, list[str]] = field(default_factory=dict)

    def is_valid(self) -> bool:
        """Django-level checks first, then the one schema; errors land on their fields."""
        valid = self.main.is_valid() & self.workloads.is_valid() & self.hardware.is_valid()
        if not valid:
            self._summarise_django_errors()
            return False
        workload_forms = [f for f in self.workloads.forms if not _deleted(f) and not f.is_blank()]
        hardware_forms = [f for f in self.hardware.forms if not _deleted(f) and not f.is_blank()]
        document = self.main.to_document()
        document["workloads"] = [f.to_document() for f in workload_forms]
        document["hardware"] = [f.to_document() for f in hardware_forms]
        organisation = self.main.cleaned_data.get("organisation")
        try:
            spec = scenario_validate(document, organisation_id=organisation.pk if organisation else None)
        except ScenarioError as error:
            self._attach(error.errors, workload_forms, hardware_forms)
            return False
        self.document = spec.model_dump(mode="json")
        return True

    def _summarise_django_errors(self) -> None:
        for form, label in [(self.main, ""), *((f, f"workloads[{i}]") for i, f in enumerate(self.workloads.forms))]:
            self._collect(form, label)
        for i, form in enumerate(self.hardware.forms):
            self._collect(form, f"hardware[{i}]")
        for formset, label in ((self.workloads, "workloads"), (self.hardware, "hardware")):
            for message in formset.non_form_errors():
                self.summary.append(ErrorEntry(label, message, ""))

    def _collect(self, form: forms.Form, label: str) -> None:
        for name, messages in form.errors.items():
            field_id = form[name].auto_id if name in form.fields else ""
            path = f"{label}.{name}" if label else name
            for message in messages:
                self.summary.append(ErrorEntry(path, message, field_id, _label_of(path, form, name)))

    def _attach(self, errors: dict[str, list[str]], workload_forms: list, hardware_forms: list) -> None:
        for path, messages in errors.items():
            form, name = self._locate(path, workload_forms, hardware_forms)
            for message in messages:
                section = re.match(r"^(workloads|hardware): (.+)$", message) if path == "scenario" else None
                if section or (form is self.main and path in {"workloads", "hardware"}):
                    key, text = section.groups() if section else (path, message)
                    self.section_errors.setdefault(key, []).append(text)
                    self.summary.append(ErrorEntry(key, text, f"{key}-title"))
                    continue
                if form is not None and name is not None and name in form.fields:
                    form.add_error(name, message)
                    self.summary.append(ErrorEntry(path, message, form[name].auto_id, _label_of(path, form, name)))
                elif form is not None:
                    form.add_error(None, f"{path}: {message}")
                    self.summary.append(ErrorEntry(path, message, ""))
                else:
                    self.main.add_error(None, f"{path}: {message}")
                    self.summary.append(ErrorEntry(path, message, ""))

    def _locate(self, path: str, workload_forms: list, hardware_forms: list) -> tuple[forms.Form | None, str | None]:
        match = re.match(r"^(workloads|hardware)(?:\[(\d+)\])?(?:\.(.+))?$", path)
        if match is None:
            return self.main, _main_field(path)
        group, index, rest = match.groups()
        if index is None:
            return self.main, None
        items = workload_forms if group == "workloads" else hardware_forms
        position = int(index)
        if position >= len(items):
            return self.main, None
        form = items[position]
        return form, (_workload_field(rest) if group == "workloads" else _hardware_field(rest))


def _label_of(path: str, form: forms.Form, name: str) -> str:
    """'workloads[0].tpot_target_ms' → 'Workload 1 › Time per output token target [ms]'."""
    field = form.fields.get(name)
    text = str(field.label) if field is not None and field.label else name
    match = re.match(r"^(workloads|hardware)\[(\d+)\]", path)
    if match:
        group = "Workload" if match.group(1) == "workloads" else "Pool"
        return f"{group} {int(match.group(2)) + 1} › {text}"
    return text


def _deleted(form: forms.Form) -> bool:
    return bool(form.cleaned_data.get("DELETE"))


def _main_field(path: str) -> str | None:
    if path in {"name", "description"}:
        return path
    if path.startswith("grid.overrides"):
        key = path.removeprefix("grid.overrides").lstrip(".")
        return f"grid__overrides__{key}" if key else "grid__overrides_extra"
    if path.startswith("grid.uploads."):
        return _name(path)
    if path in {"site", "site.climate"}:
        return "site__climate"
    if path == "flexibility.signal.events_upload":
        return "flexibility__events_upload"
    if path.startswith("flexibility"):
        return "flexibility"
    return _name(path)


def _workload_field(rest: str | None) -> str | None:
    if rest is None:
        return None
    if rest in {"peak_requests_per_s", "requests_per_day"}:
        return "rate"
    if rest.startswith("model"):
        return "model"
    shape = re.match(r"^daily_shape(?:\.(weekday|weekend)(?:\[(\d+)\])?)?", rest)
    if shape:
        day, hour = shape.groups()
        if day and hour is not None:
            return f"{'wd' if day == 'weekday' else 'we'}_{hour}"
        return "daily_shape"
    return rest


def _hardware_field(rest: str | None) -> str | None:
    if rest is None:
        return None
    if rest.startswith("accelerator"):
        return "accelerator"
    if rest == "sparsity":
        return "sparsity_kind"
    return rest


def editor_forms(
    *,
    data: Mapping[str, Any] | None,
    document: Mapping[str, Any],
    organisations: Any,
    organisation: Any = None,
    uploads: Any = (),
) -> Editor:
    """Build the editor, bound to POST data or filled from a scenario document."""
    region = str((data or {}).get("grid__region") or (document.get("grid") or {}).get("region", ""))
    main_initial = ScenarioMainForm.initial_from(document)
    main_initial["organisation"] = organisation
    # Pickers list the entries of every organisation the user can save into; a scenario saved in
    # one organisation that names another's entry is refused at save (custom_catalog's rule).
    own = catalogs.own_entries(organisations)
    main = ScenarioMainForm(
        data,
        initial=main_initial,
        organisations=organisations,
        uploads=uploads,
        region_slug=region,
        own_sites=own["sites"],
        own_regions=own["regions"],
    )
    workloads = WorkloadFormSet(
        data,
        prefix="workloads",
        form_kwargs={"own_models": own["models"]},
        initial=[WorkloadForm.initial_from(item) for item in document.get("workloads", [])],
    )
    hardware = HardwareFormSet(
        data,
        prefix="hardware",
        form_kwargs={"own_accelerators": own["accelerators"]},
        initial=[HardwareForm.initial_from(item) for item in document.get("hardware", [])],
    )
    return Editor(main=main, workloads=workloads, hardware=hardware)
