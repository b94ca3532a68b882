"""Study pages print KPIs with their labels and units and numbers to 4 significant digits (issue 20 #13).

Before, the run page's point table was headed by KPI names ("peak_facility_power_mw [MW]",
"devices") and printed raw floats ("52.63401234987"); the P10/P50/P90 table printed the names and
`floatformat:4` numbers without units. The PDF's tables now carry the same labels and units.
"""

from __future__ import annotations

import html
import io
import re

import pytest
from django.urls import reverse
from pypdf import PdfReader

from planner.engine.studies.kpis import KPIS
from planner.reports.units import fmt
from tests.studies.conftest import make_study, submit

pytestmark = pytest.mark.django_db


def _table(page: str, table_id: str) -> tuple[list[str], list[list[str]]]:
    """(heading texts, rows of cell texts) of the table ``table_id`` of a page."""
    body = page.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    text = lambda cell: html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()  # noqa: E731
    headings = [text(h) for h in re.findall(r"<th[^>]*>(.*?)</th>", body, re.S)]
    rows = [
        [text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>", 1)[1], re.S)
    ]
    return headings, rows


def test_the_point_table_has_labels_with_units_and_formatted_numbers(
    client, owner, scenario, django_capture_on_commit_callbacks
):
    study = make_study(scenario, owner, {"kind": "sweep", "vary": {"workloads[1].peak_requests_per_s": [1500, 3000]}})
    run, _ = submit(study, owner, django_capture_on_commit_callbacks)
    assert run.status == "succeeded", run.error
    client.force_login(owner)
    page = client.get(reverse("study-run-detail", args=[run.pk])).content.decode()
    headings, rows = _table(page, "points-table")

    peak = KPIS["peak_facility_power_mw"]
    assert f"{peak.label} [MW]" in headings and "TCO per million output tokens [USD/Mtok]" in headings
    assert "accelerators" in headings and "peak_facility_power_mw [MW]" not in headings
    assert any(h.startswith("TCO per million output tokens, ") and h.endswith("[USD/Mtok]") for h in headings)
    column = headings.index(f"{peak.label} [MW]")
    for point, row in zip(run.points.order_by("index"), rows, strict=True):
        raw = point.kpis["peak_facility_power_mw"]
        assert row[column] == fmt(raw), "4 significant digits, thousands separators"
        assert len(re.sub(r"\D", "", row[column])) <= max(4, len(str(int(raw)))), row[column]
        assert repr(raw) not in row  # the raw float is only the sort key (data-value)
        devices = row[headings.index("accelerators")]
        assert devices == f"{int(point.kpis['devices']):,}"
        assert row[headings.index("workloads[1].peak_requests_per_s")] == fmt(point.values[next(iter(point.values))])
    assert f'data-value="{run.points.get(index=0).kpis["peak_facility_power_mw"]!r}"' in page  # sorted exactly


def test_the_percentiles_are_labelled_with_units_on_the_page_and_in_the_pdf(
    client, owner, scenario, django_capture_on_commit_callbacks
):
    definition = {
        "kind": "uncertainty",
        "samples": 4,
        "inputs": [
            {
                "parameter": "carbon_intensity",
                "mode": "relative",
                "distribution": {"kind": "uniform", "low": 0.7, "high": 1.3},
            }
        ],
    }
    run, _ = submit(make_study(scenario, owner, definition), owner, django_capture_on_commit_callbacks)
    assert run.status == "succeeded", run.error
    client.force_login(owner)
    page = client.get(reverse("study-run-detail", args=[run.pk])).content.decode()
    headings, rows = _table(page, "percentiles")
    assert headings == ["KPI", "P10", "P50", "P90"]
    by_label = {row[0]: row[1:] for row in rows}
    carbon = run.summary["percentiles"]["location_based_tco2e"]
    assert by_label["emissions, location-based [tCO2e]"] == [fmt(carbon[q]) for q in ("p10", "p50", "p90")]
    assert "location_based_tco2e" not in by_label and "daily peak facility power [MW]" in page  # fan series

    with django_capture_on_commit_callbacks(execute=True):
        built = client.get(reverse("study-run-report", args=[run.pk]))
    if built.status_code != 200:  # the report job built it on commit: ask again for the file
        built = client.get(reverse("study-run-report", args=[run.pk]))
    assert built.content.startswith(b"%PDF")
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(built.content)).pages).split())
    assert f"emissions, location-based [tCO2e] {fmt(carbon['p10'])} {fmt(carbon['p50'])} {fmt(carbon['p90'])}" in text
    assert "peak facility power at the meter [MW]" in text and "location_based_tco2e [tCO2e]" not in text
