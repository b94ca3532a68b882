"""Sweeps vary scenario fields over a grid; physics orders the rows; refusals keep their reason."""

import json
import subprocess
import sys

import pytest

from planner.engine.sweep import MAX_SWEEP_VARIANTS, SweepError, set_path, sweep
from tests.conftest import ROOT


def test_it_grows_the_fleet_with_demand(example_inputs):
    rates = [2_000, 4_000, 8_000]
    rows = sweep(example_inputs, {"workloads[0].peak_requests_per_s": rates})
    assert [row.values["workloads[0].peak_requests_per_s"] for row in rows] == rates
    devices = [row.kpis["devices"] for row in rows]
    peaks = [row.kpis["peak_facility_power_mw"] for row in rows]
    assert devices == sorted(devices) and devices[0] < devices[-1]
    assert peaks == sorted(peaks) and peaks[0] < peaks[-1]
    # Doubling one workload's peak never more than doubles the facility (the other one is fixed).
    assert peaks[2] < 4 * peaks[0]


def test_it_keeps_a_refused_combination_with_its_reason(example_inputs):
    rows = sweep(example_inputs, {"hardware[0].tensor_parallel": [1, 4], "hardware[0].weight_precision": ["bf16"]})
    refused, computed = rows
    assert "does not fit" in refused.error and refused.kpis == {}
    assert computed.error == "" and computed.kpis["peak_facility_power_mw"] > 0


def test_it_names_a_path_that_is_not_in_the_scenario(example_inputs):
    with pytest.raises(SweepError, match=r"hardware\[3\]\.weight_precision: no such"):
        set_path(example_inputs, "hardware[3].weight_precision", "fp8")
    with pytest.raises(SweepError, match="not a field path"):
        set_path(example_inputs, "site..cooling", "immersion")


def test_it_refuses_a_grid_too_large_to_be_a_table(example_inputs):
    too_many = {"workloads[0].peak_requests_per_s": list(range(1, MAX_SWEEP_VARIANTS + 2))}
    with pytest.raises(SweepError, match="combinations"):
        sweep(example_inputs, too_many)


def test_it_prints_the_rows_as_json_from_the_command_line():
    done = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "sweep",
            "examples/ashburn-chat.json",
            "--vary",
            "site.cooling=evaporative,air_chiller_economizer",
            "--json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["rows"]
    pue = {row["values"]["site.cooling"]: row["kpis"]["annual_pue"] for row in rows}
    assert pue["evaporative"] < pue["air_chiller_economizer"]  # same IT load, same climate
    bad = subprocess.run(
        [sys.executable, "manage.py", "sweep", "examples/ashburn-chat.json", "--vary", "site.cooling"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode != 0 and "expected PATH=VALUE1,VALUE2" in bad.stderr
