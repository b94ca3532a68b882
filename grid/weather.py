"""Hourly weather for one typical year: loaders (EPW, CSV) and psychrometrics.

One loader serves user uploads and the reference typical-year files alike. Every error names
the line (1-based, as an editor shows it) and the column, e.g.
``line 5 (data row 4), column 'temp': 'abc' is not a number``.

References
----------
- EnergyPlus Auxiliary Programs, "Weather Converter Program", EPW data dictionary (fields 7-10:
  dry bulb [°C], dew point [°C], relative humidity [%], station pressure [Pa]; missing codes
  99.9 / 999 / 999999).
- ASHRAE Handbook Fundamentals 2017, ch. 1 "Psychrometrics", eq. 20-23 and 33 (humidity ratio and
  the thermodynamic wet-bulb energy balance).
- Alduchov, O. A. & Eskridge, R. E. (1996), "Improved Magnus form approximation of saturation
  vapor pressure", J. Appl. Meteor. 35, 601-609.
- Stull, R. (2011), "Wet-bulb temperature from relative humidity and air temperature",
  J. Appl. Meteor. Climatol. 50, 2267-2269 (used as the first guess and as a cross-check).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import numpy as np

from grid.constants import (
    AIR_SPECIFIC_HEAT_J_PER_KG_K,
    DRY_BULB_MAX_C,
    DRY_BULB_MIN_C,
    HOURS_PER_YEAR,
    MAGNUS_A,
    MAGNUS_B_C,
    MAGNUS_E0_PA,
    STANDARD_PRESSURE_PA,
    WATER_AIR_MOLAR_MASS_RATIO,
)

LEAP_YEAR_HOURS = HOURS_PER_YEAR + 24
_FEB29_FIRST_HOUR = (31 + 28) * 24  # index of 29 February 00:00 in a leap year


class WeatherError(ValueError):
    """Bad weather input. ``line`` (1-based line in the file) and ``column`` name the cell when known."""

    def __init__(self, message: str, *, line: int | None = None, column: str | None = None):
        self.line = line
        self.column = column
        super().__init__(message)


@dataclass(frozen=True)
class HourlyWeather:
    """8,760 hourly values of one year, hour 0 = 1 January 00:00-01:00 local standard time.

    dry_bulb_c, dew_point_c, wet_bulb_c [°C]; relative_humidity_frac [0-1]; pressure_pa [Pa].
    ``source`` says where the values came from; ``generated`` is True when they were synthesised
    from monthly statistics rather than read from an hourly record.
    """

    dry_bulb_c: np.ndarray
    relative_humidity_frac: np.ndarray
    wet_bulb_c: np.ndarray
    dew_point_c: np.ndarray
    source: str
    generated: bool = False
    pressure_pa: float = STANDARD_PRESSURE_PA

    def __post_init__(self) -> None:
        for name in ("dry_bulb_c", "relative_humidity_frac", "wet_bulb_c", "dew_point_c"):
            values = getattr(self, name)
            if np.shape(values) != (HOURS_PER_YEAR,):
                raise WeatherError(f"{name}: expected {HOURS_PER_YEAR} hourly values, got shape {np.shape(values)}")


# --- psychrometrics (scalars or arrays) ---------------------------------------------------------


def saturation_vapour_pressure_pa(*, temperature_c: np.ndarray | float) -> np.ndarray:
    """Saturation vapour pressure over water [Pa] (Magnus form, Alduchov & Eskridge 1996)."""
    t = np.asarray(temperature_c, dtype=float)
    return MAGNUS_E0_PA * np.exp(MAGNUS_A * t / (t + MAGNUS_B_C))


def dew_point_c(*, dry_bulb_c: np.ndarray | float, relative_humidity_frac: np.ndarray | float) -> np.ndarray:
    """Dew point [°C] from dry bulb [°C] and relative humidity [0-1] (inverse Magnus)."""
    rh = np.clip(np.asarray(relative_humidity_frac, dtype=float), 1e-4, 1.0)
    gamma = np.log(rh) + MAGNUS_A * np.asarray(dry_bulb_c, dtype=float) / (MAGNUS_B_C + np.asarray(dry_bulb_c))
    return MAGNUS_B_C * gamma / (MAGNUS_A - gamma)


def relative_humidity_frac(*, dry_bulb_c: np.ndarray | float, dew_point_c: np.ndarray | float) -> np.ndarray:
    """Relative humidity [0-1] from dry bulb and dew point [°C], capped at saturation."""
    ratio = saturation_vapour_pressure_pa(temperature_c=dew_point_c) / saturation_vapour_pressure_pa(
        temperature_c=dry_bulb_c
    )
    return np.clip(ratio, 0.0, 1.0)


def humidity_ratio(*, vapour_pressure_pa: np.ndarray, pressure_pa: float) -> np.ndarray:
    """Humidity ratio [kg water / kg dry air] (ASHRAE Fundamentals 2017 ch. 1 eq. 20)."""
    return WATER_AIR_MOLAR_MASS_RATIO * vapour_pressure_pa / (pressure_pa - vapour_pressure_pa)


def wet_bulb_stull_c(*, dry_bulb_c: np.ndarray | float, relative_humidity_frac: np.ndarray | float) -> np.ndarray:
    """Wet bulb [°C] by Stull (2011), eq. 1; valid for RH 5-99 % and -20 to 50 °C at sea level."""
    t = np.asarray(dry_bulb_c, dtype=float)
    rh = 100.0 * np.clip(np.asarray(relative_humidity_frac, dtype=float), 0.0, 1.0)
    return (
        t * np.arctan(0.151977 * np.sqrt(rh + 8.313659))
        + np.arctan(t + rh)
        - np.arctan(rh - 1.676331)
        + 0.00391838 * rh**1.5 * np.arctan(0.023101 * rh)
        - 4.686035
    )


def wet_bulb_c(
    *,
    dry_bulb_c: np.ndarray | float,
    relative_humidity_frac: np.ndarray | float,
    pressure_pa: float = STANDARD_PRESSURE_PA,
) -> np.ndarray:
    """Thermodynamic wet-bulb temperature [°C], solved from the adiabatic-saturation balance.

    ASHRAE Fundamentals 2017 ch. 1 eq. 33 (above freezing) solved by vectorised bisection between
    the dew point and the dry bulb (40 halvings: < 1e-10 K). Valid at every humidity, unlike the
    Stull fit.
    """
    t = np.asarray(dry_bulb_c, dtype=float)
    rh = np.clip(np.asarray(relative_humidity_frac, dtype=float), 0.0, 1.0)
    w = humidity_ratio(vapour_pressure_pa=rh * saturation_vapour_pressure_pa(temperature_c=t), pressure_pa=pressure_pa)
    low = dew_point_c(dry_bulb_c=t, relative_humidity_frac=np.maximum(rh, 1e-4)) - 1.0
    low = np.minimum(low, t)
    high = t.copy() if t.ndim else np.asarray(t, dtype=float)
    cp_kj = AIR_SPECIFIC_HEAT_J_PER_KG_K / 1000.0
    for _ in range(40):
        mid = 0.5 * (low + high)
        ws = humidity_ratio(
            vapour_pressure_pa=saturation_vapour_pressure_pa(temperature_c=mid), pressure_pa=pressure_pa
        )
        w_mid = ((2501.0 - 2.326 * mid) * ws - cp_kj * (t - mid)) / (2501.0 + 1.86 * t - 4.186 * mid)
        too_wet = w_mid > w  # a wet bulb this warm implies more moisture than the air holds
        high = np.where(too_wet, mid, high)
        low = np.where(too_wet, low, mid)
    return 0.5 * (low + high)


def weather_from_arrays(
    *,
    dry_bulb_c: np.ndarray,
    source: str,
    relative_humidity_frac: np.ndarray | None = None,
    dew_point_c_values: np.ndarray | None = None,
    pressure_pa: float = STANDARD_PRESSURE_PA,
    generated: bool = False,
) -> HourlyWeather:
    """Build an HourlyWeather from dry bulb plus either relative humidity or dew point."""
    db = np.asarray(dry_bulb_c, dtype=float)
    if relative_humidity_frac is None and dew_point_c_values is None:
        raise WeatherError("give relative humidity or dew point with the dry bulb")
    if relative_humidity_frac is None:
        rh = _rh_from_dew_point(dry_bulb_c=db, dew_point_c=np.asarray(dew_point_c_values, dtype=float))
    else:
        rh = np.clip(np.asarray(relative_humidity_frac, dtype=float), 0.0, 1.0)
    dp = dew_point_c(dry_bulb_c=db, relative_humidity_frac=rh)
    wb = wet_bulb_c(dry_bulb_c=db, relative_humidity_frac=rh, pressure_pa=pressure_pa)
    return HourlyWeather(
        dry_bulb_c=db,
        relative_humidity_frac=rh,
        wet_bulb_c=wb,
        dew_point_c=dp,
        source=source,
        generated=generated,
        pressure_pa=pressure_pa,
    )


_rh_from_dew_point = relative_humidity_frac  # the builder's keyword argument shadows the function name


def constant_weather(*, dry_bulb_c: float, relative_humidity_frac: float, source: str = "constant") -> HourlyWeather:
    """The same weather in every hour (for hand-solvable cases)."""
    return weather_from_arrays(
        dry_bulb_c=np.full(HOURS_PER_YEAR, float(dry_bulb_c)),
        relative_humidity_frac=np.full(HOURS_PER_YEAR, float(relative_humidity_frac)),
        source=source,
    )


# --- loaders -----------------------------------------------------------------------------------


# A weather file named on a command line is read up to this size (an EPW year is ≈1.6 MB).
MAX_FILE_BYTES = 32 * 1024 * 1024


def _read_text(content: str | bytes) -> str:
    """The file's text. Content is always content (bytes or text), never a path: an uploaded
    one-line file is read as that line. Files are read by :func:`read_weather_file`."""
    if isinstance(content, bytes):
        return content.decode("utf-8-sig", errors="replace")
    if isinstance(content, str):
        return content
    raise TypeError(f"weather readers take the text or bytes, not {type(content).__name__}; use read_weather_file")


def read_weather_file(path: str | Path, *, source: str | None = None) -> HourlyWeather:
    """The command-line and test face: read a weather file from disk (bounded), then parse it."""
    from grid.input_files import InputFileError, read_input_bytes

    path = Path(path)
    try:
        raw = read_input_bytes(path, max_bytes=MAX_FILE_BYTES, what="weather file")
    except InputFileError as error:
        raise WeatherError(str(error)) from None
    return read_weather(raw, source=source, label=path.name)


def _to_floats(cells: list[str], *, column: str, first_line: int, data_row_offset: int) -> np.ndarray:
    try:
        return np.array(cells, dtype=float)
    except ValueError:
        for index, cell in enumerate(cells):
            try:
                float(cell)
            except ValueError:
                line = first_line + index
                raise WeatherError(
                    f"line {line} (data row {index + data_row_offset}), column {column!r}: "
                    f"{cell.strip()!r} is not a number",
                    line=line,
                    column=column,
                ) from None
        raise  # pragma: no cover - np.array failed but every cell parses


def _check_range(
    values: np.ndarray, *, low: float, high: float, column: str, unit: str, first_line: int, what: str
) -> None:
    bad = np.flatnonzero(~np.isfinite(values) | (values < low) | (values > high))
    if bad.size:
        index = int(bad[0])
        line = first_line + index
        raise WeatherError(
            f"line {line} (data row {index + 1}), column {column!r}: {what} {values[index]:g} {unit} is outside "
            f"the plausible range {low:g} to {high:g} {unit}",
            line=line,
            column=column,
        )


def _fit_year(n_rows: int, *, label: str) -> np.ndarray:
    """Indices that turn n_rows hourly rows into 8,760 (drop 29 February from a leap year)."""
    if n_rows == HOURS_PER_YEAR:
        return np.arange(HOURS_PER_YEAR)
    if n_rows == LEAP_YEAR_HOURS:
        keep = np.ones(LEAP_YEAR_HOURS, dtype=bool)
        keep[_FEB29_FIRST_HOUR : _FEB29_FIRST_HOUR + 24] = False
        return np.flatnonzero(keep)
    raise WeatherError(
        f"{label}: has {n_rows:,} hourly data rows; expected {HOURS_PER_YEAR:,} (one year) "
        f"or {LEAP_YEAR_HOURS:,} (a leap year, 29 February is dropped)"
    )


EPW_HEADER_LINES = 8
_EPW_FIELDS = {"dry_bulb": (6, "dry bulb temperature (field 7)"), "rh": (8, "relative humidity (field 9)")}
_EPW_PRESSURE_FIELD = 9


def read_epw(content: str | bytes, *, source: str | None = None, label: str = "uploaded file") -> HourlyWeather:
    """Read an EnergyPlus weather (EPW) file: dry bulb, relative humidity and station pressure.

    The station pressure used for the wet bulb is the annual median of field 10.
    """
    text = _read_text(content)
    lines = text.splitlines()
    if not lines or not lines[0].upper().startswith("LOCATION"):
        raise WeatherError(f"{label}: not an EPW file (line 1 must start with LOCATION)", line=1)
    location = lines[0].split(",")
    data = [line for line in lines[EPW_HEADER_LINES:] if line.strip()]
    index = _fit_year(len(data), label=label)
    rows = [line.split(",") for line in data]
    short = next((i for i, row in enumerate(rows) if len(row) <= _EPW_PRESSURE_FIELD), None)
    if short is not None:
        line = EPW_HEADER_LINES + 1 + short
        raise WeatherError(f"line {line}: EPW data row has {len(rows[short])} fields, expected ≥ 10", line=line)
    first_line = EPW_HEADER_LINES + 1
    columns = {}
    for key, (field, name) in _EPW_FIELDS.items():
        columns[key] = _to_floats([row[field] for row in rows], column=name, first_line=first_line, data_row_offset=1)
    _check_range(
        columns["dry_bulb"],
        low=DRY_BULB_MIN_C,
        high=DRY_BULB_MAX_C,
        column=_EPW_FIELDS["dry_bulb"][1],
        unit="°C",
        first_line=first_line,
        what="dry bulb",
    )
    _check_range(
        columns["rh"], low=0.0, high=100.0, column=_EPW_FIELDS["rh"][1], unit="%", first_line=first_line, what="RH"
    )
    pressure = _to_floats(
        [row[_EPW_PRESSURE_FIELD] for row in rows],
        column="atmospheric station pressure (field 10)",
        first_line=first_line,
        data_row_offset=1,
    )
    valid = pressure[(pressure > 30_000) & (pressure < 120_000)]
    pressure_pa = float(np.median(valid)) if valid.size else STANDARD_PRESSURE_PA
    site = ", ".join(part.strip() for part in location[1:4] if part.strip())
    return weather_from_arrays(
        dry_bulb_c=columns["dry_bulb"][index],
        relative_humidity_frac=columns["rh"][index] / 100.0,
        pressure_pa=pressure_pa,
        source=source or f"EPW {label} ({site}; {location[4].strip() if len(location) > 4 else 'EPW'})",
    )


# CSV header aliases (case-insensitive). Relative humidity in a column without "_frac" is in percent.
DRY_BULB_COLUMNS = ("dry_bulb_c", "temperature_c", "temp_c", "dry_bulb", "drybulb", "temperature", "temp")
RH_FRAC_COLUMNS = ("relative_humidity_frac", "rh_frac")
RH_PERCENT_COLUMNS = ("relative_humidity_pct", "relative_humidity", "rh_pct", "rh", "rhum", "humidity")
DEW_POINT_COLUMNS = ("dew_point_c", "dewpoint_c", "dew_point", "dewpt", "dewpoint")


def _find(header: list[str], names: tuple[str, ...]) -> int | None:
    lowered = [cell.strip().lower() for cell in header]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    return None


def read_weather_csv(content: str | bytes, *, source: str | None = None, label: str = "uploaded file") -> HourlyWeather:
    """Read hourly weather from CSV with a header row.

    Needs a dry-bulb column [°C] (``dry_bulb_c``, ``temperature_c``, ``temp`` ...) and either
    relative humidity (``relative_humidity_frac`` as 0-1, or ``rh``/``rhum``/``relative_humidity``
    in percent) or a dew point [°C] (``dew_point_c``). Rows are hours in order from 1 January
    00:00; 8,760 rows (8,784 in a leap year: 29 February is dropped).
    """
    text = _read_text(content)
    table = list(csv.reader(io.StringIO(text)))
    while table and not any(cell.strip() for cell in table[-1]):
        table.pop()
    if len(table) < 2:
        raise WeatherError(f"{label}: needs a header row and {HOURS_PER_YEAR:,} hourly rows", line=1)
    header, body = table[0], table[1:]
    dry = _find(header, DRY_BULB_COLUMNS)
    if dry is None:
        raise WeatherError(
            f"{label}, line 1: no dry-bulb column; name one of {', '.join(DRY_BULB_COLUMNS)}", line=1, column=None
        )
    rh_frac, rh_pct, dew = (
        _find(header, RH_FRAC_COLUMNS),
        _find(header, RH_PERCENT_COLUMNS),
        _find(header, DEW_POINT_COLUMNS),
    )
    if rh_frac is None and rh_pct is None and dew is None:
        raise WeatherError(
            f"{label}, line 1: no humidity column; add relative_humidity_frac (0-1), rh (percent) or dew_point_c",
            line=1,
        )
    index = _fit_year(len(body), label=label)
    for offset, row in enumerate(body):
        if len(row) != len(header):
            line = offset + 2
            raise WeatherError(
                f"line {line} (data row {offset + 1}): {len(row)} cells, header has {len(header)}", line=line
            )

    def column(position: int) -> np.ndarray:
        return _to_floats(
            [row[position] for row in body], column=header[position].strip(), first_line=2, data_row_offset=1
        )

    dry_bulb = column(dry)
    _check_range(
        dry_bulb,
        low=DRY_BULB_MIN_C,
        high=DRY_BULB_MAX_C,
        column=header[dry].strip(),
        unit="°C",
        first_line=2,
        what="dry bulb",
    )
    rh = None
    dew_point = None
    if rh_frac is not None:
        rh = column(rh_frac)
        _check_range(rh, low=0.0, high=1.0, column=header[rh_frac].strip(), unit="", first_line=2, what="RH fraction")
    elif rh_pct is not None:
        rh = column(rh_pct)
        _check_range(rh, low=0.0, high=100.0, column=header[rh_pct].strip(), unit="%", first_line=2, what="RH")
        rh = rh / 100.0
    else:
        # A file with no humidity column at all was refused above, so the dew-point column is there.
        dew = cast(int, dew)
        dew_point = column(dew)
        _check_range(
            dew_point,
            low=DRY_BULB_MIN_C,
            high=DRY_BULB_MAX_C,
            column=header[dew].strip(),
            unit="°C",
            first_line=2,
            what="dew point",
        )
    return weather_from_arrays(
        dry_bulb_c=dry_bulb[index],
        relative_humidity_frac=None if rh is None else rh[index],
        dew_point_c_values=None if dew_point is None else dew_point[index],
        source=source or f"CSV {label}",
    )


def read_weather(content: str | bytes, *, source: str | None = None, label: str = "uploaded file") -> HourlyWeather:
    """Parse an EPW or CSV weather file's content (text or bytes), recognised by its first line."""
    text = _read_text(content)
    if text.lstrip().upper().startswith("LOCATION"):
        return read_epw(text, source=source, label=label)
    return read_weather_csv(text, source=source, label=label)
