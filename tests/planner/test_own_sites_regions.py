"""An organisation's own sites (climates) and grid regions in scenarios and site comparisons: the
same rule as its own accelerators and models (planner/scenarios/custom_catalog.py) — exact slug
within the scenario's organisation, else the shipped catalog — with the entry's definition
snapshot into a run's inputs."""

from __future__ import annotations

import copy
import json

import pytest
from django.urls import reverse

from grid.climate import get_climate
from grid.models import RegionEntry, SiteEntry
from grid.regions import get_region
from planner.scenarios import services
from planner.scenarios.models import Run, RunStatus
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db


def _region_data(carbon_factor: float) -> dict:
    """The shipped pjm-dominion region in the catalog API's form, its carbon intensity scaled."""
    document = get_region("pjm-dominion").to_dict()
    figures = {}
    for name, figure in document["figures"].items():
        figures[name] = {"value": figure["value"], "unit": figure["unit"], "source": figure["source"]}
    figures["carbon_intensity_g_per_kwh"]["value"] *= carbon_factor
    keep = ("profiles", "load_series", "geography", "capacity_market")
    return {"country": "US", "figures": figures, **{k: document[k] for k in keep}}


def _site_data(warmer_c: float) -> dict:
    """The shipped Ashburn climate as a climates.yaml entry, every month `warmer_c` warmer."""
    site = get_climate("us-va-ashburn")
    return {
        "name": "Our campus",
        "kind": "from_typical_year",
        "latitude": site.latitude,
        "longitude": site.longitude,
        "elevation_m": site.elevation_m,
        "source": "own weather station, 2015-2024 monthly means (test data)",
        "dry_bulb_mean_c": [v + warmer_c for v in site.dry_bulb_mean_c],
        "diurnal_range_c": list(site.diurnal_range_c),
        "dew_point_mean_c": list(site.dew_point_mean_c),
    }


def _post_entry(api, organisation, kind: str, slug: str, data: dict) -> None:
    body = {"organisation": organisation.pk, "slug": slug, "name": data.get("name", slug), "data": data}
    response = api.post(f"/api/v1/{kind}/", body, format="json")
    assert response.status_code == 201, response.json()


def _run(api, inputs: dict, organisation, django_capture_on_commit_callbacks) -> Run:
    created = api.post("/api/v1/scenarios/", {"organisation": organisation.pk, "inputs": inputs}, format="json")
    assert created.status_code == 201, created.json()
    with django_capture_on_commit_callbacks(execute=False):
        queued = api.post(f"/api/v1/scenarios/{created.json()['id']}/runs/")
    assert queued.status_code == 202, queued.json()
    run = Run.objects.get(pk=queued.json()["id"])
    services.run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


def test_it_runs_a_scenario_in_the_organisations_own_region_and_site(
    owner, organisation, small_inputs, django_capture_on_commit_callbacks
):
    api = client_for(owner)
    _post_entry(api, organisation, "regions", "our-utility", {"name": "Our utility", **_region_data(2.0)})
    _post_entry(api, organisation, "sites", "our-campus", _site_data(10.0))
    shipped = _run(api, small_inputs, organisation, django_capture_on_commit_callbacks)
    region_inputs = copy.deepcopy(small_inputs)
    region_inputs["grid"]["region"] = "our-utility"
    own = _run(api, region_inputs, organisation, django_capture_on_commit_callbacks)
    site_inputs = copy.deepcopy(small_inputs)
    site_inputs["site"]["climate"] = "our-campus"
    own_site = _run(api, site_inputs, organisation, django_capture_on_commit_callbacks)

    # The run's inputs hold the definitions (reproducible); the scenario keeps the slugs.
    assert own.inputs["grid"]["region"]["slug"] == "our-utility"
    assert own_site.inputs["site"]["climate"]["slug"] == "our-campus"
    assert own.scenario.inputs["grid"]["region"] == "our-utility"
    assert own.result["grid_region"] == "our-utility"
    # Same demand, climate and hourly shape at twice the level: location-based emissions double.
    assert own.result["carbon"]["location_based_tco2e"] == pytest.approx(
        2.0 * shipped.result["carbon"]["location_based_tco2e"],
        rel=1e-7,  # results keep 3 decimals
    )
    # A site 10 °C warmer every month cools less efficiently.
    assert own_site.result["annual_pue"] > shipped.result["annual_pue"]

    # Editing the entry later does not change what the finished run computed nor its inputs.
    RegionEntry.objects.filter(slug="our-utility").update(data=_region_data(3.0))
    own.refresh_from_db()
    figures = own.inputs["grid"]["region"]["figures"]
    assert figures["carbon_intensity_g_per_kwh"]["value"] == pytest.approx(
        2.0 * get_region("pjm-dominion").value("carbon_intensity_g_per_kwh")
    )


