"""Portfolio definitions are checked with field paths; a study stores a year-by-year result."""

import pytest

from grid.portfolio_checks import missed_constraints
from grid.regions import get_region
from planner.jobs.lifecycle import job_execute
from planner.jobs.models import JobStatus as PortfolioRunStatus
from planner.portfolios import services
from planner.portfolios.models import PortfolioRun
from planner.portfolios.selectors import COMPLETED
from planner.portfolios.validation import PortfolioInputError, portfolio_validate
from planner.scenarios import services as scenario_services

pytestmark = pytest.mark.django_db


def _errors(data, organisation):
    with pytest.raises(PortfolioInputError) as error:
        portfolio_validate(data, organisation_id=organisation.pk)
    return error.value.errors


def test_it_names_each_bad_field(definition, organisation):
    data = {**definition, "members": [dict(m) for m in definition["members"]]}
    data["members"][0]["ramp"] = [0.5, 1.2]
    data["members"][1]["in_service_year"] = 2031
    data["members"].append({"scenario": 999_999, "in_service_year": 2026, "region": "atlantis"})
    errors = _errors(data, organisation)
    assert "over 100 %" in errors["members[0].ramp[1]"][0]
    assert errors["members[1].in_service_year"] == ["2031 is outside the horizon 2026–2030"]
    assert errors["members[2].scenario"] == ["no scenario #999999 in this organisation"]
    assert "unknown region 'atlantis'" in errors["members[2].region"][0]


def test_it_refuses_another_organisations_scenario(
    definition, organisation, other_organisation, outsider, small_inputs
):
    theirs = scenario_services.scenario_create(owner=outsider, organisation=other_organisation, inputs=small_inputs)
    data = {**definition, "members": [{"scenario": theirs.pk, "in_service_year": 2026}]}
    assert _errors(data, organisation) == {"members[0].scenario": [f"no scenario #{theirs.pk} in this organisation"]}


def test_it_refuses_a_region_without_an_hourly_system_load(definition, organisation):
    data = {**definition, "members": [dict(definition["members"][0], region="japan")]}
    assert "ships no hourly system load" in _errors(data, organisation)["members[0].region"][0]


def test_it_studies_the_portfolio_and_says_where_each_load_came_from(portfolio, owner, scenarios):
    # Member A has a succeeded run (its load is reused); member B has none (computed in the job).
    scenario_run = scenario_services.run_submit(scenario=scenarios[0], submitted_by=owner)
    scenario_services.run_execute(run_id=scenario_run.pk)
    run, created = services.portfolio_run_submit(portfolio=portfolio, submitted_by=owner)
    assert created
    job_execute(kind="portfolio_run", job_id=run.pk)
    run = PortfolioRun.objects.get(pk=run.pk)
    # Two facilities of a few MW on the zone's real hours (no upload): they fit below the historical
    # peaks (issue 18: on the old smooth profile they curtailed 0.74 % and missed the constraint).
    assert run.status == PortfolioRunStatus.SUCCEEDED, run.error
    assert missed_constraints(run.result) == []
    dominion = run.result["regions"]["pjm-dominion"]
    assert dominion["real_hours"] and "PJM-DOM" in dominion["system_load_source"]
    assert all(y["curtailment"]["aggregate_rate_frac"] < 0.005 for y in dominion["yearly"])
    members = {m["scenario"]: m for m in run.result["members"]}
    assert members[scenarios[0].pk]["load_source"].startswith(f"run #{scenario_run.pk}")
    assert members[scenarios[1].pk]["load_source"].startswith("computed in this job")
    yearly = run.result["regions"]["pjm-dominion"]["yearly"]
    assert [y["year"] for y in yearly] == [2026, 2027, 2028, 2029, 2030]
    # B ramps 50 % in 2027, 100 % from 2028: its coincident MW doubles.
    b = "Facility B"
    assert yearly[0]["member_coincident_mw"][b] == 0
    assert yearly[2]["member_coincident_mw"][b] == pytest.approx(2 * yearly[1]["member_coincident_mw"][b], rel=1e-3)
    assert set(yearly[4]["bills"]) == {"socialised", "large_load_tariff", "flexible"}
    assert yearly[4]["reserve_margin"]["after_pct"] < yearly[4]["reserve_margin"]["before_pct"]


def _system_load_csv() -> bytes:
    """Base 50,000 MW; 10 July days peak at 60,000 MW (17:00), 10 January days at 55,000 MW (18:00)."""
    import numpy as np

    from grid.cost import month_of_hour

    load = np.full(8760, 50_000.0)
    month = month_of_hour()
    load[np.flatnonzero(month == 7)[::24][:10] + 17] = 60_000.0
    load[np.flatnonzero(month == 1)[::24][:10] + 18] = 55_000.0
    return ("system_load_mw\n" + "\n".join(f"{v:.1f}" for v in load) + "\n").encode()


