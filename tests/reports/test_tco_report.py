"""The PDF and XLSX reports carry the run's TCO: $/Mtok, the breakdown and every line with its sources."""

import io
from io import BytesIO

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from planner.reports.units import fmt


@pytest.fixture(scope="module")
def tco(built):
    return built.result["tco"]


def test_the_workbook_has_a_tco_sheet_with_every_line(built, tco):
    sheet = load_workbook(io.BytesIO(built.xlsx), read_only=True)["TCO"]
    rows = [row for row in sheet.iter_rows(values_only=True)]
    kpis = {row[0]: row[1] for row in rows if row and row[0]}
    assert kpis["usd_per_million_output_tokens"] == pytest.approx(tco["usd_per_million_output_tokens"])
    assert kpis["tco_usd_per_year"] == pytest.approx(tco["tco_usd_per_year"])
    lines = {row[0]: row for row in rows if row and row[0] in {line["item"] for line in tco["lines"]}}
    assert set(lines) == {line["item"] for line in tco["lines"]}
    assert sum(row[4] for row in lines.values()) == pytest.approx(tco["tco_usd_per_year"])
    assert all(row[7] for row in lines.values())  # every line names its sources
    figures = [row for row in rows if row and row[0] == "facility_cost_usd_per_w"]
    assert figures and "Cushman" in figures[0][3]


def test_the_pdf_has_the_tco_section(built, tco):
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(BytesIO(built.pdf)).pages)
    assert "Total cost of ownership" in text
    assert f"{fmt(tco['usd_per_million_output_tokens'])} USD per million output tokens" in text
    assert "capital recovery factor" in text
    for line in tco["lines"]:
        assert line["item"] in text


def test_the_reports_carry_each_workloads_cost_per_million_tokens_summing_to_the_tco(built, tco):
    rows = [row for row in load_workbook(io.BytesIO(built.xlsx), read_only=True)["TCO"].iter_rows(values_only=True)]
    by_workload = {row[0]: row for row in rows if row and row[0] in tco["by_workload"]}
    assert set(by_workload) == set(tco["by_workload"])
    assert sum(row[3] for row in by_workload.values()) == pytest.approx(tco["tco_usd_per_year"])
    for name, row in by_workload.items():
        assert row[4] == pytest.approx(tco["by_workload"][name]["usd_per_million_output_tokens"])
        assert row[5] == pytest.approx(tco["by_workload"][name]["usd_per_million_tokens"])
        assert "device-seconds" in row[6]
    summary = load_workbook(io.BytesIO(built.xlsx), read_only=True)["Summary"].iter_rows(values_only=True)
    keys = {row[3]: row[1] for row in summary if row and len(row) > 3 and row[3]}
    for name, row in tco["by_workload"].items():
        assert keys[f"tco.by_workload.{name}.usd_per_million_tokens"] == pytest.approx(row["usd_per_million_tokens"])
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(BytesIO(built.pdf)).pages)
    for name, row in tco["by_workload"].items():
        assert fmt(row["usd_per_million_output_tokens"]) in text and name in text
