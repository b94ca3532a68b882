"""Climate catalog and the typical-year generator (grid.climate)."""

import numpy as np
import pytest

from grid.climate import ClimateError, generate_typical_year, get_climate, list_climates, weather_for_climate
from grid.tools.climate_stats import monthly_statistics
from grid.weather import read_weather_file


def test_it_lists_the_required_sites_with_sources():
    slugs = {site.slug for site in list_climates()}
    required = {
        "us-va-ashburn", "us-tx-dallas", "us-az-phoenix", "us-oh-columbus", "us-ga-atlanta", "us-ia-des-moines",
        "us-or-the-dalles", "ie-dublin", "de-frankfurt", "sg-singapore", "in-mumbai",
    }  # fmt: skip
    assert required <= slugs and ({"se-stockholm", "se-lulea"} & slugs)
    assert len(slugs) >= 12
    assert all(site.source for site in list_climates())


@pytest.mark.parametrize("site", list_climates(), ids=lambda s: s.slug)
def test_it_generates_a_year_that_keeps_the_monthly_statistics(site):
    weather = generate_typical_year(site)
    assert weather.generated and "generated" in weather.source
    stats = monthly_statistics(weather)
    # Mean-preserving interpolation: monthly means reproduced to the 0.1 K rounding of the statistics.
    assert np.allclose(stats["dry_bulb_mean_c"], site.dry_bulb_mean_c, atol=0.06)
    assert np.allclose(stats["diurnal_range_c"], site.diurnal_range_c, rtol=0.12, atol=0.6)
    assert np.all(weather.dew_point_c <= weather.dry_bulb_c + 1e-9)
    assert np.all(
        (weather.wet_bulb_c <= weather.dry_bulb_c + 1e-9) & (weather.wet_bulb_c >= weather.dew_point_c - 1e-6)
    )


def test_it_puts_the_daily_maximum_in_the_afternoon():
    weather = weather_for_climate("us-va-ashburn")
    by_hour = weather.dry_bulb_c.reshape(365, 24).mean(axis=0)
    assert int(np.argmax(by_hour)) in (13, 14) and int(np.argmin(by_hour)) in (4, 5)


@pytest.mark.parametrize("site", [s for s in list_climates() if s.reference_file], ids=lambda s: s.slug)
def test_it_ships_statistics_that_match_the_reference_hourly_file(site, reference_dir):
    weather_dir = reference_dir / "hourly" / "weather"
    stats = monthly_statistics(read_weather_file(weather_dir / site.reference_file))
    assert np.allclose(stats["dry_bulb_mean_c"], site.dry_bulb_mean_c, atol=0.051)
    assert np.allclose(stats["dew_point_mean_c"], site.dew_point_mean_c, atol=0.051)
    generated = generate_typical_year(site)
    real = read_weather_file(weather_dir / site.reference_file)
    assert generated.dry_bulb_c.mean() == pytest.approx(real.dry_bulb_c.mean(), abs=0.4)


def test_it_suggests_close_matches_for_an_unknown_slug():
    with pytest.raises(ClimateError, match=r"did you mean.*us-va-ashburn"):
        get_climate("us-va-ashbrun")


def test_it_generates_the_same_year_every_time():
    first, second = weather_for_climate("de-frankfurt"), weather_for_climate("de-frankfurt")
    assert np.array_equal(first.dry_bulb_c, second.dry_bulb_c)
    assert not np.array_equal(first.dry_bulb_c, weather_for_climate("se-stockholm").dry_bulb_c)


@pytest.mark.parametrize("site", [s for s in list_climates() if s.reference_file], ids=lambda s: s.slug)
def test_it_generates_hot_hours_close_to_the_real_typical_year(site, reference_dir):
    weather_dir = reference_dir / "hourly" / "weather"
    # The 0.4 % hottest hours (35 h a year) size chillers and the grid connection; day-to-day
    # variability brings the generated year within 2.5 K of the real record's.
    generated = generate_typical_year(site).dry_bulb_c
    real = read_weather_file(weather_dir / site.reference_file).dry_bulb_c
    assert np.quantile(generated, 0.996) == pytest.approx(np.quantile(real, 0.996), abs=2.5)
    assert generated.std() == pytest.approx(real.std(), rel=0.15)
