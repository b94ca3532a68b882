"""`manage.py headroom LOAD.csv --json`: thin wrapper over grid.load_series and grid.headroom."""

import json
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command


def _write_year(path, load):
    stamps = np.datetime64("2021-01-01T00", "h") + np.arange(load.size).astype("timedelta64[h]")
    lines = ["when,zone_mw,other"] + [
        f"{str(t).replace('T', ' ')}:00,{v:.3f},1" for t, v in zip(stamps, load, strict=True)
    ]
    lines[5], lines[6] = lines[6], lines[5]  # one unsorted pair, reported
    path.write_text("\n".join(lines) + "\n")


def test_it_prints_headroom_per_year_and_averaged(tmp_path):
    hours = np.arange(8760)
    load = 10_000 + 3_000 * np.sin(2 * np.pi * hours / 24) + 2_000 * np.cos(4 * np.pi * hours / 8760)
    load = load + np.random.default_rng(5).normal(0, 200, hours.size)
    path = tmp_path / "load.csv"
    _write_year(path, load)
    out = StringIO()
    call_command("headroom", str(path), "--time-column", "when", "--load-column", "zone_mw", "--json", stdout=out)
    result = json.loads(out.getvalue())
    rows = result["years"]["2021"]["rates"]
    assert [r["rate_pct"] for r in rows] == [0.25, 0.5, 1.0, 5.0]
    assert all(set(r) >= {"realised_rate_pct", "curtailed_hours", "events"} for r in rows)
    headroom = result["headroom"]
    assert result["thresholds"] == "all_years"
    assert all(set(r) >= {"headroom_mw", "headroom_pct_of_peak", "curtailed_hours_per_year"} for r in headroom)
    assert headroom[1]["curtailed_hours_per_year"] == rows[1]["curtailed_hours"]  # one year: the mean is it
    variant = StringIO()
    call_command(
        "headroom", str(path), "--load-column", "zone_mw", "--thresholds", "per_year", "--json", stdout=variant
    )
    per_year = json.loads(variant.getvalue())
    assert per_year["thresholds"] == "per_year" and per_year["method"].startswith("VARIANT")
    # One complete year: both definitions of the threshold coincide.
    assert per_year["headroom"][1]["headroom_mw"] == pytest.approx(headroom[1]["headroom_mw"], abs=0.1)
    assert result["input_report"]["unsorted_rows"] == 1
    assert result["units"]["headroom_mw"] == "MW"


def test_it_names_a_missing_column(tmp_path):
    path = tmp_path / "load.csv"
    _write_year(path, np.full(48, 1.0))
    with pytest.raises(CommandError, match="load column 'MW' not in the header"):
        call_command("headroom", str(path), "--load-column", "MW", "--json", stdout=StringIO())