def test_an_outsiders_entry_does_not_resolve(owner, organisation, other_organisation, small_inputs):
    RegionEntry.objects.create(
        slug="their-utility", name="Their utility", data=_region_data(1.0), organisation=other_organisation
    )
    SiteEntry.objects.create(
        slug="their-campus", name="Their campus", data=_site_data(0.0), organisation=other_organisation
    )
    inputs = copy.deepcopy(small_inputs)
    inputs["grid"]["region"] = "their-utility"
    inputs["site"]["climate"] = "their-campus"
    response = client_for(owner).post(
        "/api/v1/scenarios/", {"organisation": organisation.pk, "inputs": inputs}, format="json"
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "their-utility" in " ".join(errors["grid.region"])
    assert "their-campus" in " ".join(errors["site.climate"])


def test_a_broken_own_region_is_a_field_error_at_save(owner, organisation, small_inputs):
    # An entry edited by hand in the admin to a figure the core cannot read.
    data = _region_data(1.0)
    data["figures"]["carbon_intensity_g_per_kwh"]["value"] = -5
    RegionEntry.objects.create(slug="our-utility", name="Our utility", data=data, organisation=organisation)
    inputs = copy.deepcopy(small_inputs)
    inputs["grid"]["region"] = "our-utility"
    response = client_for(owner).post(
        "/api/v1/scenarios/", {"organisation": organisation.pk, "inputs": inputs}, format="json"
    )
    assert response.status_code == 400
    assert "carbon_intensity_g_per_kwh" in " ".join(response.json()["errors"]["grid.region"])


def test_the_editor_lists_the_organisations_own_sites_and_regions(client, owner, organisation, other_organisation):
    RegionEntry.objects.create(
        slug="our-utility", name="Our utility", data=_region_data(1.0), organisation=organisation
    )
    SiteEntry.objects.create(slug="our-campus", name="Our campus", data=_site_data(0.0), organisation=organisation)
    RegionEntry.objects.create(
        slug="their-utility", name="Their utility", data=_region_data(1.0), organisation=other_organisation
    )
    client.force_login(owner)
    page = client.get(reverse("scenario-create")).content.decode()
    assert 'value="our-utility"' in page and 'value="our-campus"' in page
    assert "their-utility" not in page
    comparison_form = client.get(reverse("site-comparison-create")).content.decode()
    assert 'value="our-utility"' in comparison_form and 'value="our-campus"' in comparison_form
    assert "their-utility" not in comparison_form


def test_a_site_comparison_takes_own_sites_and_regions(owner, organisation, small_inputs):
    from planner.jobs.lifecycle import job_execute
    from planner.sites import services as site_services
    from planner.sites.models import ComparisonRun

    RegionEntry.objects.create(
        slug="our-utility", name="Our utility", data=_region_data(2.0), organisation=organisation
    )
    SiteEntry.objects.create(slug="our-campus", name="Our campus", data=_site_data(0.0), organisation=organisation)
    inputs = {
        "name": "Own versus shipped",
        "scenario": small_inputs,
        "sites": [
            {"name": "Shipped", "climate": "us-va-ashburn", "region": "pjm-dominion"},
            {"name": "Own region", "climate": "us-va-ashburn", "region": "our-utility"},
            {"name": "Own site", "climate": "our-campus", "region": "pjm-dominion"},
        ],
        "weights": {"tco2e_location": 1.0},
    }
    comparison = site_services.comparison_create(organisation=organisation, created_by=owner, inputs=inputs)
    run = ComparisonRun.objects.create(
        comparison=comparison, inputs=site_services.comparison_run_inputs(comparison), submitted_by=owner
    )
    assert run.inputs["sites"][1]["region"]["slug"] == "our-utility"  # snapshot
    job_execute(kind=site_services.SITE_COMPARISON_JOB, job_id=run.pk)
    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    rows = {row["name"]: row for row in run.result["sites"]}
    assert rows["Own region"]["region"] == "our-utility" and rows["Own site"]["climate"] == "our-campus"
    assert rows["Own site"]["climate_name"] == "Our campus" and rows["Own site"]["eligible"]
    ratio = rows["Own region"]["metrics"]["tco2e_location"] / rows["Shipped"]["metrics"]["tco2e_location"]
    assert ratio == pytest.approx(2.0, rel=1e-7)  # same climate and demand, twice the carbon intensity
    assert run.result["ranking"][-1] == "Own region"


def test_a_site_comparison_refuses_an_outsiders_region(owner, organisation, other_organisation, small_inputs):
    from planner.engine.schema import ScenarioError
    from planner.sites import services as site_services

    RegionEntry.objects.create(
        slug="their-utility", name="Their utility", data=_region_data(1.0), organisation=other_organisation
    )
    inputs = {
        "name": "Theirs",
        "scenario": small_inputs,
        "sites": [
            {"name": "A", "climate": "us-va-ashburn", "region": "pjm-dominion"},
            {"name": "B", "climate": "us-va-ashburn", "region": "their-utility"},
        ],
    }
    with pytest.raises(ScenarioError) as caught:
        site_services.comparison_create(
            organisation=organisation, created_by=owner, inputs=json.loads(json.dumps(inputs))
        )
    assert "sites[1].region" in caught.value.errors


def test_an_own_region_without_a_needed_figure_is_refused_at_save(owner, organisation, small_inputs):
    unit = "gCO2e/kWh"
    data = {"figures": {"carbon_intensity_g_per_kwh": {"value": 310, "unit": unit, "source": "IRP 2025, table 4"}}}
    api = client_for(owner)
    _post_entry(api, organisation, "regions", "thin-utility", data)  # the catalog takes a partial region
    inputs = copy.deepcopy(small_inputs)
    inputs["grid"]["region"] = "thin-utility"
    response = api.post("/api/v1/scenarios/", {"organisation": organisation.pk, "inputs": inputs}, format="json")
    assert response.status_code == 400
    message = " ".join(response.json()["errors"]["grid.region"])
    lacking = message.split("lacks ", 1)[1].split(";", 1)[0].split(", ")
    assert "energy_price_usd_per_mwh" in lacking and "carbon_intensity_g_per_kwh" not in lacking
    assert "fixed_charge_rate_frac" not in lacking  # completed from the catalog's defaults


def test_the_comparisons_api_takes_own_regions_and_refuses_an_outsiders(
    owner, organisation, other_organisation, small_inputs
):
    RegionEntry.objects.create(
        slug="our-utility", name="Our utility", data=_region_data(1.0), organisation=organisation
    )
    RegionEntry.objects.create(
        slug="their-utility", name="Their utility", data=_region_data(1.0), organisation=other_organisation
    )
    api = client_for(owner)
    sites = [
        {"name": "A", "climate": "us-va-ashburn", "region": "pjm-dominion"},
        {"name": "B", "climate": "us-va-ashburn", "region": "our-utility"},
    ]
    body = {"organisation": organisation.pk, "inputs": {"name": "Ours", "scenario": small_inputs, "sites": sites}}
    created = api.post("/api/v1/comparisons/", body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["inputs"]["sites"][1]["region"] == "our-utility"  # the comparison keeps the slug
    sites[1]["region"] = "their-utility"
    refused = api.put(f"/api/v1/comparisons/{created.json()['id']}/", body, format="json")
    assert refused.status_code == 400 and "sites[1].region" in refused.json()["errors"]
    assert api.post("/api/v1/comparisons/", body, format="json").status_code == 400
