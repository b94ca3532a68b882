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


def test_it_prints_the_hourly_series_on_request():
    result = json.loads(_plan("examples/ashburn-chat.json", "--json", "--hourly").stdout)
    assert len(result["hourly"]["facility_power_mw"]) == 8760
    assert max(result["hourly"]["facility_power_mw"]) == pytest.approx(result["peak_facility_power_mw"], rel=1e-6)


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
