"""Portfolio members may name the organisation's own grid regions (the rule of
planner/scenarios/custom_catalog.py: exact slug, this organisation only), through the API: the run
snapshots the region's definition in its inputs; another organisation's or an unknown region is a
field error on ``members[i].region``."""

from __future__ import annotations

import pytest
from django.urls import reverse

from grid.models import RegionEntry
from planner.jobs.lifecycle import job_execute
from planner.portfolios import report_tables
from planner.portfolios.models import PortfolioRun
from planner.portfolios.selectors import COMPLETED
from tests.api.conftest import client_for
from tests.planner.test_own_sites_regions import _region_data

pytestmark = pytest.mark.django_db


def _study(api, definition: dict, django_capture_on_commit_callbacks) -> PortfolioRun:
    created = api.post("/api/v1/portfolios/", definition, format="json")
    assert created.status_code == 201, created.json()
    with django_capture_on_commit_callbacks(execute=False):
        queued = api.post(f"/api/v1/portfolios/{created.json()['id']}/runs/")
    assert queued.status_code == 202, queued.json()
    run = PortfolioRun.objects.get(pk=queued.json()["id"])
    job_execute(kind="portfolio_run", job_id=run.pk)
    run.refresh_from_db()
    assert run.status in COMPLETED, run.error
    return run


def test_a_member_in_the_organisations_own_region(
    owner, organisation, scenarios, definition, django_capture_on_commit_callbacks
):
    api = client_for(owner)
    # The shipped pjm-dominion region (with its system-load profile) as the organisation's own entry.
    posted = api.post(
        "/api/v1/regions/",
        {"organisation": organisation.pk, "slug": "our-utility", "name": "Our utility", "data": _region_data(1.0)},
        format="json",
    )
    assert posted.status_code == 201, posted.json()
    members = [{**definition["members"][0], "region": "pjm-dominion"}]
    shipped = _study(api, {**definition, "name": "Shipped", "members": members}, django_capture_on_commit_callbacks)
    members = [{**definition["members"][0], "region": "our-utility"}]
    own = _study(api, {**definition, "name": "Own", "members": members}, django_capture_on_commit_callbacks)

    assert own.portfolio.members.get().region == "our-utility"  # the portfolio keeps the slug
    snapshot = own.inputs["own_regions"]["our-utility"]
    assert snapshot["slug"] == "our-utility" and snapshot["figures"] == _region_data(1.0)["figures"]
    assert "own_regions" not in shipped.inputs  # shipped regions are not snapshot
    region = own.result["regions"]["our-utility"]
    assert region["region_name"] == "Our utility"
    # The same figures and profile as the shipped region: the same year-by-year study.
    assert region["yearly"] == shipped.result["regions"]["pjm-dominion"]["yearly"]
    assert api.get(f"/api/v1/portfolios/runs/{own.pk}/").json()["status"] in COMPLETED

    # The run reads its snapshot, not the entry: deleting the entry leaves its report's sources intact.
    RegionEntry.objects.filter(slug="our-utility").delete()
    own.refresh_from_db()
    _, rows = report_tables.source_table(own.result, own.inputs["own_regions"])
    peak = next(row for row in rows if row[1] == "system_peak_mw")
    assert peak[0] == "Our utility" and peak[2] == _region_data(1.0)["figures"]["system_peak_mw"]["value"]


def test_another_organisations_region_or_an_unknown_one_is_a_field_error(
    owner, organisation, other_organisation, scenarios, definition
):
    RegionEntry.objects.create(
        slug="their-utility", name="Their utility", data=_region_data(1.0), organisation=other_organisation
    )
    members = [
        {**definition["members"][0], "region": "their-utility"},
        {**definition["members"][1], "region": "no-such-utility"},
    ]
    response = client_for(owner).post("/api/v1/portfolios/", {**definition, "members": members}, format="json")
    assert response.status_code == 400, response.json()
    errors = response.json()["errors"]
    assert set(errors) == {"members[0].region", "members[1].region"}, errors
    assert "unknown region 'their-utility'" in errors["members[0].region"][0]
    assert "unknown region 'no-such-utility'" in errors["members[1].region"][0]
    # An own slug is exact (case kept), like a scenario's: another case names the shipped catalog.
    RegionEntry.objects.create(
        slug="our-utility", name="Our utility", data=_region_data(1.0), organisation=organisation
    )
    members = [{**definition["members"][0], "region": "Our-Utility"}]
    response = client_for(owner).post("/api/v1/portfolios/", {**definition, "members": members}, format="json")
    assert response.status_code == 400 and "members[0].region" in response.json()["errors"]


def test_the_form_offers_the_organisations_own_regions(client, owner, organisation, other_organisation):
    RegionEntry.objects.create(
        slug="our-utility", name="Our utility", data=_region_data(1.0), organisation=organisation
    )
    RegionEntry.objects.create(
        slug="their-utility", name="Their utility", data=_region_data(1.0), organisation=other_organisation
    )
    client.force_login(owner)
    page = client.get(reverse("portfolio-create")).content.decode()
    assert '<option value="our-utility"' in page and "their-utility" not in page
    assert page.index('value="our-utility"') < page.index('value="pjm-dominion"')  # own regions first
