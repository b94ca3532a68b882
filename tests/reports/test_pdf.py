"""The PDF report, opened with pypdf: it holds the run's KPIs and every section a filing needs."""

from io import BytesIO

import pytest
from pypdf import PdfReader

from planner.reports.content import data_version, kpis_of
from planner.reports.units import fmt

pytestmark = pytest.mark.django_db  # pytest-django creates the test database even when run alone


@pytest.fixture(scope="module")
def pdf_text(built) -> list[str]:
    reader = PdfReader(BytesIO(built.pdf))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


@pytest.fixture(scope="module")
def finished_run(built):
    return built


def test_it_prints_every_kpi_the_run_holds(finished_run, pdf_text):
    text = " ".join(pdf_text)
    kpis = kpis_of(finished_run.result)
    assert len(kpis) >= 15
    for kpi in kpis:
        assert f"{kpi.label} {kpi.text} {kpi.unit}" in text, kpi


def test_it_opens_with_a_title_page_naming_scenario_and_versions(finished_run, pdf_text):
    title = pdf_text[0]
    assert finished_run.scenario_name in title
    assert f"Run {finished_run.pk}" in title
    assert finished_run.code_version in title and data_version() in title
    assert "Data version" in title and "Model (code) version" in title


@pytest.mark.parametrize(
    "section",
    [
        "1. Executive summary",
        "2. Inputs and assumptions",
        "Figures used, with their sources",
        "3. Methods",
        "4. Charts",
        "5. Hourly profile summaries",
        "6. Bill impact",
        "7. Sensitivity of the key results",
        "8. Limitations",
    ],
)
def test_it_has_every_section(pdf_text, section):
    assert section in " ".join(pdf_text)


def test_it_itemises_the_bill_in_the_three_views(finished_run, pdf_text):
    text = " ".join(pdf_text)
    views = finished_run.result["household_bill_usd_per_month"]["views"]
    assert set(views) == {"socialised", "large_load_tariff", "flexible"}
    for view in views:
        assert view in text
    assert "Capacity" in text and "Transmission" in text


def test_it_cites_the_sources_of_the_grid_figures(finished_run, pdf_text):
    text = " ".join(pdf_text)
    for figure in finished_run.result["grid_figures"].values():
        first_words = " ".join(figure["source"].split()[:3])
        assert first_words in text


def test_it_shows_the_sensitivity_of_demand(pdf_text):
    text = " ".join(pdf_text)
    assert "Demand (request rates)" in text and "×0.8" in text and "×1.2" in text
    assert "not computed" not in text


def test_it_formats_numbers_with_four_significant_digits():
    # Hand-checked cases of the report's number format.
    assert fmt(0.12730088) == "0.1273"
    assert fmt(999.6919) == "999.7"
    assert fmt(57989.0) == "57,989"
    assert fmt(0.0003) == "0.0003"
    assert fmt(1.1274) == "1.127"
    assert fmt(104) == "104"
    assert fmt(0.0) == "0"
    assert fmt(float("nan")) == "n/a"


def test_no_page_holds_only_a_heading(pdf_text):
    # A page whose text is a heading and the footer (and nothing else) is a layout fault: the heading
    # must travel with its content (break-after: avoid; .keep blocks in the template).
    for number, page in enumerate(pdf_text, start=1):
        body = page.split("Inference Grid Planner · run")[0].strip()
        assert len(body.split()) > 6, f"page {number} holds only {body!r}"


def test_the_operator_cost_table_has_labels_rounded_figures_and_units(finished_run, pdf_text):
    from planner.reports.builders import cost_rows

    text = " ".join(pdf_text)
    cost = finished_run.result["operator_cost_breakdown_usd"]
    assert "energy_usd" not in text and "billed_capacity_mw" not in text
    rows = {row["label"]: row for row in cost_rows(cost)}
    assert rows["Total operator cost"]["value"] == f"{round(cost['total_usd']):,}"
    assert f"Total operator cost {rows['Total operator cost']['value']} USD/year" in text
    assert f"Energy {round(cost['energy_usd']):,} USD/year" in text


def test_it_names_what_limits_the_servers_per_rack(finished_run, pdf_text):
    text = " ".join(pdf_text)
    pool = finished_run.result["pools"][0]
    assert f"{pool['servers_per_rack']} ({pool['rack_binding']}, {pool['server_height_u']}U servers)" in text
