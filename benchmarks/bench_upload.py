"""Time to answer a 10^6-row hourly upload (issue 10: 12 s inside a web worker before the row limit).

Run: `.venv/bin/python benchmarks/bench_upload.py [--rows 1000000]`. Builds a timed CSV of
``--rows`` hourly carbon values in memory and calls the one upload parser
(planner.scenarios.uploads.parse_upload) as the upload page does; prints the wall time and the
outcome (the error, or the hours read). Also times a legitimate one-year hourly file for scale.
No database is needed: the parser is pure Python + NumPy.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path.cwd()))


def _csv(rows: int) -> bytes:
    hours = np.arange("2000-01-01T00", "2200-01-01T00", dtype="datetime64[h]")[:rows]
    stamps = np.char.replace(hours.astype(str), "T", " ")
    return (
        "time,carbon_g_per_kwh\n" + "\n".join(f"{t}:00,{300 + i % 97}" for i, t in enumerate(stamps)) + "\n"
    ).encode()


def _time(label: str, content: bytes) -> None:
    from planner.scenarios.uploads import UploadError, parse_upload

    started = time.perf_counter()
    try:
        parsed = parse_upload(kind="carbon", content=content, filename="bench.csv")
        outcome = f"read {parsed.summary['hours']:,} hours of {parsed.summary['year']}"
    except UploadError as error:
        outcome = f"refused: {str(error)[:90]}"
    elapsed = time.perf_counter() - started
    print(f"{label:<28s} {len(content) / 1e6:6.1f} MB  {elapsed:7.3f} s  {outcome}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    _time("one year hourly (8,760 rows)", _csv(8760))
    _time(f"{args.rows:,} rows", _csv(args.rows))


if __name__ == "__main__":
    main()
