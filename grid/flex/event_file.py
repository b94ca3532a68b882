"""Read an event schedule from CSV text: one grid event per row (no Django import).

Columns (header row, names case-insensitive, any order):
- ``start`` (a date and hour, ``2030-07-15 14:00`` or ISO ``2030-07-15T14:00``; the hour of that
  calendar year) or ``start_hour`` (hour of the year, 0 = 1 January 00:00, 365-day year);
- ``duration_h`` [h], a whole number ≥ 1;
- ``cap_mw`` [MW at the meter] or ``reduction_frac`` [share of each hour's baseline meter power
  cut, in (0, 1]]: exactly one per row (the other cell blank or the column absent).

Returns the events as a (n, 4) float array — start hour, duration, cap MW (NaN when none),
reduction (NaN when none) — the form an upload stores and the flex stage reads. Every error names
the line (1-based, the header is line 1) and the column. Leap years: 29 February is not an hour
of the planner's 365-day year and is refused; later dates move back one day.
"""

from __future__ import annotations

import csv
import datetime
import io
import math

import numpy as np

from grid.flex.resources import FlexibilityError

HOURS_PER_YEAR = 8760
# The scenario schema accepts at most 2,000 typed events (schema_flexibility.GridSignal.events);
# a file holds at most as many: a utility's emergency schedule is tens of events a year.
MAX_EVENTS = 2000
EVENT_COLUMNS = ("start_hour", "duration_h", "cap_mw", "reduction_frac")


class EventFileError(FlexibilityError):
    """The event file cannot be used; the message names the line and the column."""

    def __init__(self, message: str) -> None:
        super().__init__(message)


def _hour_of_year(text: str, line: int) -> int:
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise EventFileError(
            f"line {line}, column 'start': {text!r} is not a date and hour (e.g. 2030-07-15 14:00)"
        ) from None
    if moment.minute or moment.second or moment.microsecond:
        raise EventFileError(f"line {line}, column 'start': {text!r} does not start on the hour")
    if moment.month == 2 and moment.day == 29:
        raise EventFileError(f"line {line}, column 'start': 29 February is not in the planner's 365-day year")
    day = (moment.date() - datetime.date(moment.year, 1, 1)).days
    leap = moment.year % 4 == 0 and (moment.year % 100 != 0 or moment.year % 400 == 0)
    if leap and moment.month > 2:
        day -= 1
    return day * 24 + moment.hour


def _number(cell: str, line: int, column: str) -> float | None:
    cell = cell.strip()
    if not cell:
        return None
    try:
        value = float(cell)
    except ValueError:
        raise EventFileError(f"line {line}, column {column!r}: {cell!r} is not a number") from None
    if not math.isfinite(value):
        raise EventFileError(f"line {line}, column {column!r}: {cell!r} is not a finite number")
    return value


def read_event_csv(text: str) -> np.ndarray:
    """The events of a CSV text as a (n, 4) array (columns EVENT_COLUMNS); see the module docstring."""
    reader = csv.reader(io.StringIO(text))
    header: list[str] | None = None
    rows = []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = [cell.strip().lower() for cell in row]
            header_line = reader.line_num
            continue
        rows.append((reader.line_num, row))
        if len(rows) > MAX_EVENTS:
            raise EventFileError(f"more than {MAX_EVENTS:,} events; the limit is {MAX_EVENTS:,}")
    if header is None:
        raise EventFileError("the file is empty")
    index = {name: i for i, name in enumerate(header)}
    starts = [name for name in ("start", "start_hour") if name in index]
    if len(starts) != 1:
        raise EventFileError(
            f"line {header_line}: give one start column, 'start' (date and hour) or 'start_hour' (hour of the year); "
            f"the header has {', '.join(repr(h) for h in header)}"
        )
    if "duration_h" not in index:
        raise EventFileError(f"line {header_line}: no column 'duration_h' [h]")
    if "cap_mw" not in index and "reduction_frac" not in index:
        raise EventFileError(f"line {header_line}: give a column 'cap_mw' [MW] or 'reduction_frac' [fraction]")
    if not rows:
        raise EventFileError("the file has a header but no events")
    out = np.full((len(rows), 4), np.nan)

    def cell(row: list[str], name: str) -> str:
        return row[index[name]].strip() if name in index and index[name] < len(row) else ""

    for k, (line, row) in enumerate(rows):
        if starts[0] == "start":
            if not cell(row, "start"):
                raise EventFileError(f"line {line}, column 'start': empty")
            start = _hour_of_year(cell(row, "start"), line)
        else:
            value = _number(cell(row, "start_hour"), line, "start_hour")
            if value is None or value != int(value) or not 0 <= value < HOURS_PER_YEAR:
                raise EventFileError(
                    f"line {line}, column 'start_hour': {cell(row, 'start_hour')!r} is not a whole hour 0–8759"
                )
            start = int(value)
        duration = _number(cell(row, "duration_h"), line, "duration_h")
        if duration is None or duration != int(duration) or not 1 <= duration <= HOURS_PER_YEAR:
            raise EventFileError(
                f"line {line}, column 'duration_h': {cell(row, 'duration_h')!r} is not a whole number of hours 1–8760"
            )
        cap = _number(cell(row, "cap_mw"), line, "cap_mw")
        cut = _number(cell(row, "reduction_frac"), line, "reduction_frac")
        if (cap is None) == (cut is None):
            raise EventFileError(f"line {line}: give exactly one of cap_mw or reduction_frac")
        if cap is not None and not 0 <= cap <= 100_000:
            raise EventFileError(f"line {line}, column 'cap_mw': {cap:g} MW is outside 0–100,000 MW")
        if cut is not None and not 0 < cut <= 1:
            raise EventFileError(f"line {line}, column 'reduction_frac': {cut:g} is outside (0, 1]")
        out[k] = (start, duration, np.nan if cap is None else cap, np.nan if cut is None else cut)
    return out
