"""The structured editor keeps every field it does not show (issue 20, item 2).

Before, a scenario made in the JSON editor with power_limit_w, serving_stack, an economics and an
uncertainty block lost all of them when it was opened in the structured editor and saved with only
the description changed ("Saved as version 2"). Here a document that sets every shipped schema
field to a value other than its default goes through the editor unchanged (identical document, no
new version) and with one change (only that field differs).
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.urls import reverse
from pydantic import BaseModel

from planner.engine.schema import ScenarioSpec, parse_scenario
from planner.scenarios import services
from planner.scenarios.models import Scenario
from tests.planner.test_pages_editor import form_data
from tests.planner.test_pages_uploads import hourly_csv

pytestmark = pytest.mark.django_db
EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.json"))


def _weather_csv() -> str:
    hours = np.arange(8760)
    dry = 12 + 10 * np.sin(2 * np.pi * (hours / 8760 - 0.3))
    return "dry_bulb_c,rh\n" + "\n".join(f"{t:.2f},65" for t in dry) + "\n"


@pytest.fixture
def uploads(owner, organisation) -> dict[str, str]:
    made = {}
    for kind, content in (
        ("weather", _weather_csv()),
        ("carbon", hourly_csv(np.full(8760, 300.0))),
        ("price", hourly_csv(np.full(8760, 60.0))),
        ("system_load", hourly_csv(np.full(8760, 15_000.0))),
        ("events", "start_hour,duration_h,cap_mw\n6000,2,1.0\n"),
    ):
        upload = services.upload_create(
            organisation=organisation, uploaded_by=owner, kind=kind, name=kind, content=content.encode()
        )
        made[kind] = str(upload.pk)
    return made


def rich_document(uploads: dict[str, str]) -> dict[str, Any]:
    """Every shipped field set away from its default (two workloads and two pools cover the
    alternatives: rate per second or per day, share or count, mean tokens or a distribution)."""
    custom_day = [round(0.3 + 0.7 * h / 23, 4) for h in range(24)]
    return {
        "schema_version": 1,
        "name": "Every field",
        "description": "All fields set",
        "horizon": {"start_year": 2029, "years": 4},
        "workloads": [
            {
                "name": "chat",
                "model": "Qwen/Qwen3-30B-A3B-Instruct-2507",
                "peak_requests_per_s": 123.456789,
                "input_tokens": 912,
                "output_tokens": 421,
                "ttft_target_s": 1.75,
                "tpot_target_ms": 42.5,
                "daily_shape": "office-hours",
                "annual_growth_frac": 0.27,
                "deferrable_frac": 0.15,
            },
            {
                "name": "batch",
                "model": "Qwen/Qwen3-30B-A3B-Instruct-2507",
                "requests_per_day": 2_500_000.0,
                "ttft_target_s": 30.0,
                "tpot_target_ms": 200.0,
                "daily_shape": {"weekday": custom_day, "weekend": custom_day[::-1]},
                "input_tokens_distribution": {"tokens": [200, 800, 4000], "weights": [5.0, 4.0, 1.0]},
                "output_tokens_distribution": {"tokens": [100, 900], "weights": [3.0, 1.0]},
            },
        ],
        "hardware": [
            {
                "name": "h200 pool",
                "accelerator": "h200",
                "share_frac": 1.0,
                "weight_precision": "fp8",
                "kv_precision": "fp8",
                "sparsity": "2:4",
                "tensor_parallel": 2,
                "devices_per_server": 4,
                "expert_parallel": 2,
                "pipeline_parallel": 2,
                "serving_stack": "tensorrt-llm",
                "power_limit_w": 455.5,
                "energy_multiplier": 1.15,
                "server_height_u": 6,
            },
            {
                "name": "h100 reserve",
                "accelerator": "h100-sxm",
                "count": 64,
                "sparsity": "unstructured:0.25",
            },
        ],
        "fleet": {
            "headroom_frac": 0.35,
            "redundancy": "N+2",
            "idle_policy": "power_down",
            "dispatch": "proportional",
            "rack_power_limit_kw": 88.5,
            "rack_units_usable": 38,
        },
        "site": {
            "climate": "ie-dublin",
            "weather_upload": uploads["weather"],
            "cooling": "evaporative",
            "ashrae_class": "A3",
            "power_cap_mw": 321.5,
            "ups_efficiency_frac": 0.962,
        },
        "grid": {
            "region": "ireland",
            "overrides": {"carbon_intensity_g_per_kwh": 287.123456789},
            "clean_energy": {
                "annual_match_frac": 0.65,
                "hourly_match": True,
                "solar_frac": 0.6,
                "wind_frac": 0.3,
                "firm_frac": 0.1,
                "solar_latitude_deg": 52.5,
            },
            "tariff": "flat",
            "uploads": {k: uploads[k] for k in ("carbon", "price", "system_load")},
        },
        "economics": {
            "accelerator_price_usd": {"h200": 31_000.0},
            "fallback_accelerator_price_usd": 20_000.0,
            "server_cost_usd_per_device": 5_000.0,
            "network_cost_frac": 0.12,
            "rack_cost_usd": 60_000.0,
            "facility_cost_usd_per_w": 11.5,
            "facility_tier": "tier_iv",
            "grid_connection_cost_usd_per_kw": 250.0,
            "device_life_years": 4.0,
            "facility_life_years": 20.0,
            "grid_connection_life_years": 30.0,
            "discount_rate_frac": 0.08,
            "maintenance_frac_per_year": 0.03,
            "staff_fte_per_mw": 0.5,
            "staff_cost_usd_per_fte_year": 150_000.0,
            "water_price_usd_per_m3": 2.5,
        },
        "flexibility": {
            "power_capping": {"pools": ["h200 pool"], "levels_frac": [0.9, 0.7, 0.5]},
            "deferrable": [{"workload": "batch", "deadline_h": 12, "share_frac": 0.4}],
            "battery": {
                "power_mw": 2.5,
                "energy_mwh": 10.0,
                "round_trip_efficiency_frac": 0.88,
                "degradation_usd_per_mwh": 12.5,
            },
            "generation": {
                "power_mw": 3.0,
                "technology": "gas_reciprocating",
                "heat_rate_btu_per_kwh": 9100.0,
                "fuel_price_usd_per_mmbtu": 3.75,
                "emission_kg_co2_per_mmbtu": 53.06,
                "run_hours_per_year": 50.0,
                "events_only": True,
            },
            "signal": {
                "kind": "schedule",
                "events": [
                    {"start_hour": 4695, "duration_h": 3, "reduction_frac": 0.25},
                    {"start_hour": 5000, "duration_h": 2, "cap_mw": 1.5},
                ],
                "events_upload": uploads["events"],
                "threshold": 150.0,
                "reduction_frac": 0.3,
            },
            "allow_shedding": True,
            "lost_tokens_usd_per_mtok": 1.25,
            "deferral_usd_per_mtok_hour": 0.01,
        },
        "uncertainty": {
            "inputs": [
                {
                    "parameter": "workloads[*].annual_growth_frac",
                    "mode": "relative",
                    "distribution": {"kind": "uniform", "low": 0.8, "high": 1.2},
                    "source": "planning assumption",
                }
            ]
        },
    }


def _leaf_paths(model: type[BaseModel], value: Any, prefix: str = "") -> list[tuple[str, Any, Any]]:
    """(path, value, default) of every schema field, descending into nested models and lists."""
    out = []
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        current = value.get(name) if isinstance(value, dict) else None
        annotation = info.annotation
        nested = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
        if nested is None and getattr(annotation, "__args__", None):
            args = [a for a in annotation.__args__ if isinstance(a, type) and issubclass(a, BaseModel)]
            item = getattr(annotation, "__origin__", None) is list
            if args and item and isinstance(current, list):
                for index, element in enumerate(current):
                    out += _leaf_paths(args[0], element, f"{path}[{index}].")
                continue
            nested = args[0] if len(args) == 1 and isinstance(current, dict) and name != "model" else None
        if nested is not None and isinstance(current, dict) and name not in {"uncertainty"}:
            out += _leaf_paths(nested, current, f"{path}.")
            continue
        default = None if info.is_required() else info.get_default(call_default_factory=True)
        out.append((path, current, default))
    return out


def test_the_rich_document_sets_every_shipped_field(uploads):
    """A field added to the schema must be added to rich_document, so the editor is tested with it."""
    document = rich_document(uploads)
    parse_scenario(document)  # valid as it stands
    paths = [
        (re.sub(r"\[\d+\]", "[]", path), value, default) for path, value, default in _leaf_paths(ScenarioSpec, document)
    ]
    covered = {path for path, value, default in paths if value is not None and value != default}
    # A field counts as set when one item sets it: two workloads and two pools cover the alternatives.
    missing = sorted(
        path
        for path in {path for path, *_ in paths} - covered - {"schema_version"}
        if not any(other.startswith(f"{path}.") for other in covered)  # set in another item, with its parts
    )
    assert not missing, f"rich_document leaves these schema fields at their default: {missing}"
    covered = {path.rsplit(".", 1)[-1] for path in covered}
    assert {"power_limit_w", "serving_stack", "expert_parallel", "pipeline_parallel", "energy_multiplier"} <= covered


def _stored(document: dict) -> dict:
    return parse_scenario(document).model_dump(mode="json")


def test_every_shipped_field_survives_an_unchanged_save(client, owner, organisation, uploads):
    document = _stored(rich_document(uploads))
    scenario = services.scenario_create(owner=owner, organisation=organisation, inputs=document)
    client.force_login(owner)
    response = client.post(reverse("scenario-edit", args=[scenario.pk]), form_data(scenario.inputs, organisation))
    assert response.status_code == 302, response.content.decode()[:3000]
    scenario.refresh_from_db()
    assert scenario.version == 1  # "Nothing changed": the document is identical
    assert scenario.inputs == document


def test_changing_only_the_description_changes_only_the_description(client, owner, organisation, uploads):
    document = _stored(rich_document(uploads))
    scenario = services.scenario_create(owner=owner, organisation=organisation, inputs=document)
    client.force_login(owner)
    data = form_data(scenario.inputs, organisation)
    data["description"] = "Only this changed"
    response = client.post(reverse("scenario-edit", args=[scenario.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    scenario.refresh_from_db()
    assert scenario.version == 2
    expected = copy.deepcopy(document)
    expected["description"] = "Only this changed"
    assert scenario.inputs == expected
    for key in ("economics", "uncertainty"):
        assert scenario.inputs[key] == document[key]
    assert scenario.inputs["hardware"][0]["power_limit_w"] == 455.5
    assert scenario.inputs["hardware"][0]["serving_stack"] == "tensorrt-llm"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_survives_an_unchanged_save(client, owner, organisation, path):
    document = _stored(json.loads(path.read_text()))
    scenario = services.scenario_create(owner=owner, organisation=organisation, inputs=document)
    client.force_login(owner)
    response = client.post(reverse("scenario-edit", args=[scenario.pk]), form_data(scenario.inputs, organisation))
    assert response.status_code == 302
    scenario.refresh_from_db()
    assert (scenario.version, scenario.inputs) == (1, document)


def test_the_planners_fields_are_shown_and_edited(client, owner, organisation, uploads):
    document = _stored(rich_document(uploads))
    scenario = services.scenario_create(owner=owner, organisation=organisation, inputs=document)
    client.force_login(owner)
    page = client.get(reverse("scenario-edit", args=[scenario.pk])).content.decode()
    for name in ("serving_stack", "power_limit_w", "expert_parallel", "pipeline_parallel"):
        assert f'name="hardware-0-{name}"' in page
    assert 'name="kept"' in page and 'name="hardware-0-kept"' in page and 'name="workloads-0-kept"' in page
    data = form_data(scenario.inputs, organisation)
    data["hardware-0-power_limit_w"] = "400"
    data["hardware-0-serving_stack"] = "vllm"
    data["hardware-0-pipeline_parallel"] = ""
    assert client.post(reverse("scenario-edit", args=[scenario.pk]), data).status_code == 302
    pool = Scenario.objects.get().inputs["hardware"][0]
    assert (pool["power_limit_w"], pool["serving_stack"], pool["pipeline_parallel"]) == (400.0, "vllm", None)
    assert pool["energy_multiplier"] == 1.15  # not shown, kept


def test_a_tampered_hidden_field_cannot_overwrite_a_shown_one(client, owner, organisation, uploads):
    document = _stored(rich_document(uploads))
    scenario = services.scenario_create(owner=owner, organisation=organisation, inputs=document)
    client.force_login(owner)
    data = form_data(scenario.inputs, organisation)
    kept = json.loads(data["kept"])
    kept["site"] = {**kept.get("site", {}), "power_cap_mw": 1.0}  # a shown field smuggled in the hidden input
    data["kept"] = json.dumps(kept)
    data["site__power_cap_mw"] = ""  # cleared in the form: no cap
    assert client.post(reverse("scenario-edit", args=[scenario.pk]), data).status_code == 302
    assert Scenario.objects.get().inputs["site"]["power_cap_mw"] is None
    data["kept"] = "[" * 5000
    response = client.post(reverse("scenario-edit", args=[scenario.pk]), data)
    assert response.status_code == 400 and "could not be read back" in response.content.decode()
