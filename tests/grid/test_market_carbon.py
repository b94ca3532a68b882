"""Market-based carbon as reported: residual mix (GHG Protocol Scope 2) and hourly matching of a shaped contract."""

import csv

import numpy as np
import pytest

from grid import clean_supply
from grid.residual_mix import shipped_residual_mix
from grid.tools import derive_clean_shapes, derive_residual_mix
from planner.engine.grid_stage import grid_stage
from planner.engine.schema import parse_scenario

POWER_W = np.full(8760, 100e6)  # a flat 100 MW facility: 876,000 MWh
POOLS = dict(devices_by_pool={"gpu": 80_000}, accelerator_by_pool={"gpu": "h100-sxm"}, servers=10_000)


def _spec(region="pjm-dominion", **clean):
    return parse_scenario(
        {
            "name": "t",
            "workloads": [{"name": "chat", "model": "meta-llama/Llama-3.1-8B-Instruct", "peak_requests_per_s": 10}],
            "hardware": [{"name": "gpu", "accelerator": "h100-sxm", "share_frac": 1.0}],
            "site": {"climate": "us-va-ashburn"},
            "grid": {"region": region, "clean_energy": clean},
        }
    )


def _carbon(region="pjm-dominion", **clean):
    return grid_stage(_spec(region, **clean), facility_power_w=POWER_W, **POOLS).summary["carbon"]


@pytest.mark.parametrize("region", ["pjm-dominion", "ercot", "germany", "netherlands", "ireland"])
def test_without_clean_energy_market_based_is_the_residual_mix_and_not_below_location_where_it_is_dirtier(region):
    carbon = _carbon(region, annual_match_frac=0.0)
    residual = shipped_residual_mix(region)
    assert residual is not None and carbon["residual_mix"]["value"] == residual.g_per_kwh
    # nothing bought: every MWh at the residual mix (876,000 MWh × factor), annual and hourly alike
    assert carbon["market_based_tco2e"] == pytest.approx(876_000 * residual.g_per_kwh / 1e3, rel=1e-6)
    assert carbon["market_based_hourly_matching_tco2e"] == pytest.approx(carbon["market_based_tco2e"], rel=1e-6)
    assert residual.g_per_kwh > carbon["location_based_intensity_g_per_kwh"]  # the residual mix is dirtier here
    assert carbon["market_based_tco2e"] >= carbon["location_based_tco2e"]


def test_germany_residual_mix_is_about_twice_the_location_average_as_aib_publishes():
    carbon = _carbon("germany", annual_match_frac=0.0)
    assert carbon["market_based_tco2e"] / carbon["location_based_tco2e"] == pytest.approx(724.56 / 380.0, rel=1e-3)


def test_a_region_without_a_published_residual_mix_says_so_and_uses_the_location_average():
    result = grid_stage(_spec("singapore", annual_match_frac=0.0), facility_power_w=POWER_W, **POOLS)
    assert result.summary["carbon"]["residual_mix"] is None
    assert any("no residual mix" in w for w in result.warnings)
    assert result.summary["carbon"]["market_based_tco2e"] == pytest.approx(
        result.summary["carbon"]["location_based_tco2e"], rel=1e-6
    )


def test_an_override_residual_mix_wins_over_the_shipped_one():
    spec = parse_scenario(
        _spec().model_dump(mode="json") | {"grid": {"region": "ercot", "overrides": {"residual_mix_g_per_kwh": 500.0}}}
    )
    carbon = grid_stage(spec, facility_power_w=POWER_W, **POOLS).summary["carbon"]
    assert carbon["residual_mix"]["source"] == "user override"
    assert carbon["market_based_tco2e"] == pytest.approx(876_000 * 500.0 / 1e3 * 1.0, rel=1e-6)


def test_24_7_matching_of_a_solar_only_contract_matches_less_than_annual_matching():
    carbon = _carbon(annual_match_frac=1.0, solar_frac=1.0, wind_frac=0.0)
    assert carbon["clean_energy_matched_frac_annual"] == 1.0
    assert carbon["market_based_annual_matching_tco2e"] == 0
    # the sun shines ≈half the hours: a flat load is matched ≈41 % by a 100 % solar contract at 39° N
    assert 0.35 < carbon["clean_energy_matched_frac_hourly"] < 0.48
    assert carbon["market_based_hourly_matching_tco2e"] > 0.5 * carbon["location_based_tco2e"]


