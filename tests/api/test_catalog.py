"""Catalog resources: shipped entries with their sources, and organisations' own entries."""

import copy

import pytest
import yaml

from accelerators.catalog import DATA_DIR, get_accelerator, list_accelerators, list_models
from accelerators.models import AcceleratorEntry
from grid.climate import list_climates
from grid.regions import FIELDS, list_regions

pytestmark = pytest.mark.django_db


@pytest.fixture
def fpga_data() -> dict:
    """The catalog's own V80 entry, renamed: a custom FPGA design in the data-file schema."""
    data = yaml.safe_load((DATA_DIR / "accelerators.yaml").read_text())
    fpga = next(entry for entry in data["accelerators"].values() if entry["kind"] == "fpga")
    return copy.deepcopy(fpga) | {"name": "Our FPGA card"}


@pytest.mark.parametrize(
    ("catalog", "shipped"),
    [
        ("accelerators", list_accelerators),
        ("models", list_models),
        ("sites", list_climates),
        ("regions", list_regions),
    ],
)
def test_it_lists_every_shipped_entry_with_sources(api, catalog, shipped):
    body = api("viewer").get(f"/api/v1/{catalog}/", {"page_size": 500}).json()
    slugs = [entry["slug"] for entry in body["results"]]
    assert slugs == [entry.slug for entry in shipped()]
    assert all(entry["builtin"] and entry["sources"] for entry in body["results"])
    first = body["results"][0]["slug"]
    assert api("viewer").get(f"/api/v1/{catalog}/{first}/").json()["slug"] == first


def test_it_shows_an_accelerator_in_si_units_with_its_datasheet(api):
    body = api("owner").get("/api/v1/accelerators/h100-sxm/").json()
    spec = get_accelerator("h100-sxm")
    assert body["data"]["power_limit_w"] == spec.power_limit_w
    assert body["data"]["memory_bandwidth_bytes_per_s"] == spec.memory_bandwidth_bytes_per_s
    assert "H100" in body["sources"]["power_limit"]


def test_it_filters_accelerators_by_kind_and_text(api):
    client = api("owner")
    fpgas = client.get("/api/v1/accelerators/", {"kind": "fpga"}).json()["results"]
    assert fpgas and all(entry["data"]["kind"] == "fpga" for entry in fpgas)
    assert all("h100" in e["slug"] for e in client.get("/api/v1/accelerators/", {"search": "h100"}).json()["results"])
    assert client.get("/api/v1/accelerators/", {"kind": "tpu"}).status_code == 400


