"""Parse an uploaded hourly file into 8,760-hour arrays and a preview (no Django import).

Kinds and what each becomes:
- weather: EPW or CSV through grid.weather.read_weather → dry bulb, RH, wet bulb, dew point;
- carbon [gCO2e/kWh], price [USD/MWh], system_load [MW], demand [requests/s]: a CSV with a time
  column and a value column, read by grid.load_series.read_load_csv (sorting, DST duplicates,
  gaps and sub-hourly rows repaired and counted), then one calendar year is taken (the one asked
  for, else the latest complete one); 29 February is dropped from a leap year. A file with a
  single column of 8,760 numbers (no time) is read as hours from 1 January 00:00. A system_load
  file with several complete calendar years also keeps them all (``system_load_years_mw``,
  years × 8,760, its ``history_years`` in the summary): a portfolio study takes its thresholds over
  all of them, as the published headroom method does.
- events: a grid event schedule (grid.flex.event_file: start or start_hour, duration_h, cap_mw or
  reduction_frac per row) → ``events`` (n × 4), used by ``flexibility.signal.events_upload``.
Every error names the row (1-based line of the file) and the column.
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass
from typing import Any

import numpy as np

from grid.bounds import series_problem

HOURS_PER_YEAR = 8760
# Rows a file may have: a leap year at 10-minute resolution is 366 × 144 = 52,704 rows (a year at
# 15-minute resolution, the finest common market interval, is 35,136; six years hourly 52,560).
# The count is taken on the raw bytes before anything is parsed, so a 10^6-row file is refused in
# milliseconds instead of being parsed for seconds inside the web request.
MAX_ROWS = 53_000
# Python's csv reader fails on a field over 131,072 characters; an EPW line is ≈150 characters.
MAX_LINE_BYTES = 10_000
SERIES = {
    "demand": ("requests_per_s", "requests/s"),
    "carbon": ("carbon_intensity_g_per_kwh", "gCO2e/kWh"),
    "price": ("price_usd_per_mwh", "USD/MWh"),
    "system_load": ("system_load_mw", "MW"),
}
KINDS = ("weather", *SERIES, "events")


class UploadError(ValueError):
    """The file cannot be used; the message names the row and column where it can."""


@dataclass(frozen=True)
class ParsedUpload:
    arrays: dict[str, np.ndarray]
    summary: dict[str, Any]


def _text(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UploadError(f"the file is not UTF-8 text (byte {error.start} cannot be decoded)") from None


def _stats(values: np.ndarray) -> dict[str, float]:
    return {"min": float(values.min()), "mean": float(values.mean()), "max": float(values.max())}


def _daily(values: np.ndarray) -> dict[str, list[float]]:
    """Daily mean, minimum and maximum of the 8,760 hours (for the preview chart)."""
    days = values[:HOURS_PER_YEAR].reshape(365, 24)
    return {
        "daily_mean": [round(float(v), 4) for v in days.mean(axis=1)],
        "daily_min": [round(float(v), 4) for v in days.min(axis=1)],
        "daily_max": [round(float(v), 4) for v in days.max(axis=1)],
    }


def _plain_column(text: str, *, column: str | None) -> tuple[np.ndarray, str]:
    rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    header = [cell.strip() for cell in rows[0]]
    name = header[0]
    if column and column != name:
        raise UploadError(f"line 1: no column {column!r}; the file has only {name!r}")
    body = rows[1:]
    if len(body) not in (HOURS_PER_YEAR, HOURS_PER_YEAR + 24):
        raise UploadError(
            f"column {name!r}: {len(body):,} values; a file without a time column needs "
            f"{HOURS_PER_YEAR:,} hourly rows (or {HOURS_PER_YEAR + 24:,} for a leap year)"
        )
    values = np.empty(len(body))
    for index, row in enumerate(body):
        cell = row[0].strip() if row else ""
        try:
            values[index] = float(cell)
        except ValueError:
            raise UploadError(f"line {index + 2}, column {name!r}: {cell!r} is not a number") from None
    if len(body) == HOURS_PER_YEAR + 24:
        values = np.delete(values, np.s_[59 * 24 : 60 * 24])
    return values, name


def _one_year(times: np.ndarray, values: np.ndarray, *, year: int | None) -> tuple[np.ndarray, np.ndarray, int]:
    years = times.astype("datetime64[Y]").astype(int) + 1970
    counts = {int(y): int((years == y).sum()) for y in np.unique(years)}
    complete = [y for y, n in counts.items() if n >= HOURS_PER_YEAR]
    if year is None:
        if not complete:
            found = ", ".join(f"{y}: {n:,} h" for y, n in counts.items())
            raise UploadError(f"no complete calendar year of hourly values ({found}); 8,760 hours are needed")
        year = max(complete)
    elif counts.get(year, 0) < HOURS_PER_YEAR:
        found = ", ".join(f"{y}: {n:,} h" for y, n in counts.items())
        raise UploadError(f"year {year} has {counts.get(year, 0):,} hours in the file ({found}); 8,760 are needed")
    mask = years == year
    chosen_t, chosen_v = times[mask], values[mask]
    if chosen_v.size == HOURS_PER_YEAR + 24:
        day = chosen_t.astype("datetime64[D]")
        keep = day != np.datetime64(f"{year}-02-29")
        chosen_t, chosen_v = chosen_t[keep], chosen_v[keep]
    return chosen_t, chosen_v, year


def _complete_years(times: np.ndarray, values: np.ndarray) -> tuple[list[int], np.ndarray]:
    """Every complete calendar year of the series as (years, years × 8,760), 29 February dropped."""
    years = times.astype("datetime64[Y]").astype(int) + 1970
    kept, rows = [], []
    for year in np.unique(years):
        if int((years == year).sum()) < HOURS_PER_YEAR:
            continue
        _, chosen, _ = _one_year(times, values, year=int(year))
        if chosen.size == HOURS_PER_YEAR:
            kept.append(int(year))
            rows.append(chosen)
    return kept, (np.stack(rows) if rows else np.zeros((0, HOURS_PER_YEAR)))


def _demand_curves(times: np.ndarray | None, values: np.ndarray, year: int) -> dict[str, list[float]]:
    """Mean weekday and weekend 24-hour curves, scaled so the larger peak is 1."""
    hours = np.arange(HOURS_PER_YEAR) % 24
    first = datetime.date(year, 1, 1).weekday()
    weekend = ((first + np.arange(HOURS_PER_YEAR) // 24) % 7) >= 5
    weekday_curve = np.bincount(hours[~weekend], weights=values[~weekend], minlength=24) / np.maximum(
        np.bincount(hours[~weekend], minlength=24), 1
    )
    weekend_curve = np.bincount(hours[weekend], weights=values[weekend], minlength=24) / np.maximum(
        np.bincount(hours[weekend], minlength=24), 1
    )
    peak = max(weekday_curve.max(), weekend_curve.max())
    if peak <= 0:
        raise UploadError("the demand series is zero in every hour")
    return {
        "weekday": [round(float(v), 4) for v in weekday_curve / peak],
        "weekend": [round(float(v), 4) for v in weekend_curve / peak],
    }


def parse_series(
    *, kind: str, content: bytes, column: str | None = None, year: int | None = None, scale: float = 1.0
) -> ParsedUpload:
    from grid.load_series import LoadSeriesError, read_load_csv

    if kind not in SERIES:
        raise UploadError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    name, unit = SERIES[kind]
    text = _text(content)
    first_line = text.splitlines()[0] if text.strip() else ""
    if not first_line:
        raise UploadError("the file is empty")
    report: dict[str, Any] = {}
    times = None
    if len(next(csv.reader([first_line]))) == 1:
        values, column_name = _plain_column(text, column=column)
        chosen_year = year or datetime.datetime.now(tz=datetime.UTC).year
    else:
        try:
            series = read_load_csv(text, load_column=column or None)
        except LoadSeriesError as error:
            raise UploadError(str(error).replace("pass --load-column", "choose the value column")) from None
        times, values, chosen_year = _one_year(series.time, series.load_mw, year=year)
        column_name = series.report.load_column
        report = series.report.to_dict()
    values = values * scale
    if not np.all(np.isfinite(values)):
        raise UploadError(f"column {column_name!r}: values must be finite")
    problem = series_problem(kind, values)  # plausible range of the kind (grid/data/bounds.yaml)
    if problem is not None:
        raise UploadError(f"column {column_name!r}, {chosen_year}: {problem}")
    preview = [
        {
            "time": str(times[i].astype("datetime64[m]")).replace("T", " ") if times is not None else f"hour {i}",
            "value": round(float(values[i]), 6),
        }
        for i in range(6)
    ]
    summary: dict[str, Any] = {
        "kind": kind,
        "series": name,
        "unit": unit,
        "column": column_name,
        "year": chosen_year,
        "scale": scale,
        "hours": int(values.size),
        "stats": _stats(values),
        "preview": preview,
        **_daily(values),
        "repairs": report,
    }
    if kind == "demand":
        summary["daily_shape"] = _demand_curves(times, values, chosen_year)
    arrays = {name: values}
    if kind == "system_load" and times is not None:
        history_years, history = _complete_years(series.time, series.load_mw)
        if len(history_years) > 1:
            history = history * scale
            for k, y in enumerate(history_years):
                if (problem := series_problem(kind, history[k])) is not None:
                    raise UploadError(f"column {column_name!r}, {y}: {problem}")
            arrays["system_load_years_mw"] = history
            summary["history_years"] = history_years
    return ParsedUpload(arrays=arrays, summary=summary)


def parse_weather(*, content: bytes, filename: str = "") -> ParsedUpload:
    from grid.weather import WeatherError, read_weather

    try:
        weather = read_weather(content, source=f"uploaded file {filename}".strip())
    except WeatherError as error:
        raise UploadError(str(error)) from None
    arrays = {
        "dry_bulb_c": weather.dry_bulb_c,
        "relative_humidity_frac": weather.relative_humidity_frac,
        "wet_bulb_c": weather.wet_bulb_c,
        "dew_point_c": weather.dew_point_c,
        "pressure_pa": np.array([weather.pressure_pa]),
    }
    summary = {
        "kind": "weather",
        "series": "dry_bulb_c",
        "unit": "°C",
        "source": weather.source,
        "hours": HOURS_PER_YEAR,
        "stats": _stats(weather.dry_bulb_c),
        "wet_bulb_stats": _stats(weather.wet_bulb_c),
        "preview": [
            {
                "time": f"hour {i}",
                "value": round(float(weather.dry_bulb_c[i]), 2),
                "rh": round(float(weather.relative_humidity_frac[i]), 3),
            }
            for i in range(6)
        ],
        **_daily(weather.dry_bulb_c),
    }
    return ParsedUpload(arrays=arrays, summary=summary)


def parse_events(*, content: bytes) -> ParsedUpload:
    from grid.flex.event_file import EVENT_COLUMNS, EventFileError, read_event_csv

    try:
        events = read_event_csv(_text(content))
    except EventFileError as error:
        raise UploadError(str(error)) from None
    starts, durations = events[:, 0].astype(int), events[:, 1].astype(int)
    # hours covered by at least one event (an event running past 31 December stops there, as in the signal)
    edges = np.zeros(HOURS_PER_YEAR + 1, dtype=int)
    np.add.at(edges, starts, 1)
    np.add.at(edges, np.minimum(starts + durations, HOURS_PER_YEAR), -1)
    hours = np.cumsum(edges[:-1]) > 0

    def cell(value: float) -> float | None:
        return None if np.isnan(value) else round(float(value), 6)

    summary: dict[str, Any] = {
        "kind": "events",
        "series": "events",
        "unit": "h",
        "columns": list(EVENT_COLUMNS),
        "events": int(events.shape[0]),
        "hours": int(hours.sum()),
        "stats": _stats(events[:, 1]),
        "preview": [
            {
                "time": f"hour {int(row[0])}",
                "value": int(row[1]),
                "cap_mw": cell(row[2]),
                "reduction_frac": cell(row[3]),
            }
            for row in events[:20]
        ],
    }
    return ParsedUpload(arrays={"events": events}, summary=summary)


def check_shape(content: bytes) -> None:
    """Refuse a file with too many rows or an overlong line before parsing it (bytes only, fast)."""
    rows = content.count(b"\n") + (0 if content.endswith(b"\n") else 1)
    if rows > MAX_ROWS:
        raise UploadError(
            f"the file has {rows:,} rows; the limit is {MAX_ROWS:,} (one leap year at 10-minute resolution). "
            "Upload one year, hourly or finer; the planner takes one calendar year."
        )
    if b"\x00" in content[:65_536]:
        raise UploadError("the file is binary (it contains NUL bytes), not a CSV or EPW text file")
    longest = max((len(line) for line in content.split(b"\n", MAX_ROWS)), default=0)
    if longest > MAX_LINE_BYTES:
        raise UploadError(f"a line is {longest:,} characters long; hourly CSV or EPW lines are far shorter")


def parse_upload(
    *, kind: str, content: bytes, filename: str = "", column: str | None = None, year: int | None = None, scale=1.0
) -> ParsedUpload:
    """The one entry for every upload: shape checks, then the kind's parser; any reading error of
    a malformed file (csv field limits, undecodable bytes) becomes an UploadError with the reason."""
    if not content:
        raise UploadError("the file is empty")
    check_shape(content)
    try:
        if kind == "weather":
            return parse_weather(content=content, filename=filename)
        if kind == "events":
            return parse_events(content=content)
        return parse_series(kind=kind, content=content, column=column, year=year, scale=scale)
    except UploadError:
        raise
    except (csv.Error, UnicodeDecodeError, ValueError, IndexError, KeyError) as error:
        raise UploadError(f"the file cannot be read as {kind}: {error}") from None


def weather_from_arrays(arrays: dict[str, np.ndarray], *, source: str) -> Any:
    from grid.weather import HourlyWeather

    return HourlyWeather(
        dry_bulb_c=arrays["dry_bulb_c"],
        relative_humidity_frac=arrays["relative_humidity_frac"],
        wet_bulb_c=arrays["wet_bulb_c"],
        dew_point_c=arrays["dew_point_c"],
        source=source,
        generated=False,
        pressure_pa=float(arrays["pressure_pa"][0]),
    )
