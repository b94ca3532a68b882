"""`manage.py plan SCENARIO.json --json` as a user runs it (a real subprocess)."""

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def _plan(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "plan", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_it_prints_the_result_as_json():
    done = _plan("examples/ashburn-chat.json", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    for key in ["peak_facility_power_mw", "annual_facility_energy_mwh", "annual_pue", "devices", "servers", "racks"]:
        assert key in result, key
    assert 1.0 < result["annual_pue"] < 2.0
    assert result["meta"]["inputs"]["name"] == "Ashburn chat campus"
    # The result says what produced it: the code and the catalog data it was computed with.
    assert result["meta"]["code_version"] and len(result["meta"]["data_version"]) == 12


def test_it_prints_the_hourly_series_on_request():
    result = json.loads(_plan("examples/ashburn-chat.json", "--json", "--hourly").stdout)
    hourly = result["hourly"]
    # The interface of the facility and grid issues: every series is one value per hour of a year.
    for key in [
        "it_power_mw",
        "power_losses_mw",
        "cooling_power_mw",
        "facility_power_mw",
        "pue",
        "water_m3",
        "dry_bulb_c",
        "wet_bulb_c",
        "carbon_intensity_g_per_kwh",
        "price_usd_per_mwh",
    ]:
        assert len(hourly[key]) == 8760, key
    assert max(hourly["facility_power_mw"]) == pytest.approx(result["peak_facility_power_mw"], rel=1e-6)
    # Energy is conserved hour by hour: facility = IT + power-chain losses + cooling.
    for it, losses, cooling, facility in zip(
        hourly["it_power_mw"],
        hourly["power_losses_mw"],
        hourly["cooling_power_mw"],
        hourly["facility_power_mw"],
        strict=True,
    ):
        assert facility == pytest.approx(it + losses + cooling, rel=1e-9, abs=1e-9)
    assert sum(hourly["facility_power_mw"]) == pytest.approx(result["annual_facility_energy_mwh"], rel=1e-6)


def test_it_prints_carbon_cost_bills_and_grid_figures_with_their_methods():
    result = json.loads(_plan("examples/ashburn-chat.json", "--json").stdout)
    carbon = result["carbon"]
    for key in ["location_based_tco2e", "marginal_tco2e", "market_based_tco2e", "embodied_tco2e_per_year"]:
        assert carbon[key] >= 0, key
    # Half the energy is matched by contracted clean energy in the example (annual matching).
    assert carbon["market_based_tco2e"] < carbon["location_based_tco2e"]
    assert result["operator_cost_usd"] > 0
    bill = result["household_bill_usd_per_month"]
    assert set(bill["views"]) >= {"socialised", "large_load_tariff", "flexible"}
    assert {"capacity_usd_per_month", "transmission_usd_per_month", "energy_usd_per_month"} <= set(bill["items"])
    assert "reserve_margin_change_pct" in result and "peak_share_of_system_pct" in result


def test_it_names_the_bad_field_and_exits_non_zero(tmp_path):
    document = json.loads((ROOT / "examples" / "ashburn-chat.json").read_text())
    document["workloads"][0]["peak_requests_per_s"] = -3
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    done = _plan(str(path), "--json")
    assert done.returncode != 0
    assert "workloads[0].peak_requests_per_s" in done.stderr
    assert "Traceback" not in done.stderr


def test_it_says_when_the_file_is_missing():
    done = _plan("examples/nope.json", "--json")
    assert done.returncode != 0 and "not found" in done.stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "is a directory; give the path of a JSON file"),
        (b"\xff\xfe{\x00", "not UTF-8 text"),
        (b"[" * 100_000 + b"]" * 100_000, "nested deeper than 32 levels"),
        (b'{"name": "x\\u0000y"}', "name: must not contain the NUL character"),
        (b"9" * 5001, "not a usable JSON document"),
    ],
    ids=["directory", "not-utf8", "deep", "nul", "long-integer"],
)
def test_it_refuses_unreadable_input_with_exit_status_2(tmp_path, content, expected):
    """Issue 10: `plan DIRECTORY`, non-UTF-8 files and deep nesting gave tracebacks."""
    path = tmp_path / "scenario.json"
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    done = _plan(str(path), "--json")
    assert done.returncode == 2, done.stderr
    assert expected in done.stderr and "Traceback" not in done.stderr
