"""grid_stage: one facility-year through carbon, cost, bills, reliability and flexibility."""

import numpy as np
import pytest

from grid.regions import RegionDataError, get_region
from grid.system_load import system_load_history
from planner.engine.grid_stage import GridStageError, grid_stage
from planner.engine.schema import parse_scenario


def _spec(**grid):
    return parse_scenario(
        {
            "name": "t",
            "workloads": [
                {
                    "name": "chat",
                    "model": "meta-llama/Llama-3.1-8B-Instruct",
                    "peak_requests_per_s": 10,
                    "deferrable_frac": 0.2,
                }
            ],
            "hardware": [{"name": "gpu", "accelerator": "h100-sxm", "share_frac": 1.0}],
            "grid": grid,
        }
    )


POWER_W = np.full(8760, 100e6)  # a flat 100 MW facility
POOLS = dict(devices_by_pool={"gpu": 80_000}, accelerator_by_pool={"gpu": "h100-sxm"}, servers=10_000)


def test_it_reports_the_issue_keys_with_units_and_methods():
    result = grid_stage(_spec(), facility_power_w=POWER_W, **POOLS)
    s = result.summary
    c = s["carbon"]
    for key in ("location_based_tco2e", "marginal_tco2e", "market_based_tco2e", "embodied_tco2e_per_year"):
        assert key in c and key in c["methods"]
    # 876,000 MWh × the region's average intensity (eGRID2023 SRVC 270.5 g/kWh; a flat load sees the mean)
    assert c["location_based_tco2e"] == pytest.approx(876_000 * 270.5 / 1e3, rel=1e-6)
    assert set(s["household_bill_usd_per_month"]["items"]) == {
        "capacity_usd_per_month",
        "transmission_usd_per_month",
        "energy_usd_per_month",
        "offsets_usd_per_month",
    }
    assert set(s["household_bill_usd_per_month"]["views"]) == {"socialised", "large_load_tariff", "flexible"}
    assert s["operator_cost_usd"] == pytest.approx(s["operator_cost_breakdown_usd"]["total_usd"])
    # One geography (issue 18): 100 MW over the Dominion zone's peak of the hours the headroom is solved on
    # (its real hours grown to the grid year), not over the PJM RTO's peak.
    history = system_load_history(get_region("pjm-dominion"), year=s["grid_year"])
    assert s["system_peak_mw"] == pytest.approx(history.peak_mw, abs=0.5)
    assert 20_000 < history.peak_mw < 30_000 and "Dominion zone" in s["geography"]
    assert s["peak_share_of_system_pct"] == pytest.approx(100 * 100 / history.peak_mw, rel=1e-3)
    assert s["reserve_margin_change_pct"] < 0
    assert result.hourly["carbon_intensity_g_per_kwh"].shape == (8760,)
    assert result.hourly["price_usd_per_mwh"].shape == (8760,)


def test_it_lowers_market_based_carbon_with_clean_energy_and_24_7_is_never_lower():
    annual = grid_stage(_spec(clean_energy={"annual_match_frac": 1.0}), facility_power_w=POWER_W, **POOLS)
    carbon = annual.summary["carbon"]
    assert carbon["market_based_tco2e"] == 0
    assert carbon["market_based_hourly_matching_tco2e"] >= carbon["market_based_annual_matching_tco2e"]


def test_it_uses_uploaded_series_and_computes_headroom_from_system_load():
    hours = np.arange(8760)
    system = 12_000 + 3_000 * np.sin(2 * np.pi * hours / 24) + 2_000 * np.cos(4 * np.pi * hours / 8760)
    uploads = {"carbon": np.full(8760, 500.0), "price": np.full(8760, 40.0), "system_load": system}
    result = grid_stage(
        _spec(region="ercot", uploads={"carbon": "u1", "price": "u2", "system_load": "u3"}),
        facility_power_w=POWER_W,
        uploads=uploads,
        **POOLS,
    )
    s = result.summary
    assert s["carbon"]["location_based_tco2e"] == pytest.approx(876_000 * 0.5)
    assert "facility_curtailment" in s["flexibility"]
    assert all(r["headroom_mw"] > 0 for r in s["flexibility"]["rates"])


def test_it_names_bad_inputs():
    with pytest.raises(GridStageError, match="facility_power_w"):
        grid_stage(_spec(), facility_power_w=np.ones(100), **POOLS)
    with pytest.raises(GridStageError, match="uploads: unknown key 'wind'"):
        grid_stage(_spec(), facility_power_w=POWER_W, uploads={"wind": np.ones(8760)}, **POOLS)
    with pytest.raises(GridStageError, match=r"grid\.uploads\.price"):
        grid_stage(_spec(uploads={"price": "abc"}), facility_power_w=POWER_W, **POOLS)
    with pytest.raises(RegionDataError, match=r"grid\.overrides\.capacity_prize"):
        grid_stage(_spec(overrides={"capacity_prize": 1.0}), facility_power_w=POWER_W, **POOLS)


