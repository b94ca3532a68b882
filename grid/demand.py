"""Hourly inference demand: 8,760 request rates per workload from a daily shape and growth.

A modelled year has 365 days (29 February dropped) starting on the weekday of 1 January of the
reported year; the reported year is the last of the planning horizon, so demand includes
``(1 + annual_growth_frac) ** (years - 1)`` of growth. Rates are given either as the peak-hour
rate (the shape's maximum maps to it) or as requests per day (the year's total is
365 × requests_per_day, spread by the shape). Deferrable requests are moved within their day to
a flat rate (valley filling); the daily total is unchanged.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import cast

import numpy as np
import yaml

from grid.constants import DAYS_PER_YEAR, HOURS_PER_DAY, HOURS_PER_YEAR, SECONDS_PER_DAY

SHAPES_PATH = Path(__file__).resolve().parent / "data" / "daily_shapes.yaml"


class DemandError(ValueError):
    """Bad demand input; ``field`` names the offending field, ``line``/``column`` the file cell."""

    def __init__(self, message: str, *, field: str | None = None, line: int | None = None, column: str | None = None):
        self.field = field
        self.line = line
        self.column = column
        super().__init__(message)


@dataclass(frozen=True)
class DailyShapeCurves:
    name: str
    weekday: np.ndarray  # 24 relative rates [-]
    weekend: np.ndarray  # 24 relative rates [-]
    source: str
    assumption: bool


@dataclass(frozen=True)
class HourStates:
    """The hours of a modelled year grouped by what a shaped demand can differ in: day type
    (weekday/weekend) × hour of day, 48 states. ``index`` [8,760] maps each hour to its state,
    ``first`` [48] is the first hour of each state, ``counts`` [48] the hours in each (read-only arrays)."""

    index: np.ndarray
    first: np.ndarray
    counts: np.ndarray  # hours in each state [48]; Σ over the year = counts @ per-state values

    def repeats(self, values: np.ndarray) -> bool:
        """Whether ``values`` (8,760) are the same in every hour of a state (checked exactly)."""
        return values.shape == self.index.shape and bool(np.array_equal(values[self.first][self.index], values))


@cache
def hour_states(*, year: int) -> HourStates:
    """Day type × hour of day of each hour of ``year`` (see :class:`HourStates`)."""
    weekend = weekend_days(year=year)
    index = (weekend[:, None] * HOURS_PER_DAY + np.arange(HOURS_PER_DAY)[None, :]).reshape(-1)
    present, first = np.unique(index, return_index=True)
    remap = np.full(2 * HOURS_PER_DAY, -1)
    remap[present] = np.arange(present.size)
    index = remap[index]
    counts = np.bincount(index).astype(float)
    for array in (index, first, counts):
        array.setflags(write=False)
    return HourStates(index=index, first=first, counts=counts)


@dataclass(frozen=True)
class WorkloadDemand:
    """Hourly demand of one workload in the reported year."""

    name: str
    requests_per_s: np.ndarray  # 8,760 [1/s]
    output_tokens_per_s: np.ndarray  # 8,760 [tokens/s]
    input_tokens_per_s: np.ndarray  # 8,760 [tokens/s]
    year: int
    growth_factor: float  # demand multiplier of the reported year over the first [-]
    shape_source: str
    # Set when the demand is a daily shape without deferral: then every array above is the same
    # in every hour of a state (day type × hour of day), by construction (shape × scalars).
    hour_states: HourStates | None = None


def _curve(values: Sequence[float], *, field: str) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.shape != (HOURS_PER_DAY,):
        raise DemandError(f"{field}: needs 24 hourly values, got {array.size}", field=field)
    if not np.all(np.isfinite(array)) or np.any(array < 0):
        raise DemandError(f"{field}: values must be finite and ≥ 0", field=field)
    return array


@cache
def _shapes() -> dict[str, DailyShapeCurves]:
    data = yaml.safe_load(SHAPES_PATH.read_text(encoding="utf-8"))["shapes"]
    return {
        name: DailyShapeCurves(
            name=name,
            weekday=_curve(entry["weekday"], field=f"daily_shapes.{name}.weekday"),
            weekend=_curve(entry["weekend"], field=f"daily_shapes.{name}.weekend"),
            source=str(entry["source"]),
            assumption=bool(entry.get("assumption", False)),
        )
        for name, entry in data.items()
    }


def list_daily_shapes() -> list[DailyShapeCurves]:
    return list(_shapes().values())


def get_daily_shape(shape: str | object, *, field: str = "daily_shape") -> DailyShapeCurves:
    """A named shape, or an object with ``weekday``/``weekend`` 24-value curves (the schema's DailyShape)."""
    if isinstance(shape, str):
        shapes = _shapes()
        if shape not in shapes:
            raise DemandError(
                f"{field}: unknown daily shape {shape!r}; known: {', '.join(sorted(shapes))}", field=field
            )
        return shapes[shape]
    weekday = _curve(getattr(shape, "weekday", None) or [], field=f"{field}.weekday")
    weekend = _curve(getattr(shape, "weekend", None) or [], field=f"{field}.weekend")
    if max(weekday.max(), weekend.max()) <= 0:
        raise DemandError(f"{field}: the shape is zero in every hour", field=field)
    return DailyShapeCurves(name="custom", weekday=weekday, weekend=weekend, source="user curves", assumption=False)


def weekend_days(*, year: int) -> np.ndarray:
    """Boolean per day of the 365-day year: Saturday or Sunday."""
    first = datetime.date(year, 1, 1).weekday()  # Monday = 0
    return (first + np.arange(DAYS_PER_YEAR)) % 7 >= 5


def hourly_shape(*, shape: DailyShapeCurves, year: int) -> np.ndarray:
    """8,760 relative rates; the larger of the weekday/weekend peaks is 1 (read-only: the year of
    a shape is kept, a study's points share it)."""
    return _hourly_shape(shape.weekday.tobytes(), shape.weekend.tobytes(), year)


@lru_cache(maxsize=64)
def _hourly_shape(weekday_bytes: bytes, weekend_bytes: bytes, year: int) -> np.ndarray:
    weekday, weekend = np.frombuffer(weekday_bytes), np.frombuffer(weekend_bytes)
    peak = max(weekday.max(), weekend.max())
    days = np.where(weekend_days(year=year)[:, None], weekend[None, :], weekday[None, :])
    shape = days.reshape(-1) / peak
    shape.setflags(write=False)
    return shape


def hourly_request_rate_per_s(
    *,
    shape_8760: np.ndarray,
    peak_requests_per_s: float | None = None,
    requests_per_day: float | None = None,
    growth_factor: float = 1.0,
    deferrable_frac: float = 0.0,
) -> np.ndarray:
    """Request rate in each hour [1/s] (see module docstring)."""
    if (peak_requests_per_s is None) == (requests_per_day is None):
        raise DemandError("give exactly one of peak_requests_per_s or requests_per_day", field="peak_requests_per_s")
    for field, value in (("peak_requests_per_s", peak_requests_per_s), ("requests_per_day", requests_per_day)):
        if value is not None and not (np.isfinite(value) and value > 0):
            raise DemandError(f"{field}: must be a positive number, got {value!r}", field=field)
    if not 0.0 <= deferrable_frac <= 1.0:
        raise DemandError(f"deferrable_frac: must be within 0-1, got {deferrable_frac!r}", field="deferrable_frac")
    if peak_requests_per_s is not None:
        rate = shape_8760 * peak_requests_per_s
    else:
        # Exactly one of the two rates is given (checked above), so requests_per_day is a float here.
        per_day = cast(float, requests_per_day)
        rate = shape_8760 * (per_day * DAYS_PER_YEAR / SECONDS_PER_DAY / shape_8760.sum() * HOURS_PER_DAY)
    rate = rate * growth_factor
    if deferrable_frac > 0:
        daily_mean = rate.reshape(-1, HOURS_PER_DAY).mean(axis=1)
        rate = (1.0 - deferrable_frac) * rate + deferrable_frac * np.repeat(daily_mean, HOURS_PER_DAY)
    return rate


def workload_demand(
    *,
    name: str,
    daily_shape: str | object,
    input_tokens: int,
    output_tokens: int,
    start_year: int,
    years: int,
    peak_requests_per_s: float | None = None,
    requests_per_day: float | None = None,
    annual_growth_frac: float = 0.0,
    deferrable_frac: float = 0.0,
    hourly_requests_per_s: np.ndarray | None = None,
    field: str = "workload",
) -> WorkloadDemand:
    """Hourly demand of one workload in the last year of the horizon.

    ``hourly_requests_per_s`` (8,760 uploaded values for the first year) replaces shape and rate.
    """
    if years < 1:
        raise DemandError(f"{field}: horizon years must be ≥ 1", field="horizon.years")
    year = start_year + years - 1
    growth = (1.0 + annual_growth_frac) ** (years - 1)
    if hourly_requests_per_s is not None:
        base = np.asarray(hourly_requests_per_s, dtype=float)
        if base.shape != (HOURS_PER_YEAR,):
            raise DemandError(f"{field}: uploaded demand needs {HOURS_PER_YEAR} values", field=field)
        rate = base * growth
        source = "uploaded hourly demand"
    else:
        shape = get_daily_shape(daily_shape, field=f"{field}.daily_shape")
        rate = hourly_request_rate_per_s(
            shape_8760=hourly_shape(shape=shape, year=year),
            peak_requests_per_s=peak_requests_per_s,
            requests_per_day=requests_per_day,
            growth_factor=growth,
            deferrable_frac=deferrable_frac,
        )
        source = f"{shape.name}: {shape.source}"
    states = hour_states(year=year) if hourly_requests_per_s is None and deferrable_frac == 0 else None
    return WorkloadDemand(
        name=name,
        requests_per_s=rate,
        output_tokens_per_s=rate * output_tokens,
        input_tokens_per_s=rate * input_tokens,
        year=year,
        growth_factor=growth,
        shape_source=source,
        hour_states=states,
    )


def read_hourly_rate_csv(path_or_text: str | Path, *, column: str = "requests_per_s") -> np.ndarray:
    """8,760 hourly request rates [1/s] from a CSV with a header; errors name line and column."""
    text = path_or_text if isinstance(path_or_text, str) and "\n" in path_or_text else Path(path_or_text).read_text()
    table = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    if not table:
        raise DemandError("demand file is empty", line=1)
    header = [cell.strip().lower() for cell in table[0]]
    if column not in header:
        raise DemandError(f"line 1: no column {column!r} in the header ({', '.join(header)})", line=1, column=column)
    position = header.index(column)
    body = table[1:]
    if len(body) != HOURS_PER_YEAR:
        raise DemandError(f"demand file has {len(body):,} hourly rows; expected {HOURS_PER_YEAR:,}", column=column)
    values = np.empty(HOURS_PER_YEAR)
    for index, row in enumerate(body):
        line = index + 2
        cell = row[position] if position < len(row) else ""
        try:
            value = float(cell)
        except ValueError:
            raise DemandError(
                f"line {line}, column {column!r}: {cell!r} is not a number", line=line, column=column
            ) from None
        if not np.isfinite(value) or value < 0:
            raise DemandError(f"line {line}, column {column!r}: rate {value:g} must be ≥ 0", line=line, column=column)
        values[index] = value
    return values
