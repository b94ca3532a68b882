"""Uploads may hold several years of system load: a portfolio takes its thresholds over all of them."""

import numpy as np
import pytest

from grid import headroom
from grid.cost import month_of_hour
from planner.jobs.lifecycle import job_execute
from planner.portfolios import services
from planner.portfolios.selectors import COMPLETED
from planner.scenarios import services as scenario_services
from planner.scenarios.uploads import parse_series

pytestmark = pytest.mark.django_db


def _two_years_csv() -> tuple[bytes, np.ndarray]:
    """2022 and 2023, hourly: a base of 50,000 MW with a July evening peak of 60,000 MW (2022) and 58,000 MW
    (2023) on ten days, and a January peak of 55,000 MW on ten days."""
    rows, years = ["time,load_mw"], []
    for year, summer in ((2022, 60_000.0), (2023, 58_000.0)):
        load = np.full(8760, 50_000.0)
        month = month_of_hour()
        load[np.flatnonzero(month == 7)[::24][:10] + 17] = summer
        load[np.flatnonzero(month == 1)[::24][:10] + 18] = 55_000.0
        stamps = np.datetime64(f"{year}-01-01T00", "h") + np.arange(8760)
        rows += [f"{str(t).replace('T', ' ')}:00,{v:.1f}" for t, v in zip(stamps, load, strict=True)]
        years.append(load)
    return ("\n".join(rows) + "\n").encode(), np.stack(years)


def test_a_two_year_upload_keeps_both_years():
    content, expected = _two_years_csv()
    parsed = parse_series(kind="system_load", content=content)
    assert parsed.summary["history_years"] == [2022, 2023] and parsed.summary["year"] == 2023
    assert parsed.arrays["system_load_years_mw"] == pytest.approx(expected)
    assert parsed.arrays["system_load_mw"] == pytest.approx(expected[1])


def test_a_portfolio_solves_its_headroom_over_every_uploaded_year(definition, owner, organisation):
    content, loads = _two_years_csv()
    upload = scenario_services.upload_create(
        organisation=organisation, uploaded_by=owner, kind="system_load", name="two years", content=content
    )
    data = {**definition, "system_load_upload": upload.pk, "system_load_region": "pjm-dominion"}
    portfolio = services.portfolio_create(owner=owner, organisation=organisation, data=data)
    run, _ = services.portfolio_run_submit(portfolio=portfolio, submitted_by=owner)
    job_execute(kind="portfolio_run", job_id=run.pk)
    run.refresh_from_db()
    assert run.status in COMPLETED, run.error
    region = run.result["regions"]["pjm-dominion"]
    assert "2022–2023, 2 years" in region["system_load_source"]
    # the study's method over both years (all-period thresholds), grown from 2023 to 2026
    months, labels = np.tile(month_of_hour(), 2), np.repeat([0, 1], 8760)
    rows = headroom.headroom_all_years(load_mw=loads.ravel(), month=months, year=labels)
    growth = region["yearly"][0]["system_load_growth_factor"]
    assert growth == pytest.approx((1 + 0.03966) ** 3, abs=1e-3)
    for solved, row in zip(region["headroom"], rows, strict=True):
        assert solved["headroom_mw"] == pytest.approx(row["headroom_mw"] * growth, rel=1e-4)
