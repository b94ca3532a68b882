"""'Adopt this mix': a study point becomes a NEW scenario (the base with the point's values, its
history showing the change), on the page and through the API; owner / teammate / viewer / outsider."""

import pytest
from django.urls import reverse

from planner.engine.runner import run_scenario
from planner.engine.schema import parse_scenario
from planner.scenarios.models import Scenario
from tests.api.conftest import client_for
from tests.studies.conftest import make_study, submit

pytestmark = pytest.mark.django_db

# tensor_parallel 1 does not fit the model (refused); 4 is computed.
SWEEP = {"kind": "sweep", "vary": {"hardware[0].tensor_parallel": [1, 4], "site.cooling": ["immersion"]}}


@pytest.fixture
def run(scenario, owner, django_capture_on_commit_callbacks):
    study = make_study(scenario, owner, SWEEP, name="tp sweep")
    done, _ = submit(study, owner, django_capture_on_commit_callbacks)
    assert done.status == "succeeded", done.error
    return done


def test_the_api_adopts_a_point_as_a_new_scenario_that_computes_the_same_figures(run, scenario, teammate):
    url = f"/api/v1/studies/runs/{run.pk}/points/1/adopt/"
    response = client_for(teammate).post(url)
    assert response.status_code == 201, response.json()
    body = response.json()
    adopted = Scenario.objects.get(pk=body["id"])
    assert response["Location"].endswith(f"/api/v1/scenarios/{adopted.pk}/")
    assert adopted.name == body["name"] == f"{scenario.name} — study #{run.study_id} point 1"
    assert adopted.owner.username == "teammate" and adopted.organisation_id == scenario.organisation_id
    assert adopted.inputs["hardware"][0]["tensor_parallel"] == 4 and adopted.inputs["site"]["cooling"] == "immersion"
    # History: version 1 is the base as the run computed it, version 2 applies the point.
    revisions = list(adopted.revisions.order_by("version"))
    assert [r.version for r in revisions] == [1, 2] and adopted.version == 2
    assert revisions[0].inputs["site"]["cooling"] == scenario.inputs["site"]["cooling"] != "immersion"
    # The base is unchanged, and the new scenario computes exactly the point's figures.
    scenario.refresh_from_db()
    assert scenario.version == 1 and scenario.inputs["site"]["cooling"] != "immersion"
    peak = run_scenario(parse_scenario(adopted.inputs)).summary["peak_facility_power_mw"]
    assert peak == pytest.approx(run.points.get(index=1).kpis["peak_facility_power_mw"], rel=1e-9)


def test_the_api_refuses_viewers_outsiders_and_points_without_figures(run, viewer, outsider, owner):
    before = Scenario.objects.count()
    assert client_for(viewer).post(f"/api/v1/studies/runs/{run.pk}/points/1/adopt/").status_code == 403
    assert client_for(outsider).post(f"/api/v1/studies/runs/{run.pk}/points/1/adopt/").status_code == 404
    refused = client_for(owner).post(f"/api/v1/studies/runs/{run.pk}/points/0/adopt/")
    assert refused.status_code == 409 and "refused" in refused.json()["detail"]
    missing = client_for(owner).post(f"/api/v1/studies/runs/{run.pk}/points/7/adopt/")
    assert missing.status_code == 404 and "no point 7" in missing.json()["detail"]
    assert Scenario.objects.count() == before


def test_the_page_button_opens_the_new_scenario(client, run, owner, viewer, outsider):
    url = reverse("study-point-adopt", args=[run.pk])
    client.force_login(viewer)
    page = client.get(reverse("study-run-detail", args=[run.pk]))
    assert b"adopt-point-button" not in page.content
    assert client.post(url, {"point": 1}).status_code == 403
    client.force_login(outsider)
    assert client.post(url, {"point": 1}).status_code == 404
    client.force_login(owner)
    assert b"adopt-point-button" in client.get(reverse("study-run-detail", args=[run.pk])).content
    response = client.post(url, {"point": 1})
    adopted = Scenario.objects.get(name__contains="point 1")
    assert response.status_code == 302 and response["Location"] == reverse("scenario-detail", args=[adopted.pk])
    refused = client.post(url, {"point": 0}, follow=True)
    assert b"cannot be adopted" in refused.content and Scenario.objects.filter(name__contains="point 0").count() == 0


def _dominates(a, b):
    return all(x <= y for x, y in zip(a, b, strict=True)) and a != b


