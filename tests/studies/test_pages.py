"""Study pages with the owner / teammate / viewer / outsider; an uncertainty study with Sobol
indices computed in-process (embedded mode: the same chord, run eagerly)."""

import io

import pytest
from django.urls import reverse

from planner.studies.models import Study
from tests.studies.conftest import make_study, submit

pytestmark = pytest.mark.django_db


def test_it_creates_a_study_from_a_scenario_page(client, owner, scenario):
    client.force_login(owner)
    url = reverse("study-create", args=[scenario.pk])
    assert client.get(url).status_code == 200
    bad = client.post(url, {"name": "s", "kind": "sweep", "definition": '{"vary": {}}'})
    assert bad.status_code == 400 and b"vary" in bad.content
    done = client.post(url, {"name": "s", "kind": "sweep", "definition": '{"vary": {"site.cooling": ["immersion"]}}'})
    study = Study.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse("study-detail", args=[study.pk])


def test_it_shows_members_the_study_and_hides_it_from_outsiders(client, owner, viewer, outsider, scenario):
    study = make_study(scenario, owner, {"kind": "sweep", "vary": {"site.cooling": ["immersion"]}})
    client.force_login(viewer)
    page = client.get(reverse("study-detail", args=[study.pk]))
    assert page.status_code == 200 and b"start-study" not in page.content
    assert client.post(reverse("study-run-create", args=[study.pk])).status_code == 403
    assert client.get(reverse("study-create", args=[scenario.pk])).status_code == 403
    client.force_login(outsider)
    assert client.get(reverse("study-detail", args=[study.pk])).status_code == 404
    assert client.get(reverse("study-create", args=[scenario.pk])).status_code == 404
    assert client.get(reverse("study-list")).content.count(b"/studies/") <= 2  # nav only, no study


def test_it_runs_a_sweep_and_downloads_the_table(
    client, owner, teammate, outsider, scenario, django_capture_on_commit_callbacks
):
    study = make_study(scenario, owner, {"kind": "sweep", "vary": {"hardware[0].tensor_parallel": [1, 4]}})
    run, _ = submit(study, teammate, django_capture_on_commit_callbacks)
    assert run.status == "succeeded", run.error
    client.force_login(owner)
    page = client.get(reverse("study-run-detail", args=[run.pk]))
    assert page.status_code == 200 and b"points-table" in page.content and b"does not fit" in page.content
    csv_text = client.get(reverse("study-run-download", args=[run.pk, "csv"])).content.decode()
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("point,status,hardware[0].tensor_parallel,peak_facility_power_mw [MW]")
    assert lines[1].startswith("0,refused,1,") and lines[2].startswith("1,computed,4,")
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(client.get(reverse("study-run-download", args=[run.pk, "xlsx"])).content))
    assert book["points"].max_row == 3
    data = client.get(reverse("study-run-data", args=[run.pk])).json()
    assert data["fields"] == ["hardware[0].tensor_parallel"] and len(data["points"]) == 2
    client.force_login(outsider)
    assert client.get(reverse("study-run-detail", args=[run.pk])).status_code == 404
    assert client.get(reverse("study-run-download", args=[run.pk, "csv"])).status_code == 404


