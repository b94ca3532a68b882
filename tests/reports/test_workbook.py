"""XLSX, CSV and JSON reports, opened with openpyxl / csv / json: 8,760 hourly rows whose sum is the
annual energy the run reports, units in every header."""

import csv
import io
import json

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db  # pytest-django creates the test database even when run alone


@pytest.fixture(scope="module")
def finished_run(built):
    return built


@pytest.fixture(scope="module")
def workbook(built):
    return load_workbook(io.BytesIO(built.xlsx), read_only=True)


def test_it_has_the_six_sheets(workbook):
    assert workbook.sheetnames == ["Inputs", "Summary", "TCO", "Hourly", "Bill impact", "Sources"]


def test_it_holds_8760_hourly_rows_summing_to_the_annual_energy(finished_run, workbook):
    rows = list(workbook["Hourly"].iter_rows(values_only=True))
    header, data = rows[0], rows[1:]
    assert len(data) == 8760
    assert header[:4] == ("hour_of_year", "month", "day", "hour_of_day")
    facility = header.index("facility_power_mw [MW]")
    it = header.index("it_power_mw [MW]")
    # One hour at P MW is P MWh, so the column sums are the annual energies of the KPIs.
    assert sum(row[facility] for row in data) == pytest.approx(
        finished_run.result["annual_facility_energy_mwh"], rel=1e-9
    )
    assert sum(row[it] for row in data) == pytest.approx(finished_run.result["annual_it_energy_mwh"], rel=1e-9)
    assert [data[0][1], data[-1][1], data[-1][2], data[-1][3]] == [1, 12, 31, 23]
    for name in (
        "pue",
        "carbon_intensity_g_per_kwh [gCO2/kWh]",
        "price_usd_per_mwh [USD/MWh]",
        "cooling_power_mw [MW]",
    ):
        assert any(str(cell).startswith(name) for cell in header), name
    per_pool = [cell for cell in header if str(cell).startswith("it_power_mw__")]
    assert per_pool and all(cell.endswith("[MW]") for cell in per_pool)


def test_it_summarises_kpis_with_units_and_itemises_bills(finished_run, workbook):
    summary = {
        row[3]: row for row in workbook["Summary"].iter_rows(min_row=2, values_only=True) if len(row) > 3 and row[3]
    }
    peak = summary["peak_facility_power_mw"]
    # xlsx stores 16 significant digits: 52.393595550365895 (17-digit shortest repr) reads back 1 ulp off
    assert peak[1] == pytest.approx(finished_run.result["peak_facility_power_mw"], rel=1e-15) and peak[2] == "MW"
    bill = list(workbook["Bill impact"].iter_rows(values_only=True))
    assert bill[0] == ("item", "unit", "socialised view", "large_load_tariff view", "flexible view")
    views = finished_run.result["household_bill_usd_per_month"]["views"]
    total = next(row for row in bill if row[0] == "Total")
    assert list(total[2:5]) == [
        views[v]["total_usd_per_month"] for v in ("socialised", "large_load_tariff", "flexible")
    ]


def test_it_lists_sources_for_the_inputs(finished_run, workbook):
    rows = list(workbook["Sources"].iter_rows(min_row=2, values_only=True))
    assert rows and all(row[4] for row in rows), "every row names its source"
    fields = {row[1] for row in rows}
    assert "power_limit" in fields and "carbon_intensity_g_per_kwh" in fields
    inputs = {
        row[0]: row[1] if len(row) > 1 else None for row in workbook["Inputs"].iter_rows(min_row=2, values_only=True)
    }
    assert inputs["workloads[0].peak_requests_per_s"] == finished_run.inputs["workloads"][0]["peak_requests_per_s"]


def test_it_writes_the_hourly_csv_with_the_same_sums(finished_run):
    rows = list(csv.reader(io.StringIO(finished_run.csv.decode())))
    header, data = rows[0], rows[1:]
    assert len(data) == 8760
    stored = finished_run.hourly
    for name, series in stored.items():
        column = next(i for i, cell in enumerate(header) if cell.split(" [")[0] == name)
        values = [float(row[column]) for row in data]
        assert values == pytest.approx(series.tolist(), rel=0, abs=0), name  # repr() round-trips floats
    facility = header.index("facility_power_mw [MW]")
    total = sum(float(row[facility]) for row in data)
    assert total == pytest.approx(finished_run.result["annual_facility_energy_mwh"], rel=1e-9)


def test_it_writes_the_whole_result_as_json(finished_run):
    document = json.loads(finished_run.json)
    assert document["result"] == finished_run.result
    assert document["inputs"] == finished_run.inputs
    assert len(document["hourly"]["facility_power_mw"]) == 8760


def test_chart_axis_titles_are_words_with_units(monkeypatch):
    import numpy as np

    from planner.reports import charts

    captured = []
    original = charts._png

    def spy(figure):
        captured.extend(axes.get_ylabel() for axes in figure.axes)
        return original(figure)

    monkeypatch.setattr(charts, "_png", spy)
    charts.monthly_day_profile({"facility_power_mw": np.ones(8760)})
    assert "Mean facility power [MW]" in captured
    assert not any("_" in label for label in captured)
