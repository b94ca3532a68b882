"""Absurd values refused with a field error (issue 10), on the API: custom catalog entries, region
figures, scenario overrides and the estimate. Bounds: grid/data/bounds.yaml and
accelerators/data/entry_bounds.yaml (each with its reason and source)."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from accelerators.catalog import get_accelerator, get_model
from grid.regions import FIELDS

pytestmark = pytest.mark.django_db


def _model(**changes) -> dict:
    data = dataclasses.asdict(get_model("llama-3.1-8b"))
    data = {k: v for k, v in data.items() if v not in (None, ())}
    for derived in ("slug",):
        data.pop(derived, None)
    data.update(changes)
    return data


def _accelerator(**changes) -> dict:
    data = dataclasses.asdict(get_accelerator("h100-sxm"))
    data.update(changes)
    return data


def _post(api, organisation, catalog: str, data: dict):
    body = {"organisation": organisation.pk, "slug": "ours", "name": "Ours", "data": data}
    return api("owner").post(f"/api/v1/{catalog}/", body, format="json")


def test_a_shipped_model_round_trips_as_a_custom_entry(api, organisation):
    assert _post(api, organisation, "models", _model()).status_code == 201


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"total_params": 1e-30, "active_params": 1e-30}, "field 'total_params' is 1e-30, outside the plausible range"),
        ({"layers": 10**12}, "field 'layers' is 1e+12, outside the plausible range"),
        ({"aliases": "llama"}, "field 'aliases' must be a list of ids, got str"),
        ({"tied_embeddings": "no"}, "field 'tied_embeddings' must be true or false, got str"),
    ],
)
def test_it_refuses_an_absurd_custom_model(api, organisation, changes, expected):
    response = _post(api, organisation, "models", _model(**changes))
    assert response.status_code == 400
    assert expected in response.json()["errors"]["data"][0]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"sparse_2_4": "no"}, "field 'sparse_2_4' must be true or false, got str"),
        ({"native_dtypes": "bf16"}, "field 'native_dtypes' must be a list, got str"),
        ({"memory_bandwidth_bytes_per_s": 1e-300}, "field 'memory_bandwidth_bytes_per_s' is 1e-300"),
    ],
)
def test_it_refuses_an_absurd_custom_accelerator(api, organisation, changes, expected):
    response = _post(api, organisation, "accelerators", _accelerator(**changes))
    assert response.status_code == 400
    assert expected in response.json()["errors"]["data"][0]


@pytest.mark.parametrize(
    ("figure", "value", "expected"),
    [
        (
            "carbon_intensity_g_per_kwh",
            -500,
            "-500 gCO2e/kWh is outside the plausible range (≥ 0 and ≤ 2,000 gCO2e/kWh)",
        ),
        ("system_peak_mw", 0, "0 MW is outside the plausible range (> 0 and ≤ 2,000,000 MW)"),
        (
            "energy_price_usd_per_mwh",
            -1e6,
            "-1,000,000 USD/MWh is outside the plausible range (≥ -15,000 and ≤ 20,000 USD/MWh)",
        ),
    ],
)
def test_it_refuses_impossible_region_figures(api, organisation, figure, value, expected):
    data = {"figures": {figure: {"value": value, "unit": FIELDS[figure], "source": "typed by hand"}}}
    response = _post(api, organisation, "regions", data)
    assert response.status_code == 400
    assert response.json()["errors"] == {f"data.figures.{figure}.value": [expected]}


@pytest.mark.parametrize(
    ("override", "value"),
    [("carbon_intensity_g_per_kwh", 1e308), ("energy_price_usd_per_mwh", -1e6), ("system_peak_mw", 0)],
)
def test_it_refuses_impossible_overrides_when_a_scenario_is_saved(api, organisation, small_inputs, override, value):
    inputs = copy.deepcopy(small_inputs)
    inputs["grid"]["overrides"] = {override: value}
    response = api("owner").post(
        "/api/v1/scenarios/", {"organisation": organisation.pk, "inputs": inputs}, format="json"
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert (
        list(errors) == [f"grid.overrides.{override}"]
        and "outside the plausible range" in errors[f"grid.overrides.{override}"][0]
    )


def test_it_refuses_a_reference_to_a_missing_upload_when_a_scenario_is_saved(api, organisation, small_inputs):
    inputs = copy.deepcopy(small_inputs)
    inputs["grid"]["uploads"] = {"carbon": "999999"}
    response = api("owner").post(
        "/api/v1/scenarios/", {"organisation": organisation.pk, "inputs": inputs}, format="json"
    )
    assert response.status_code == 400
    assert "grid.uploads.carbon" in response.json()["errors"]


def test_it_refuses_a_slow_custom_accelerator_in_the_estimate_with_a_field_error(api):
    body = {"model": "llama-3.1-8b", "accelerator": _accelerator(peak_dense_flops_per_s={"bf16": 1e-300})}
    response = api("owner").post("/api/v1/estimate", body, format="json")
    assert response.status_code == 400
    assert "accelerator" in response.json()["errors"]
