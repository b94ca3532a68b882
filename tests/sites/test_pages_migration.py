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
