"""The comparison page shows the migration of curtailed work per site pair, with its rule."""

from __future__ import annotations

import html
import json

import pytest
from django.urls import reverse

from tests.sites.conftest import ROOT

pytestmark = pytest.mark.django_db


def test_the_run_page_lists_each_pair_s_migrated_work(client, owner, organisation):
    from django.utils import timezone

    from planner.engine.site_comparison import compare_sites, parse_comparison
    from planner.jobs.models import JobStatus
    from planner.sites import services
    from planner.sites.models import ComparisonRun

    scenario = json.loads((ROOT / "examples" / "phoenix-flexible-cluster.json").read_text())
    inputs = {
        "name": "flex sites",
        "scenario": scenario,
        "sites": [
            {"name": "Phoenix", "climate": "us-az-phoenix", "region": "caiso", "utc_offset_h": -7},
            {"name": "Dallas", "climate": "us-tx-dallas", "region": "caiso", "utc_offset_h": -5},
        ],
    }
    comparison = services.comparison_create(organisation=organisation, created_by=owner, inputs=inputs)
    result = compare_sites(parse_comparison(inputs))
    run = ComparisonRun.objects.create(
        comparison=comparison,
        inputs=comparison.inputs,
        submitted_by=owner,
        status=JobStatus.SUCCEEDED,
        result=result,
        finished_at=timezone.now(),
    )
    client.force_login(owner)
    page = html.unescape(client.get(reverse("site-comparison-run", args=[run.pk])).content.decode())
    table = page.split('id="migration"', 1)[1].split("</table>", 1)[0]
    east = next(p for p in result["migration"]["pairs"] if p["from"] == "Phoenix")
    assert f"{east['migrated_mtok']:.2f}" in table and f"{east['deferred_mtok_avoided']:.2f} of" in table
    assert "neither is re-solved" in page


def test_the_form_takes_a_site_s_utc_offset_and_names_a_bad_one(client, owner, organisation, small_inputs):
    from planner.scenarios import services
    from planner.sites.models import SiteComparison
    from tests.sites.test_pages import _form

    scenario = services.scenario_create(owner=owner, organisation=organisation, inputs=small_inputs)
    client.force_login(owner)
    bad = _form(scenario, organisation, **{"site-1-utc_offset_h": "15"})
    response = client.post(reverse("site-comparison-create"), bad)
    assert response.status_code == 400 and "sites[1].utc_offset_h" in response.content.decode()
    response = client.post(
        reverse("site-comparison-create"), _form(scenario, organisation, **{"site-1-utc_offset_h": "-6"})
    )
    assert response.status_code == 302
    sites = SiteComparison.objects.get().inputs["sites"]
    assert sites[1]["utc_offset_h"] == -6 and "utc_offset_h" not in sites[0]


def test_a_comparison_runs_on_its_scenario_s_uploaded_schedule_of_its_own_organisation(
    owner, organisation, outsider, other_organisation
):
    from planner.engine.schema import ScenarioError
    from planner.jobs.models import JobStatus
    from planner.scenarios import services as scenario_services
    from planner.sites import services
    from planner.sites.models import ComparisonRun

    inputs = json.loads((ROOT / "examples" / "site-comparisons" / "phoenix-flexible-sites.json").read_text())
    inputs["sites"] = inputs["sites"][::2]  # Phoenix and Dallas
    event = b"start_hour,duration_h,reduction_frac\n4695,3,0.25\n"  # the example's typed event, as a file
    theirs = scenario_services.upload_create(
        organisation=other_organisation, uploaded_by=outsider, kind="events", name="t", content=event
    )
    inputs["scenario"]["flexibility"]["signal"] = {"kind": "schedule", "events_upload": str(theirs.pk)}
    with pytest.raises(ScenarioError) as error:
        services.comparison_create(organisation=organisation, created_by=owner, inputs=inputs)
    assert "scenario.flexibility.signal.events_upload" in error.value.errors
    ours = scenario_services.upload_create(
        organisation=organisation, uploaded_by=owner, kind="events", name="o", content=event
    )
    inputs["scenario"]["flexibility"]["signal"]["events_upload"] = str(ours.pk)
    comparison = services.comparison_create(organisation=organisation, created_by=owner, inputs=inputs)
    run = ComparisonRun.objects.create(comparison=comparison, inputs=comparison.inputs, submitted_by=owner)
    ComparisonRun.objects.filter(pk=run.pk).update(status=JobStatus.RUNNING)
    assert services.comparison_compute(run.pk, lambda stage, frac: None) == JobStatus.SUCCEEDED
    result = ComparisonRun.objects.get(pk=run.pk).result
    for site in result["sites"]:
        signal = site["result"]["flexibility_dispatch"]["signal"]
        assert signal["event_hours"] == 3 and f"from upload #{ours.pk}" in signal["method"]
    east = next(p for p in result["migration"]["pairs"] if p["from"] == "Phoenix")
    assert east["deferred_mtok_avoided"] > 0  # the same migration as with the typed event