def test_it_adds_a_custom_accelerator_for_the_organisation(api, organisation, fpga_data):
    body = {"organisation": organisation.pk, "slug": "our-fpga", "name": "Our FPGA card", "data": fpga_data}
    response = api("owner").post("/api/v1/accelerators/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response["Location"].endswith("/api/v1/accelerators/our-fpga/")
    entry = AcceleratorEntry.objects.get(slug="our-fpga")
    assert entry.organisation == organisation and not entry.builtin
    assert entry.sources["power_limit"], "sources come from the entry's own figures"
    teammate_view = api("teammate").get("/api/v1/accelerators/our-fpga/").json()
    assert teammate_view["organisation"] == organisation.pk
    assert api("teammate").get("/api/v1/accelerators/", {"source": "custom"}).json()["count"] == 1
    # The outsider neither sees nor deletes it.
    assert api("outsider").get("/api/v1/accelerators/our-fpga/").status_code == 404
    assert api("outsider").get("/api/v1/accelerators/", {"source": "custom"}).json()["count"] == 0
    assert api("outsider").delete("/api/v1/accelerators/our-fpga/").status_code == 404
    assert api("viewer").delete("/api/v1/accelerators/our-fpga/").status_code == 403
    again = api("teammate").post("/api/v1/accelerators/", body, format="json")
    assert again.status_code == 400 and "slug" in again.json()["errors"]
    assert api("teammate").delete("/api/v1/accelerators/our-fpga/").status_code == 204
    assert not AcceleratorEntry.objects.exists()


def test_it_rejects_an_entry_the_core_cannot_read(api, organisation, fpga_data):
    broken = dict(fpga_data)
    broken["power_limit"] = {"value": 300, "unit": "horsepower", "source": "nv_h100"}
    body = {"organisation": organisation.pk, "slug": "bad-fpga", "name": "Bad", "data": broken}
    response = api("owner").post("/api/v1/accelerators/", body, format="json")
    assert response.status_code == 400
    assert "power_limit" in response.json()["errors"]["data"][0]
    assert api("viewer").post("/api/v1/accelerators/", body, format="json").status_code == 403
    assert not AcceleratorEntry.objects.exists()


def test_it_validates_region_figures_by_name_unit_and_source(api, organisation):
    unit = FIELDS["carbon_intensity_g_per_kwh"]
    body = {
        "organisation": organisation.pk,
        "slug": "our-utility",
        "name": "Our utility",
        "data": {"figures": {"carbon_intensity_g_per_kwh": {"value": 310, "unit": unit, "source": ""}}},
    }
    response = api("owner").post("/api/v1/regions/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["data.figures.carbon_intensity_g_per_kwh.source"]
    body["data"]["figures"]["carbon_intensity_g_per_kwh"]["source"] = "Utility IRP 2025, table 4"
    assert api("owner").post("/api/v1/regions/", body, format="json").status_code == 201


def test_it_answers_404_for_an_unknown_slug(api):
    response = api("owner").get("/api/v1/models/no-such-model/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_it_runs_a_scenario_on_an_accelerator_added_through_the_api(
    api, organisation, small_inputs, django_capture_on_commit_callbacks
):
    data = yaml.safe_load((DATA_DIR / "accelerators.yaml").read_text())["accelerators"]["h100-sxm"]
    client = api("owner")
    body = {"organisation": organisation.pk, "slug": "our-h100", "name": "Our H100 build", "data": data}
    assert client.post("/api/v1/accelerators/", body, format="json").status_code == 201
    inputs = copy.deepcopy(small_inputs)
    inputs["hardware"][0]["accelerator"] = "our-h100"
    scenario = client.post("/api/v1/scenarios/", {"inputs": inputs}, format="json").json()
    with django_capture_on_commit_callbacks(execute=True):
        accepted = client.post(scenario["runs_url"])
    run = client.get(accepted["Location"]).json()
    assert run["status"] == "succeeded", run["error"]
    # The shipped H100's own datasheet under another slug: the same fleet and the same peak power.
    from planner.engine.runner import run_scenario
    from planner.engine.schema import parse_scenario

    shipped = run_scenario(parse_scenario(small_inputs)).summary
    result = client.get(run["result_url"]).json()["result"]
    assert result["devices"] == shipped["devices"]
    # Equal up to floating-point rounding (the entry's figures go through unit conversions and JSON; the
    # difference is ≈2e-8 of the peak): any modelling difference between the two would be ≥ 1e-3.
    assert result["peak_facility_power_mw"] == pytest.approx(shipped["peak_facility_power_mw"], rel=1e-6)


def test_it_replaces_a_custom_entry_for_members_only(api, organisation, fpga_data):
    body = {"organisation": organisation.pk, "slug": "our-fpga", "name": "Our FPGA card", "data": fpga_data}
    assert api("owner").post("/api/v1/accelerators/", body, format="json").status_code == 201
    lower = {**fpga_data, "power_limit": {**fpga_data["power_limit"], "value": 120}}
    update = {"name": "Our FPGA card, 120 W build", "data": lower}
    assert api("outsider").put("/api/v1/accelerators/our-fpga/", update, format="json").status_code == 404
    assert api("viewer").put("/api/v1/accelerators/our-fpga/", update, format="json").status_code == 403
    response = api("teammate").put("/api/v1/accelerators/our-fpga/", update, format="json")
    assert response.status_code == 200, response.json()
    entry = AcceleratorEntry.objects.get(slug="our-fpga")
    assert entry.name == "Our FPGA card, 120 W build" and entry.data["power_limit"]["value"] == 120
    broken = {"name": "x", "data": {**fpga_data, "power_limit": {**fpga_data["power_limit"], "unit": "horsepower"}}}
    refused = api("teammate").put("/api/v1/accelerators/our-fpga/", broken, format="json")
    assert refused.status_code == 400 and "power_limit" in refused.json()["errors"]["data"][0]
    assert AcceleratorEntry.objects.get(slug="our-fpga").data["power_limit"]["value"] == 120
    assert api("owner").put("/api/v1/accelerators/h100-sxm/", update, format="json").status_code == 404