def test_it_runs_every_region():
    from grid.regions import list_regions

    for region in list_regions():
        result = grid_stage(_spec(region=region.slug), facility_power_w=POWER_W, **POOLS)
        assert result.summary["carbon"]["location_based_tco2e"] > 0, region.slug


def test_it_finds_when_a_100_mw_facility_would_be_curtailed_in_dominion_2017(reference_dir):
    from grid.load_series import hourly_year, read_load_csv_file

    path = reference_dir / "hourly" / "load" / "DOM_hourly.csv"
    system, _ = hourly_year(read_load_csv_file(path), year=2017)
    result = grid_stage(
        _spec(uploads={"system_load": "dom"}), facility_power_w=POWER_W, uploads={"system_load": system}, **POOLS
    )
    flex = result.summary["flexibility"]
    cut = flex["facility_curtailment"]
    # A constant 100 MW is far below the zone's 0.25% headroom (≈0.9 GW in 2017): curtailed in few hours.
    assert 0 < cut["curtailed_hours"] < 41 and cut["curtailed_frac_of_energy"] < 0.0025
    assert cut["deferrable_covers_curtailment"] is False  # 20% deferrable cannot shed the whole 100 MW
    assert [r["rate_pct"] for r in flex["rates"]] == [0.25, 0.5, 1.0, 5.0]
    assert result.summary["household_bill_usd_per_month"]["views"]["flexible"]["capacity_usd_per_month"] == 0


def test_it_counts_only_the_load_above_ercots_solved_headroom_in_the_flexible_bill():
    # ERCOT's real hours (EIA-930 2016–2024) reproduce Norris et al. 2025 Figure 1 (6.5 / 10.0 / 14.7 GW at
    # 0.25 / 0.5 / 1 %, shown beside as published_mw); the headroom used is the one solved on the hours,
    # grown to the grid year. A flat 12 GW facility: only the part above the 0.5 % headroom is counted at
    # the peak in the flexible view.
    power_w = np.full(8760, 12_000e6)
    result = grid_stage(_spec(region="ercot"), facility_power_w=power_w, **POOLS)
    s = result.summary
    rates = {r["rate_pct"]: r for r in s["flexibility"]["rates"]}
    growth = system_load_history(get_region("ercot"), year=s["grid_year"]).growth_factor
    assert {k: r["published_mw"] for k, r in rates.items()} == {0.25: 6_500, 0.5: 10_000, 1.0: 14_700, 5.0: None}
    for rate, published in ((0.25, 6_500), (0.5, 10_000), (1.0, 14_700)):
        assert rates[rate]["headroom_mw"] / growth == pytest.approx(published, rel=0.07)
    flex_mw = rates[0.5]["headroom_mw"]
    views = s["household_bill_usd_per_month"]["views"]
    assert views["flexible"]["peak_mw_counted"] == pytest.approx(12_000 - flex_mw, abs=0.1)
    assert views["socialised"]["peak_mw_counted"] == pytest.approx(12_000)
    # the network upgrade's revenue requirement scales with the MW counted at the peak
    key = "transmission_upgrade_revenue_requirement_usd_per_year"
    assert views["flexible"][key] == pytest.approx(views["socialised"][key] * (12_000 - flex_mw) / 12_000, rel=1e-4)


def test_a_region_without_hours_uses_its_published_headroom():
    # Netherlands ships no hourly system load and no headroom: the result says so, no curtailment is claimed.
    result = grid_stage(_spec(region="netherlands"), facility_power_w=POWER_W, **POOLS)
    flexibility = result.summary["flexibility"]
    assert "facility_curtailment" not in flexibility and flexibility["rates"] == []
    assert "ships no hourly system load" in flexibility["system_load"]
    assert any("ships no hourly system load" in w for w in result.warnings)


def test_a_capped_pjm_year_adds_no_capacity_cost_to_households():
    # 2027/28 cleared at the collar's cap (333.44 $/MW-day; uncapped 542.83 in the Dominion LDA): the
    # operator pays the cleared price, households see no price step (grid.capacity_market).
    spec = _spec()
    spec = spec.model_copy(update={"horizon": spec.horizon.model_copy(update={"start_year": 2027, "years": 1})})
    s = grid_stage(spec, facility_power_w=POWER_W, **POOLS).summary
    bill = s["household_bill_usd_per_month"]
    assert bill["capacity_market"]["capped"] and bill["capacity_market"]["cap_usd_per_mw_day"] == 333.44
    assert all(v["capacity_usd_per_month"] == 0 for v in bill["views"].values() if v)
    assert s["operator_cost_breakdown_usd"]["capacity_price_usd_per_mw_day"] == 333.44
