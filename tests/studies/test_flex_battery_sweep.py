"""A study varies the flexibility section and reads its KPIs: examples/studies/ashburn-battery-sweep.json
sizes the battery of examples/ashburn-flexible.json (real Dominion hours, no shedding or generator) and
the firm MW at the meter falls as the battery grows — by exactly the energy it adds, times the
discharge efficiency √η, while the events are not yet met — then stays at the events' cap."""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from planner.engine.studies.definition import parse_study
from planner.engine.sweep import sweep

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def rows():
    document = json.loads((ROOT / "examples" / "ashburn-flexible.json").read_text())
    study = parse_study(json.loads((ROOT / "examples" / "studies" / "ashburn-battery-sweep.json").read_text()))
    return sweep(document, study.vary)


def test_firm_mw_falls_monotonically_with_battery_energy(rows):
    assert [row.error for row in rows] == [""] * 4
    energy = [row.values["flexibility.battery.energy_mwh"] for row in rows]
    firm = np.array([row.kpis["flex_firm_mw"] for row in rows])
    assert energy == sorted(energy) and np.all(np.diff(firm) <= 0) and firm[0] > firm[-1]
    # one-hour events with a 40 MW battery: each MWh stored takes √0.85 MWh off the meter (NREL ATB round trip)
    assert firm[0] - firm[1] == pytest.approx((energy[1] - energy[0]) * math.sqrt(0.85), abs=2e-3)
    assert firm[-1] == 0.0  # 40 MWh meets both events' cap of 0 MW (zero margin at the seasonal peaks)


def test_every_point_reports_the_flex_kpis(rows):
    for row in rows:
        assert {"flex_firm_mw", "flex_cost_usd_per_year", "flex_lost_mtok"} <= set(row.kpis)
        assert row.kpis["flex_lost_mtok"] == 0.0  # no shedding: caps at the latency targets lose no token here