def test_an_optimisation_offers_its_best_mix_and_its_pareto_front(
    client, scenario, owner, viewer, django_capture_on_commit_callbacks
):
    definition = {
        "kind": "optimisation",
        "choices": {"hardware[0].weight_precision": ["bf16", "int4"], "site.cooling": ["evaporative", "immersion"]},
        "objective": "annual_facility_energy_mwh",
    }
    run, _ = submit(make_study(scenario, owner, definition), owner, django_capture_on_commit_callbacks)
    best = run.summary["best_index"]
    # The front (cost $/Mtok vs market-based tCO2e) is exactly the non-dominated computed points.
    results = client_for(viewer).get(f"/api/v1/studies/runs/{run.pk}/results/").json()
    pair = ["usd_per_million_output_tokens", "market_based_tco2e"]
    assert results["pareto_kpis"] == pair == run.summary["pareto"]["kpis"]
    coords = {p["index"]: tuple(p["kpis"][k] for k in pair) for p in results["points"] if p["status"] == "computed"}
    assert len(coords) == 4 and None not in {v for c in coords.values() for v in c}
    brute = sorted(i for i in coords if not any(_dominates(coords[j], coords[i]) for j in coords))
    assert sorted(results["pareto"]) == brute == sorted(run.summary["pareto"]["indices"]) and brute
    assert results["pareto"] == sorted(brute, key=lambda i: coords[i][0])  # ordered by cost
    other = client_for(viewer).get(
        f"/api/v1/studies/runs/{run.pk}/results/?pareto=annual_facility_energy_mwh,peak_facility_power_mw"
    )
    assert other.json()["pareto_kpis"] == ["annual_facility_energy_mwh", "peak_facility_power_mw"]
    assert best in other.json()["pareto"]  # the least energy is never dominated
    bad = client_for(viewer).get(f"/api/v1/studies/runs/{run.pk}/results/?pareto=joy,market_based_tco2e")
    assert bad.status_code == 400 and "pareto" in bad.json()["errors"]

    client.force_login(owner)
    page = client.get(reverse("study-run-detail", args=[run.pk])).content.decode()
    assert 'id="adopt-best"' in page and f'name="point" value="{best}"' in page
    assert 'id="chart-pareto"' in page and page.count("<tr><td>", page.index("pareto-table")) >= len(brute)
    data = client.get(reverse("study-run-data", args=[run.pk]) + "?pareto=market_based_tco2e,devices").json()
    assert data["pareto"]["kpis"] == ["market_based_tco2e", "devices"]
    response = client.post(reverse("study-point-adopt", args=[run.pk]), {"point": best})
    adopted = Scenario.objects.get(name__endswith=f"point {best}")
    assert response["Location"] == reverse("scenario-detail", args=[adopted.pk])
    assert adopted.inputs["site"]["cooling"] == run.points.get(index=best).values["site.cooling"]


def test_a_relative_sample_is_adopted_as_the_run_applied_it(scenario, owner, django_capture_on_commit_callbacks):
    # carbon_intensity × U(0.8, 1.2) of the region's figure: the new scenario states the product,
    # and computes the sample's emissions.
    from planner.engine.studies.params import region_figure
    from planner.studies.services import study_point_adopt

    definition = {
        "kind": "uncertainty",
        "samples": 4,
        "method": "lhs",
        "inputs": [
            {
                "parameter": "carbon_intensity",
                "mode": "relative",
                "distribution": {"kind": "uniform", "low": 0.8, "high": 1.2},
            }
        ],
    }
    run, _ = submit(make_study(scenario, owner, definition), owner, django_capture_on_commit_callbacks)
    point = run.points.get(index=2)
    adopted = study_point_adopt(run=run, index=2, owner=owner)
    region = scenario.inputs["grid"]["region"]
    own = (scenario.inputs["grid"].get("overrides") or {}).get("carbon_intensity_g_per_kwh")
    base = own if own is not None else region_figure(region, "carbon_intensity_g_per_kwh")
    stated = adopted.inputs["grid"]["overrides"]["carbon_intensity_g_per_kwh"]
    assert stated == pytest.approx(point.values["carbon_intensity"] * base, rel=1e-12)
    tco2e = run_scenario(parse_scenario(adopted.inputs)).summary["carbon"]["location_based_tco2e"]
    assert tco2e == pytest.approx(point.kpis["location_based_tco2e"], rel=1e-9)
