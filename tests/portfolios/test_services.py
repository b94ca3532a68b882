"""Portfolio definitions are checked with field paths; a study stores a year-by-year result."""

import pytest

from planner.jobs.lifecycle import job_execute
from planner.jobs.models import JobStatus as PortfolioRunStatus
from planner.portfolios import services
from planner.portfolios.models import PortfolioRun
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
    data = {**definition, "members": [dict(definition["members"][0], region="ercot")]}
    assert "no hourly system-load profile" in _errors(data, organisation)["members[0].region"][0]


def test_it_studies_the_portfolio_and_says_where_each_load_came_from(portfolio, owner, scenarios):
    # Member A has a succeeded run (its load is reused); member B has none (computed in the job).
    scenario_run = scenario_services.run_submit(scenario=scenarios[0], submitted_by=owner)
    scenario_services.run_execute(run_id=scenario_run.pk)
    run, created = services.portfolio_run_submit(portfolio=portfolio, submitted_by=owner)
    assert created
    job_execute(kind="portfolio_run", job_id=run.pk)
    run = PortfolioRun.objects.get(pk=run.pk)
    assert run.status == PortfolioRunStatus.SUCCEEDED, run.error
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