def test_it_names_the_input_that_drives_emissions(owner, scenario, django_capture_on_commit_callbacks):
    # Carbon intensity ×U(0.7, 1.3) against the energy price ×U(0.9, 1.1): location-based tCO2e is
    # energy × intensity and does not depend on the price, so its first-order index is ≈1 for the
    # intensity and ≈0 for the price; peak MW depends on neither (no index: the KPI does not vary).
    study = make_study(
        scenario,
        owner,
        {
            "kind": "uncertainty",
            "samples": 8,
            "sensitivity": True,
            "inputs": [
                {
                    "parameter": "carbon_intensity",
                    "mode": "relative",
                    "distribution": {"kind": "uniform", "low": 0.7, "high": 1.3},
                },
                {
                    "parameter": "energy_price",
                    "mode": "relative",
                    "distribution": {"kind": "uniform", "low": 0.9, "high": 1.1},
                },
            ],
        },
    )
    run, _ = submit(study, owner, django_capture_on_commit_callbacks)
    assert run.status == "succeeded", run.error
    assert run.points_total == 8 * (2 + 2)
    sobol = run.summary["sobol"]
    assert sobol["location_based_tco2e"]["first_order"] == pytest.approx([1.0, 0.0], abs=0.1)
    assert "does not vary" in sobol["peak_facility_power_mw"]["error"]
    assert len(run.summary["fan"]["daily_location_tco2e"]["p50"]) == 365


def test_it_solves_a_mix_as_a_milp_rechecks_it_and_shows_the_gap(
    client, owner, organisation, small_inputs, django_capture_on_commit_callbacks
):
    # Two pools (H100 and A100) with 2 × 2 choices and demand shares in quarters: 20 candidates, more
    # than exhaustive_limit, so the MILP runs. Round 1 computes its 4 probes (one per operating
    # point), round 2 re-checks the MILP's best mixes with the engine (a second chord); the page
    # shows the MILP's bound, the engine's figure of the best mix and the gap between them.
    from planner.scenarios import services as scenario_services

    inputs = {**small_inputs, "fleet": {**small_inputs["fleet"], "dispatch": "proportional"}}
    inputs["hardware"] = [
        {**small_inputs["hardware"][0], "share_frac": 0.5},
        {
            "name": "a100",
            "accelerator": "a100-sxm",
            "share_frac": 0.5,
            "weight_precision": "bf16",
            "tensor_parallel": 4,
        },
    ]
    scenario = scenario_services.scenario_create(owner=owner, organisation=organisation, inputs=inputs)
    definition = {
        "kind": "optimisation",
        "choices": {"hardware[0].weight_precision": ["bf16", "fp8"], "hardware[1].tensor_parallel": [4, 8]},
        "shares": {"pools": [0, 1], "step_frac": 0.25},
        "objective": "annual_facility_energy_mwh",
        "max_devices_by_accelerator": {"h100-sxm": 16000},
        "exhaustive_limit": 4,
        "recheck": 3,
        "pareto_levels": 3,
    }
    study = make_study(scenario, owner, definition)
    run, _ = submit(study, owner, django_capture_on_commit_callbacks)
    assert run.status == "succeeded", run.error
    summary = run.summary
    assert summary["method"] == "milp" and summary["search_round"] == 1
    assert 4 < run.points.count() <= 4 + 3 + 3
    milp = summary["milp"]
    assert milp["status"] == "optimal" and abs(milp["gap_frac"]) < 1e-3
    best = run.points.get(index=summary["best_index"])
    assert best.devices_by_accelerator["h100-sxm"] <= 16000
    computed = [p for p in run.points.filter(status="computed") if p.devices_by_accelerator.get("h100-sxm", 0) <= 16000]
    assert best.kpis["annual_facility_energy_mwh"] == min(p.kpis["annual_facility_energy_mwh"] for p in computed)
    client.force_login(owner)
    page = client.get(reverse("study-run-detail", args=[run.pk])).content.decode()
    assert 'id="milp-gap"' in page and f"{milp['gap_percent']:.3f} %" in page
    assert 'id="milp-candidates"' in page and 'id="milp-front"' in page
    # Two pools: the MILP's figure of a split is the linear model's estimate, not a proven bound,
    # and the page says so beside the model it used.
    assert milp["bound_is_valid"] is False and 'id="milp-not-a-bound"' in page and milp["linearisation"] in page
    results = client.get(f"/api/v1/studies/runs/{run.pk}/results/").json()
    assert results["milp"]["gap_frac"] == milp["gap_frac"] and results["milp"]["front"]