def test_it_studies_each_region_on_its_own_system_load(definition, owner, organisation):
    upload = scenario_services.upload_create(
        organisation=organisation, uploaded_by=owner, kind="system_load", name="ERCOT 2023", content=_system_load_csv()
    )
    data = {
        **definition,
        "system_load_upload": upload.pk,
        "system_load_region": "ercot",
        "members": [definition["members"][0], dict(definition["members"][1], region="ercot")],
    }
    portfolio = services.portfolio_create(owner=owner, organisation=organisation, data=data)
    run, _ = services.portfolio_run_submit(portfolio=portfolio, submitted_by=owner)
    job_execute(kind="portfolio_run", job_id=run.pk)
    run.refresh_from_db()
    assert run.status in COMPLETED, run.error
    regions = run.result["regions"]
    assert set(regions) == {"pjm-dominion", "ercot"}
    assert regions["ercot"]["members"] == ["Facility B"] and regions["pjm-dominion"]["members"] == ["Facility A"]
    assert regions["ercot"]["system_load_source"].startswith(f"uploaded hourly system load #{upload.pk}")
    # Headroom solved on the upload (study method), by hand at 0.25 %: below 5,000 MW only the 20 peak
    # hours curtail (rate 20/8,760 = 0.228 %), so L > 5,000 MW and the 3,614 other Nov–Mar hours join:
    # 20 L + 3,614 (L − 5,000) = 0.0025 × 8,760 L  →  L = 3,614 × 5,000 / 3,612.1 = 5,002.6 MW.
    headroom = {row["rate_pct"]: row["headroom_mw"] for row in regions["ercot"]["headroom"]}
    assert headroom[0.25] == pytest.approx(3614 * 5000 / (3634 - 21.9), abs=0.1)
    # Dominion on its real hours (2019–2024, EIA-930 PJM-DOM), grown to 2026 at the region's rate.
    assert regions["pjm-dominion"]["real_hours"] and "2019–2024" in regions["pjm-dominion"]["system_load_source"]
    dominion = {row["rate_pct"]: row["headroom_mw"] for row in regions["pjm-dominion"]["headroom"]}
    growth = (1 + get_region("pjm-dominion").value("load_growth_frac_per_year")) ** (2026 - 2024)
    assert dominion[0.25] == pytest.approx(3309.3 * growth, rel=2e-3)  # grid/data/system_load.json fit


def test_a_member_ramped_to_one_mw_shows_one_mw_in_the_final_year(definition, owner, organisation, scenarios):
    # Issue 20 item 13: the members table showed the scenario's full-build peak (13.6 MW) for a member
    # whose ramp holds it at 1 MW; the final year's peak is the ramped one, the full build beside it.
    data = {
        **definition,
        "members": [{"scenario": scenarios[0].pk, "in_service_year": 2026, "ramp": [1.0], "ramp_unit": "mw"}],
    }
    made = services.portfolio_create(owner=owner, organisation=organisation, data=data)
    run, _ = services.portfolio_run_submit(portfolio=made, submitted_by=owner)
    job_execute(kind="portfolio_run", job_id=run.pk)
    member = PortfolioRun.objects.get(pk=run.pk).result["members"][0]
    assert member["final_peak_mw"] == pytest.approx(1.0, rel=1e-6)
    assert member["full_build_peak_mw"] > 5 * member["final_peak_mw"]


def test_a_flexible_member_counts_the_meter_load_its_dispatch_leaves(scenarios, owner):
    # A member whose run holds a flexibility dispatch enters the portfolio with its dispatched meter
    # load: its firm MW at the system peak comes from the dispatch, not from the load as planned.
    import numpy as np
    from django.utils import timezone

    from planner.engine.result import hourly_to_npz
    from planner.scenarios.models import Run, RunHourly, RunStatus

    planned = np.full(8760, 100.0)
    dispatched = planned.copy()
    dispatched[4695:4698] = 75.0
    run = Run.objects.create(
        scenario=scenarios[0],
        scenario_version=1,
        inputs=scenarios[0].inputs,
        input_hash="h",
        submitted_by=owner,
        status=RunStatus.SUCCEEDED,
        finished_at=timezone.now(),
    )
    RunHourly.objects.create(run=run, npz=hourly_to_npz({"facility_power_mw": planned, "flex_meter_mw": dispatched}))
    load, source = services.member_load(scenarios[0])
    assert np.array_equal(load, dispatched)
    assert source.startswith(f"run #{run.pk}") and "after its flexibility dispatch" in source
    RunHourly.objects.filter(run=run).update(npz=hourly_to_npz({"facility_power_mw": planned}))
    load, source = services.member_load(scenarios[0])
    assert np.array_equal(load, planned) and "dispatch" not in source
