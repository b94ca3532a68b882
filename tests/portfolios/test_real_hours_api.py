"""Issue 18 acceptance: a facility of a few MW alone in any shipped region with headroom, through the
API with no upload, completes without a curtailment miss (real hours, not a smooth profile)."""

import copy

import pytest

from grid.regions import list_regions
from grid.system_load import has_system_load, series_info
from planner.jobs.lifecycle import job_execute
from planner.portfolios.selectors import COMPLETED
from planner.scenarios import services as scenario_services
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db
CURTAILMENT_MISSES = {"curtailment_over_rate", "headroom_exceeded"}


def _with_headroom() -> list[str]:
    """Regions with real hours whose system has headroom at 0.5 % curtailment (the flexible view's rate)."""
    out = []
    for region in list_regions():
        if has_system_load(region):
            fit = series_info(str(region.load_series))["fit"]
            if dict(zip(fit["headroom_rates_pct"], fit["headroom_rebuilt_mw"], strict=True)).get(0.5):
                out.append(region.slug)
    return out


def test_a_few_mw_alone_completes_without_a_curtailment_miss_in_every_region(
    owner, organisation, small_inputs, django_capture_on_commit_callbacks
):
    inputs = copy.deepcopy(small_inputs)  # the example (≈53 MW) at a twentieth of its demand: a few MW
    for workload in inputs["workloads"]:
        workload["peak_requests_per_s"] = workload["peak_requests_per_s"] / 20
    scenario = scenario_services.scenario_create(owner=owner, organisation=organisation, inputs=inputs)
    run = scenario_services.run_submit(scenario=scenario, submitted_by=owner)
    scenario_services.run_execute(run_id=run.pk)  # its hourly load is reused by every portfolio below
    client = client_for(owner)
    regions = _with_headroom()
    assert {"pjm-dominion", "pjm", "ercot", "miso", "spp", "nyiso", "iso-ne", "soco"} <= set(regions)
    for slug in regions:
        definition = {
            "name": f"alone in {slug}",
            "start_year": 2026,
            "end_year": 2030,
            "members": [{"scenario": scenario.pk, "region": slug, "in_service_year": 2026}],
        }
        created = client.post("/api/v1/portfolios/", definition, format="json")
        assert created.status_code == 201, created.json()
        with django_capture_on_commit_callbacks(execute=False):
            started = client.post(f"{created['Location']}runs/")
        assert started.status_code == 202, started.json()
        status = client.get(started["Location"]).json()
        job_execute(kind="portfolio_run", job_id=status["id"])
        status = client.get(started["Location"]).json()
        assert status["status"] in COMPLETED, status["error"]
        body = client.get(status["result_url"]).json()
        assert not {c["kind"] for c in body["constraints"]} & CURTAILMENT_MISSES, (slug, body["constraints"])
        region = body["result"]["regions"][slug]
        assert region["real_hours"], slug
        peak = body["result"]["members"][0]["final_peak_mw"]
        assert 0.1 < peak < 10  # a facility of a few MW
        assert all(y["curtailment"]["aggregate_rate_frac"] <= 0.005 for y in region["yearly"]), slug
