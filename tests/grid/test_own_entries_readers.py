"""The core readers of an organisation's own region and site (snapshot in a run's inputs)."""

from __future__ import annotations

import pytest

from grid.climate import ClimateError, climate_from_ref, get_climate, weather_for_climate
from grid.regions import RegionDataError, get_region, region_from_dict, region_from_ref


def _figures(**values: float) -> dict:
    from grid.regions import FIELDS

    return {name: {"value": value, "unit": FIELDS[name], "source": "test"} for name, value in values.items()}


def test_an_own_region_is_completed_like_a_shipped_one():
    region = region_from_dict(
        {"slug": "ours", "figures": _figures(energy_price_usd_per_mwh=50.0, system_peak_mw=10_000.0)}
    )
    shipped_default = get_region("pjm-dominion").figures["fixed_charge_rate_frac"]
    assert region.figures["fixed_charge_rate_frac"] == shipped_default  # the catalog's default, with its source
    # Borrowed supply curve, by hand: the fitted markets' mean elasticity per share of peak (PJM 3.3836,
    # ERCOT 3.6155; grid/data/price_slopes.json) × 50 USD/MWh × 1000 / 10,000 MW = 17.50 USD/MWh per GW.
    assert region.value("energy_price_slope_usd_per_mwh_per_gw") == pytest.approx((3.3836 + 3.6155) / 2 * 5.0, abs=1e-3)
    assert region.figures["energy_price_slope_usd_per_mwh_per_gw"].assumption
    assert region.figures["energy_price_usd_per_mwh"].assumption is None
    assert region_from_ref("pjm-dominion") is get_region("pjm-dominion")


@pytest.mark.parametrize(
    ("data", "named"),
    [
        ({"slug": "x", "figures": _figures(carbon_intensity_g_per_kwh=5000.0)}, "carbon_intensity_g_per_kwh"),
        ({"slug": "x", "figures": {"not_a_figure": {"value": 1}}}, "not_a_figure"),
        ({"slug": "x", "figures": {}, "profiles": {"carbon": "no/such"}}, "no/such"),
        ({"figures": {}}, "slug"),
    ],
)
def test_an_own_region_names_what_it_cannot_read(data, named):
    with pytest.raises(RegionDataError, match=named.replace("/", ".")):
        region_from_dict(data)


def test_an_own_site_reads_like_a_catalog_entry():
    shipped = get_climate("us-va-ashburn")
    entry = {
        "slug": "ours",
        "name": "Ours",
        "kind": "from_typical_year",
        "latitude": shipped.latitude,
        "longitude": shipped.longitude,
        "elevation_m": shipped.elevation_m,
        "source": "test",
        "dry_bulb_mean_c": [v + 5 for v in shipped.dry_bulb_mean_c],
        "diurnal_range_c": list(shipped.diurnal_range_c),
        "dew_point_mean_c": list(shipped.dew_point_mean_c),
    }
    site = climate_from_ref(entry)
    assert site.slug == "ours" and site.dry_bulb_mean_c[6] == pytest.approx(shipped.dry_bulb_mean_c[6] + 5)
    # The generated year keeps each site's annual mean: 5 °C warmer here.
    warmer = weather_for_climate(entry).dry_bulb_c.mean() - weather_for_climate("us-va-ashburn").dry_bulb_c.mean()
    assert warmer == pytest.approx(5.0, abs=0.05)
    with pytest.raises(ClimateError, match="elevation_m"):
        climate_from_ref({k: v for k, v in entry.items() if k != "elevation_m"})
