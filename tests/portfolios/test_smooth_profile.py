"""An own region with only a smooth month × hour profile: the study uses the published headroom, claims no
curtailment (not assessed), and its pages and reports still build (issue 18)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from grid.portfolio_checks import missed_constraints
from planner.jobs.lifecycle import job_execute
from planner.portfolios import services
from planner.portfolios.models import PortfolioRun
from planner.portfolios.selectors import COMPLETED
from planner.reports.services import report_build, report_request
from tests.api.conftest import client_for
from tests.planner.test_own_sites_regions import _region_data

pytestmark = pytest.mark.django_db


def test_a_smooth_profile_is_not_a_basis_for_a_curtailment_miss(
    client, owner, organisation, definition, django_capture_on_commit_callbacks
):
    data = _region_data(1.0)
    data.pop("load_series")  # only the month × hour profile of the old Dominion series remains
    posted = client_for(owner).post(
        "/api/v1/regions/",
        {"organisation": organisation.pk, "slug": "smooth-utility", "name": "Smooth utility", "data": data},
        format="json",
    )
    assert posted.status_code == 201, posted.json()
    members = [{**m, "region": "smooth-utility"} for m in definition["members"]]
    portfolio = services.portfolio_create(
        owner=owner, organisation=organisation, data={**definition, "members": members}
    )
    run, _ = services.portfolio_run_submit(portfolio=portfolio, submitted_by=owner)
    job_execute(kind="portfolio_run", job_id=run.pk)
    run = PortfolioRun.objects.get(pk=run.pk)
    assert run.status in COMPLETED, run.error
    region = run.result["regions"]["smooth-utility"]
    assert region["real_hours"] is False and "curtailment not assessed" in region["system_load_source"]
    assert all(y["curtailment"]["assessed"] is False for y in region["yearly"])
    assert "curtailment_over_rate" not in {c["kind"] for c in missed_constraints(run.result)}
    assert [row["headroom_mw"] for row in region["headroom"]][:2] == [3354.2, 4091.2]  # published (dom-derived)
    for kind in ("pdf",):  # the PDF draws the bill chart that had a line "if curtailed"
        report = report_request(portfolio_run=run, kind=kind)
        report_build(report_id=report.pk)
        report.refresh_from_db()
        assert report.is_ready, report.error
    client.force_login(owner)
    assert client.get(reverse("portfolio-run", args=[run.pk])).status_code == 200
