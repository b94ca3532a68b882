"""Read an hourly (or sub-hourly) system-load CSV into a clean hourly series, reporting every repair.

Real files are messy: rows out of order, daylight-saving duplicates (the repeated hour in autumn)
and gaps (the missing hour in spring), 15-minute data, empty cells. Nothing is dropped silently:
each repair is counted in :class:`LoadSeriesReport`, and anything that cannot be repaired
(an unparseable time or number) raises :class:`LoadSeriesError` naming the row and column.

Repairs, in order:
1. rows sorted by time (``unsorted_rows`` counts rows that were out of order);
2. sub-hourly data averaged to hourly means (``source_interval_minutes``);
3. repeated timestamps averaged (``duplicate_timestamps``; DST fall-back hours in local time);
4. missing hours filled by linear interpolation between neighbours (``gaps``; DST spring-forward
   hours, outages of the source), each gap listed with its start and length.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

_ISO = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$"
)
_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_TIME_NAMES = ("datetime", "date_time", "time", "timestamp", "utc time", "utc_time", "date", "utc_hour")
MAX_LISTED = 20  # repairs listed one by one in the report before "... and N more"


class LoadSeriesError(ValueError):
    """A load file that cannot be read; the message names the row and column."""


@dataclass(frozen=True)
class Gap:
    start: str  # first missing hour, ISO 8601 (the file's clock)
    hours: int  # missing hours filled by interpolation


@dataclass(frozen=True)
class LoadSeriesReport:
    rows_read: int
    time_column: str
    load_column: str
    source_interval_minutes: int  # 60 for hourly files, 15 for quarter-hourly
    unsorted_rows: int  # rows whose time was earlier than the row before
    duplicate_timestamps: int  # hours that appeared more than once (values averaged)
    duplicate_examples: tuple[str, ...]
    empty_values: int  # rows with an empty load cell (treated as missing, then interpolated)
    gaps: tuple[Gap, ...]  # missing hours, filled by linear interpolation
    gap_hours_filled: int
    longest_gap_hours: int
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict:
        return {
            "rows_read": self.rows_read,
            "time_column": self.time_column,
            "load_column": self.load_column,
            "source_interval_minutes": self.source_interval_minutes,
            "unsorted_rows": self.unsorted_rows,
            "duplicate_timestamps_averaged": self.duplicate_timestamps,
            "duplicate_examples": list(self.duplicate_examples),
            "empty_values": self.empty_values,
            "gap_hours_filled_by_linear_interpolation": self.gap_hours_filled,
            "longest_gap_hours": self.longest_gap_hours,
            "gaps": [{"start": g.start, "hours": g.hours} for g in self.gaps[:MAX_LISTED]],
            "gaps_not_listed": max(0, len(self.gaps) - MAX_LISTED),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class LoadSeries:
    """A regular hourly series: ``time`` (datetime64[h], one per hour, no gaps) and ``load_mw``."""

    time: np.ndarray
    load_mw: np.ndarray
    observed: np.ndarray  # bool per hour: True where the value came from the file, not a fill
    report: LoadSeriesReport

    @property
    def years(self) -> np.ndarray:
        return self.time.astype("datetime64[Y]").astype(int) + 1970

    @property
    def months(self) -> np.ndarray:
        """Calendar month 1–12 of each hour."""
        return self.time.astype("datetime64[M]").astype(int) % 12 + 1


def _parse_time(text: str, *, row: int, column: str, day_first: bool) -> str:
    """One timestamp → ISO 'YYYY-MM-DDTHH:MM' (UTC when the text carries an offset)."""
    text = text.strip()
    match = _ISO.match(text)
    if match:
        y, mo, d, h, mi, _s, tz = match.groups()
        iso = f"{int(y):04d}-{int(mo):02d}-{int(d):02d}T{int(h or 0):02d}:{int(mi or 0):02d}"
        if tz and tz != "Z":
            sign = 1 if tz[0] == "+" else -1
            offset_min = sign * (int(tz[1:3]) * 60 + int(tz[-2:]))
            iso = str(np.datetime64(iso, "m") - np.timedelta64(offset_min, "m"))
        return iso
    match = _DMY.match(text)
    if match:
        a, b, y, h, mi, _s = match.groups()
        day, month = (a, b) if day_first else (b, a)
        return f"{int(y):04d}-{int(month):02d}-{int(day):02d}T{int(h or 0):02d}:{int(mi or 0):02d}"
    raise LoadSeriesError(f"row {row}, column {column!r}: cannot read time {text!r} (use ISO 'YYYY-MM-DD HH:MM')")


def _pick_column(header: list[str], wanted: str | None, *, role: str, candidates: list[str]) -> int:
    names = [h.strip().lstrip("\ufeff") for h in header]
    if wanted is not None:
        for i, name in enumerate(names):
            if name == wanted or name.lower() == wanted.lower():
                return i
        raise LoadSeriesError(f"{role} column {wanted!r} not in the header; columns are: {', '.join(names)}")
    if len(candidates) == 1:
        return names.index(candidates[0])
    raise LoadSeriesError(
        f"cannot tell which column is the {role}; pass --{role}-column, one of: {', '.join(candidates)}"
    )


def _read_rows(text: str, time_column: str | None, load_column: str | None) -> tuple[list[str], list[str], str, str]:
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise LoadSeriesError("the file is empty") from None
    names = [h.strip().lstrip("\ufeff") for h in header]
    rows = [r for r in reader if any(cell.strip() for cell in r)]
    if not rows:
        raise LoadSeriesError("the file has a header but no data rows")
    time_candidates = [n for n in names if n.lower() in _TIME_NAMES] or names[:1]
    ti = _pick_column(header, time_column, role="time", candidates=time_candidates[:1])
    numeric = []
    for i, name in enumerate(names):
        if i == ti or not name:
            continue
        cell = rows[0][i].strip() if i < len(rows[0]) else ""
        try:
            float(cell)
            numeric.append(name)
        except ValueError:
            continue
    li = _pick_column(header, load_column, role="load", candidates=numeric)
    times, loads = [], []
    for n, r in enumerate(rows, start=2):
        if len(r) <= max(ti, li):
            raise LoadSeriesError(f"row {n}: has {len(r)} cells, needs column {names[max(ti, li)]!r}")
        times.append(r[ti])
        loads.append(r[li].strip())
    return times, loads, names[ti], names[li]


# A file named on a command line is read up to this size: the largest reference file (PJM Dominion,
# 2005-2018 hourly) is 3.2 MB, a decade at 5-minute resolution ≈ 40 MB; anything larger is refused
# after reading the limit, not read to the end (`/dev/zero`).
MAX_FILE_BYTES = 64 * 1024 * 1024


def read_load_csv_file(
    path: str | Path, *, time_column: str | None = None, load_column: str | None = None
) -> LoadSeries:
    """The command-line face: read a system-load CSV file (bounded, UTF-8) and parse it.

    Errors (missing, too large, not UTF-8) are LoadSeriesError with one line naming the file.
    """
    from grid.input_files import InputFileError, read_input_text

    try:
        text = read_input_text(path, max_bytes=MAX_FILE_BYTES, what="load file")
    except InputFileError as error:
        raise LoadSeriesError(str(error)) from None
    return read_load_csv(text, time_column=time_column, load_column=load_column)


def read_load_csv(
    content: str | bytes, *, time_column: str | None = None, load_column: str | None = None
) -> LoadSeries:
    """Parse a system-load CSV (its text or bytes, never a path) into a regular hourly series [MW].

    Content is always content: a one-line text such as ``/etc/passwd,x`` is a header without data
    rows, never a file name (files are read by :func:`read_load_csv_file`, for command lines only).
    Times: ISO 8601 ('2017-01-01 13:00', optional offset → converted to UTC) or day-first
    'dd-mm-yyyy HH:MM' / 'dd/mm/yyyy HH:MM' (month-first is detected when a first field exceeds 12).
    """
    if isinstance(content, bytes):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise LoadSeriesError(f"the file is not UTF-8 text (byte {error.start:,} cannot be decoded)") from None
    elif isinstance(content, str):
        text = content
    else:
        raise TypeError(
            f"read_load_csv takes the CSV text or bytes, not {type(content).__name__}; "
            "use read_load_csv_file for a path"
        )
    times_raw, loads_raw, tname, lname = _read_rows(text, time_column, load_column)

    # dd/mm vs mm/dd: month-first only when some second field exceeds 12 (a day, not a month).
    second_fields = [int(m.group(2)) for t in times_raw if (m := _DMY.match(t.strip()))]
    day_first = not any(b > 12 for b in second_fields)
    iso = [_parse_time(t, row=i + 2, column=tname, day_first=day_first) for i, t in enumerate(times_raw)]
    try:
        stamps = np.array(iso, dtype="datetime64[m]")
    except ValueError as error:
        raise LoadSeriesError(f"column {tname!r}: a time is not a valid date ({error})") from None

    values = np.empty(len(loads_raw))
    empty = 0
    for i, cell in enumerate(loads_raw):
        if cell == "":
            values[i] = np.nan
            empty += 1
            continue
        try:
            values[i] = float(cell)
        except ValueError:
            raise LoadSeriesError(f"row {i + 2}, column {lname!r}: {cell!r} is not a number") from None
    if not np.all(np.isfinite(values[~np.isnan(values)])):
        raise LoadSeriesError(f"column {lname!r}: infinite values")

    unsorted = int(np.sum(np.diff(stamps) < np.timedelta64(0, "m")))
    order = np.argsort(stamps, kind="stable")
    stamps, values = stamps[order], values[order]

    steps = np.diff(stamps).astype(int)
    positive = steps[steps > 0]
    interval = int(positive.min()) if positive.size else 60  # the finest step (gaps only lengthen steps)
    notes = []
    if interval < 60:
        notes.append(f"sub-hourly data ({interval}-minute) averaged to hourly means")
    elif interval > 60:
        raise LoadSeriesError(f"column {tname!r}: rows are {interval} minutes apart; hourly or finer data is needed")

    hours = stamps.astype("datetime64[h]")
    unique_hours, inverse, counts = np.unique(hours, return_inverse=True, return_counts=True)
    ok = ~np.isnan(values)
    sums = np.bincount(inverse, weights=np.where(ok, values, 0.0), minlength=unique_hours.size)
    n_ok = np.bincount(inverse, weights=ok.astype(float), minlength=unique_hours.size)
    with np.errstate(invalid="ignore", divide="ignore"):
        hourly_mean = np.where(n_ok > 0, sums / np.maximum(n_ok, 1), np.nan)
    per_hour_expected = max(1, 60 // interval)
    dup_mask = counts > per_hour_expected
    duplicates = int(dup_mask.sum())
    dup_examples = tuple(str(h) for h in unique_hours[dup_mask][:MAX_LISTED])

    full = np.arange(unique_hours[0], unique_hours[-1] + np.timedelta64(1, "h"), dtype="datetime64[h]")
    load = np.full(full.size, np.nan)
    position = (unique_hours - full[0]).astype(int)
    load[position] = hourly_mean
    observed = ~np.isnan(load)
    if observed.sum() < 2:
        raise LoadSeriesError(f"column {lname!r}: fewer than two hours with a value")
    index = np.arange(full.size)
    filled = np.interp(index, index[observed], load[observed])

    missing = ~observed
    edges = np.diff(np.concatenate(([0], missing.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    gaps = tuple(Gap(start=str(full[s]), hours=int(e - s)) for s, e in zip(starts, ends, strict=True))
    report = LoadSeriesReport(
        rows_read=len(times_raw),
        time_column=tname,
        load_column=lname,
        source_interval_minutes=interval,
        unsorted_rows=unsorted,
        duplicate_timestamps=duplicates,
        duplicate_examples=dup_examples,
        empty_values=empty,
        gaps=gaps,
        gap_hours_filled=int(missing.sum()),
        longest_gap_hours=int(max((g.hours for g in gaps), default=0)),
        notes=tuple(notes),
    )
    return LoadSeries(time=full, load_mw=filled, observed=observed, report=report)


def hourly_year(series: LoadSeries, *, year: int | None = None) -> tuple[np.ndarray, int]:
    """8,760 values of one complete calendar year (the latest complete one by default) [MW].

    A leap year's 29 February is dropped (365-day modelled year, as in grid.constants). Raises
    naming the year when it is not fully covered by the series.
    """
    years = series.years
    complete = [
        int(y)
        for y in np.unique(years)
        if np.sum(years == y)
        == int((np.datetime64(f"{y + 1}-01-01", "h") - np.datetime64(f"{y}-01-01", "h")).astype(int))
    ]
    if year is None:
        if not complete:
            raise LoadSeriesError("the series holds no complete calendar year")
        year = complete[-1]
    if year not in complete:
        raise LoadSeriesError(f"year {year} is not complete in the series; complete years: {complete}")
    sel = years == year
    time, load = series.time[sel], series.load_mw[sel]
    month_day = (
        time.astype("datetime64[M]").astype(int) % 12,
        time.astype("datetime64[D]") - time.astype("datetime64[M]"),
    )
    keep = ~((month_day[0] == 1) & (month_day[1] == np.timedelta64(28, "D")))  # not 29 February
    return load[keep], year