def test_firm_matches_fully_wind_in_between_solar_least():
    matched = {
        mix: _carbon(annual_match_frac=1.0, **{f"{m}_frac": float(m == mix) for m in ("solar", "wind", "firm")})[
            "clean_energy_matched_frac_hourly"
        ]
        for mix in ("solar", "wind", "firm")
    }
    assert matched["firm"] == pytest.approx(1.0)
    assert matched["solar"] < matched["wind"] < matched["firm"]


def test_the_contract_mix_must_add_up_to_one_naming_the_fields():
    with pytest.raises(ValueError, match="solar_frac \\+ wind_frac \\+ firm_frac must add up to 1"):
        _spec(annual_match_frac=1.0, solar_frac=0.7, wind_frac=0.7)


def test_every_contract_part_delivers_its_share_of_the_contracted_mwh():
    shape = clean_supply.contract_supply(
        annual_energy_kwh=1e6,
        annual_match_frac=0.8,
        solar_frac=0.3,
        wind_frac=0.5,
        firm_frac=0.2,
        latitude_deg=52.0,
        region_slug="germany",
    )
    assert shape.supply_kwh.sum() == pytest.approx(0.8e6)
    assert np.all(shape.supply_kwh >= 0)
    solar = clean_supply.solar_shape(latitude_deg=52.0)
    hours = np.arange(8760) % 24
    assert solar[(hours < 3) | (hours > 21)].sum() == 0  # no sun at night
    june, december = solar[151 * 24 : 181 * 24].sum(), solar[334 * 24 : 365 * 24].sum()
    assert june > 4 * december  # high latitude: long summer days


def test_clear_sky_solar_matches_a_flat_load_like_the_measured_tmy3_irradiance(reference_dir):
    """Dulles TMY3 global horizontal irradiance (EPW column 14) as the solar contract's shape."""
    path = reference_dir / "hourly" / "weather" / "USA_VA_Sterling-Washington.Dulles.Intl.AP.724030_TMY3.epw"
    rows = list(csv.reader(path.read_text().splitlines()[8:]))
    ghi = np.array([float(r[13]) for r in rows])
    load = np.full(8760, 1.0)
    measured = np.minimum(load, ghi / ghi.sum() * 8760).sum() / 8760
    modelled = np.minimum(load, clean_supply.solar_shape(latitude_deg=38.98) * 8760).sum() / 8760
    assert modelled == pytest.approx(measured, abs=0.02)  # 0.411 vs 0.414
    assert np.corrcoef(ghi, clean_supply.solar_shape(latitude_deg=38.98))[0, 1] > 0.85


def test_shipped_factors_and_shapes_are_what_the_tools_derive_from_the_reference_data(reference_dir):
    assert derive_residual_mix.derive() == derive_residual_mix.yaml.safe_load(
        derive_residual_mix.OUTPUT.read_text(encoding="utf-8")
    )
    shipped = derive_clean_shapes.yaml.safe_load(derive_clean_shapes.OUTPUT.read_text(encoding="utf-8"))
    assert derive_clean_shapes.derive() == shipped
    # every shipped factor keeps the reference sheet's [verify] flag
    assert all(entry["verify"] for entry in shipped_regions().values())


def shipped_regions():
    return derive_residual_mix.yaml.safe_load(derive_residual_mix.OUTPUT.read_text(encoding="utf-8"))["regions"]


@pytest.mark.parametrize(
    "region", ["pjm", "ercot", "caiso", "germany", "sweden-nordics", "ireland"]
)  # regions with a measured wind fleet of their own
def test_a_wind_contract_matches_a_flat_load_hour_by_hour_like_the_measured_wind_fleet(region):
    """The modelled shape (month × hour mean × day-to-day × within-day AR(1)) against the same figure
    computed on the measured series (grid/tools/derive_clean_shapes.py: measured_flat_load_match)."""
    key = clean_supply._data()["regions"][region]["wind"]
    measured = clean_supply._data()["wind"][key]["measured_flat_load_match"]
    load = np.full(8760, 1.0)
    shape, _method, borrowed = clean_supply.wind_shape(region_slug=region)
    modelled = np.minimum(load, shape * 8760).sum() / 8760
    assert borrowed is None
    assert modelled == pytest.approx(measured, abs=0.04)  # modelled 0.70–0.79, measured 0.69–0.78
