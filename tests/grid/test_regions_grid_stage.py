"""grid_stage: one facility-year through carbon, cost, bills, reliability and flexibility."""

import numpy as np
import pytest

from grid.regions import RegionDataError
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
    # 100 MW over PJM's summer 2025 coincident peak of 160,153 MW (23 Jun 2025; regions.yaml pjm-peak-2025)
    assert s["peak_share_of_system_pct"] == pytest.approx(100 * 100 / 160_153, rel=1e-3)
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


def test_it_counts_only_the_load_above_ercots_published_headroom_in_the_flexible_bill():
    # Norris et al. 2025 (Duke Nicholas Institute), Figure 1, ERCOT: 6.5 / 10.0 / 14.7 GW at
    # 0.25 / 0.5 / 1 % curtailment (regions.yaml duke-2025-fig1). A flat 12 GW facility exceeds the
    # 0.5 % headroom by 2,000 MW: that firm part alone is counted at the peak in the flexible view.
    power_w = np.full(8760, 12_000e6)
    result = grid_stage(_spec(region="ercot"), facility_power_w=power_w, **POOLS)
    s = result.summary
    rates = {r["rate_pct"]: r for r in s["flexibility"]["rates"]}
    assert {k: r["headroom_mw"] for k, r in rates.items()} == {0.25: 6_500, 0.5: 10_000, 1.0: 14_700}
    assert [rates[k]["facility_fits"] for k in (0.25, 0.5, 1.0)] == [False, False, True]
    views = s["household_bill_usd_per_month"]["views"]
    assert views["flexible"] is not None
    assert views["flexible"]["peak_mw_counted"] == pytest.approx(12_000 - 10_000)
    assert views["socialised"]["peak_mw_counted"] == pytest.approx(12_000)
    # the network upgrade's revenue requirement scales with the MW counted at the peak
    key = "transmission_upgrade_revenue_requirement_usd_per_year"
    assert views["flexible"][key] == pytest.approx(views["socialised"][key] * 2_000 / 12_000)


def test_the_dominion_flexible_bill_uses_the_study_methods_headroom():
    # grid/data/regions.yaml, dom-derived: headroom on DOM_hourly.csv by the study's method (historical
    # seasonal peaks over 2006–2017) = 4,091.2 MW at 0.5 % (per-year thresholds gave 2,097.3 MW).
    # A flat 5,000 MW facility: 908.8 MW above the headroom is counted at the peak in the flexible view.
    result = grid_stage(_spec(region="pjm-dominion"), facility_power_w=np.full(8760, 5_000e6), **POOLS)
    rates = {r["rate_pct"]: r["headroom_mw"] for r in result.summary["flexibility"]["rates"]}
    assert rates == {0.25: 3354.2, 0.5: 4091.2, 1.0: 5020.4, 5.0: 8312.8}
    flexible = result.summary["household_bill_usd_per_month"]["views"]["flexible"]
    assert flexible["peak_mw_counted"] == pytest.approx(5_000 - 4_091.2)
