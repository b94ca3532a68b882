"""Weather loaders and psychrometrics (grid.weather)."""

import numpy as np
import pytest

from grid.weather import (
    WeatherError,
    dew_point_c,
    read_epw,
    read_weather_csv,
    read_weather_file,
    relative_humidity_frac,
    wet_bulb_c,
    wet_bulb_stull_c,
)

DULLES = "USA_VA_Sterling-Washington.Dulles.Intl.AP.724030_TMY3.epw"
DUBLIN = "DublinAirport_hourly_2017_MetEireann.csv"


@pytest.fixture
def weather_dir(reference_dir):
    """../shared/reference/hourly/weather (skipped with the reason when absent; CI fails instead)."""
    return reference_dir / "hourly" / "weather"


def _csv(rows: int, *, bad: dict[int, str] | None = None, header: str = "dry_bulb_c,rh") -> str:
    lines = [header]
    for i in range(rows):
        lines.append(bad.get(i, f"{10 + 5 * np.sin(i / 24):.2f},60") if bad else f"{10 + 5 * np.sin(i / 24):.2f},60")
    return "\n".join(lines) + "\n"


def test_it_reads_the_reference_typical_years_with_the_upload_loader(weather_dir):
    # ../shared/reference/README.md: "Dulles TMY3 mean 12.7 °C".
    dulles = read_weather_file(weather_dir / DULLES)
    assert dulles.dry_bulb_c.shape == (8760,)
    assert dulles.dry_bulb_c.mean() == pytest.approx(12.7, abs=0.05)
    assert "TMY3" in dulles.source and not dulles.generated
    # Dulles sits at 82 m: station pressure a little below sea level.
    assert 99_000 < dulles.pressure_pa < 101_325
    for path in sorted(weather_dir.glob("*.epw")):
        weather = read_weather_file(path)
        assert np.all(weather.wet_bulb_c <= weather.dry_bulb_c + 1e-9)
        assert np.all(weather.wet_bulb_c >= weather.dew_point_c - 1e-6)


def test_it_reads_the_met_eireann_csv_by_its_column_names(weather_dir):
    dublin = read_weather_file(weather_dir / DUBLIN)  # columns 'temp' [°C] and 'rhum' [%]
    assert dublin.dry_bulb_c.shape == (8760,)
    # Dublin Airport annual mean temperature ≈ 9.8 °C (Met Éireann 1991-2020 normals); 2017 was mild.
    assert 9.0 < dublin.dry_bulb_c.mean() < 11.0
    assert dublin.source.startswith("CSV")


def test_it_rejects_a_year_one_row_short():
    with pytest.raises(WeatherError, match="8,759 hourly data rows; expected 8,760"):
        read_weather_csv(_csv(8759))


def test_it_names_line_and_column_of_text_in_a_number_column():
    with pytest.raises(WeatherError) as caught:
        read_weather_csv(_csv(8760, bad={99: "warm,60"}))
    assert caught.value.line == 101 and caught.value.column == "dry_bulb_c"
    assert "line 101" in str(caught.value) and "'warm' is not a number" in str(caught.value)


def test_it_refuses_a_temperature_of_300_c_naming_line_and_column():
    with pytest.raises(WeatherError) as caught:
        read_weather_csv(_csv(8760, bad={4: "300,60"}))
    assert caught.value.line == 6 and caught.value.column == "dry_bulb_c"
    assert "300" in str(caught.value) and "outside the plausible range" in str(caught.value)


def test_it_refuses_relative_humidity_above_100_percent():
    with pytest.raises(WeatherError, match="column 'rh'"):
        read_weather_csv(_csv(8760, bad={7: "20,140"}))


def test_it_needs_a_humidity_column():
    with pytest.raises(WeatherError, match="no humidity column"):
        read_weather_csv(_csv(8760, header="dry_bulb_c,wind"))


def test_it_drops_29_february_from_a_leap_year():
    weather = read_weather_csv(_csv(8784))
    assert weather.dry_bulb_c.shape == (8760,)


def test_it_reads_epw_text_and_names_the_bad_field():
    header = "LOCATION,Test,XX,YYY,TMY3,1,0,0,0,100\n" + "HEADER\n" * 7
    row = "1999,1,1,{h},0,?,{t},5.0,60,101000,0\n"
    text = header + "".join(row.format(h=i % 24 + 1, t="12.5") for i in range(8760))
    weather = read_epw(text)
    assert weather.dry_bulb_c.mean() == pytest.approx(12.5)
    assert weather.pressure_pa == pytest.approx(101_000)
    broken = text.replace("1999,1,1,1,0,?,12.5", "1999,1,1,1,0,?,x", 1)
    with pytest.raises(WeatherError, match=r"line 9 \(data row 1\), column 'dry bulb temperature \(field 7\)'"):
        read_epw(broken)


def test_it_computes_wet_bulb_as_the_psychrometric_chart_does():
    # ASHRAE Fundamentals psychrometric chart, sea level: 20 °C and 50 % RH → wet bulb 13.7 °C;
    # 35 °C and 40 % → 24.0 °C (±0.2 K, chart reading).
    assert wet_bulb_c(dry_bulb_c=20.0, relative_humidity_frac=0.5) == pytest.approx(13.7, abs=0.2)
    assert wet_bulb_c(dry_bulb_c=35.0, relative_humidity_frac=0.4) == pytest.approx(24.0, abs=0.3)
    # Saturated air: wet bulb = dry bulb.
    assert wet_bulb_c(dry_bulb_c=25.0, relative_humidity_frac=1.0) == pytest.approx(25.0, abs=0.01)
    # Stull (2011) reports his fit's errors between -1 K and +0.65 K inside its validity range.
    t = np.linspace(0, 40, 9)[:, None]
    rh = np.linspace(0.1, 0.95, 8)[None, :]
    assert (
        np.max(
            np.abs(
                wet_bulb_c(dry_bulb_c=t, relative_humidity_frac=rh)
                - wet_bulb_stull_c(dry_bulb_c=t, relative_humidity_frac=rh)
            )
        )
        < 1.0
    )


def test_it_inverts_dew_point_and_relative_humidity():
    rh = np.array([0.2, 0.5, 0.9])
    dew = dew_point_c(dry_bulb_c=25.0, relative_humidity_frac=rh)
    assert np.allclose(relative_humidity_frac(dry_bulb_c=25.0, dew_point_c=dew), rh)
