"""A portfolio run's PDF, XLSX and CSV: built by the one report job, holding the run's figures,
readable by the organisation's members only (page and API), with missed constraints on top."""

from __future__ import annotations

import copy
import csv
import io

import pytest
from django.urls import reverse

from grid.portfolio_checks import missed_constraints
from planner.jobs.lifecycle import job_execute
from planner.jobs.models import JobStatus
from planner.portfolios import report_tables, services
from planner.portfolios.models import PortfolioRun
from planner.portfolios.selectors import COMPLETED
from planner.reports.models import Report
from planner.reports.services import ReportNotPossible, report_build, report_request

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def done(portfolio, owner) -> PortfolioRun:
    run, _ = services.portfolio_run_submit(portfolio=portfolio, submitted_by=owner)
    job_execute(kind="portfolio_run", job_id=run.pk)
    run.refresh_from_db()
    assert run.status in COMPLETED, run.error
    return run


def _file(run: PortfolioRun, kind: str) -> bytes:
    report = report_request(portfolio_run=run, kind=kind)
    report_build(report_id=report.pk)
    report.refresh_from_db()
    assert report.is_ready, report.error
    return bytes(report.content)


def test_it_builds_a_pdf_holding_the_year_table(done):
    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(_file(done, "pdf"))).pages)
    yearly = done.result["regions"]["pjm-dominion"]["yearly"]
    assert "Loudoun queue" in text and "Year by year" in text
    for c in missed_constraints(done.result):  # before the figures
        assert text.index(c["label"].split(" (")[0]) < text.index("Year by year")
    for row in yearly:  # the year table's figures, as the PDF prints them (fixed decimals)
        assert f"{row['aggregate_coincident_peak_mw']:,.1f}" in text
        assert f"{row['bills']['socialised']['total_usd_per_month']:,.2f}" in text
    assert "queue order" in text and "Norris" in text  # the curtailment assumption and the headroom method
    # Sources: every region figure with its value (4 significant digits), e.g. the headroom rates.
    assert "fixed_charge_rate_frac" in text and "0.25" in text


def test_it_builds_a_workbook_of_text_safe_sheets_equal_to_the_result(done):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(_file(done, "xlsx")))
    assert {"Summary", "Members", "Years", "Facility MW", "Bills by item", "Curtailment", "Headroom", "Sources"} <= set(
        book.sheetnames
    )
    rows = list(book["Years"].iter_rows(values_only=True))
    header, first = rows[0], rows[1]
    yearly = done.result["regions"]["pjm-dominion"]["yearly"]
    column = header.index("Aggregate coincident peak [MW]")
    assert first[0] == "pjm-dominion" and first[1] == yearly[0]["year"]
    assert [r[column] for r in rows[1:]] == [y["aggregate_coincident_peak_mw"] for y in yearly]


def test_it_writes_the_years_as_csv(done):
    lines = _file(done, "csv").decode().splitlines()
    comments = [line for line in lines if line.startswith("#")]
    assert len(comments) == len(missed_constraints(done.result))  # missed constraints on top, one line each
    rows = list(csv.reader(lines[len(comments) :]))
    headers = ["Region", *[h for h, _, _ in report_tables.YEAR_COLUMNS]]
    assert rows[0] == headers
    yearly = done.result["regions"]["pjm-dominion"]["yearly"]
    assert [int(r[1]) for r in rows[1:]] == [y["year"] for y in yearly]
    share = headers.index("Share of system peak [%]")
    assert [float(r[share]) for r in rows[1:]] == [y["share_of_system_peak_pct"] for y in yearly]


def test_members_download_from_the_page_and_outsiders_get_404(client, done, teammate, outsider):
    url = reverse("portfolio-report-file", args=[done.pk, "csv"])
    client.force_login(outsider)
    assert client.get(url, **JSON).status_code == 404
    client.force_login(teammate)
    page = client.get(reverse("portfolio-run", args=[done.pk])).content.decode()
    assert f'href="{url}"' in page and "data-report" in page and "planner/reports.js" in page
    client.get(url, **JSON)  # queues the build (dispatched on commit: built here by the job)
    report = Report.objects.get(portfolio_run=done, kind="csv")
    report_build(report_id=report.pk)
    state = client.get(url, **JSON).json()
    assert state["ready"] is True and state["status"] == "ready"
    download = client.get(url)
    assert download.status_code == 200 and download["Content-Disposition"].endswith('.csv"')
    assert client.get(reverse("portfolio-report-file", args=[done.pk, "json"])).status_code == 404


def test_the_api_lists_requests_and_downloads_portfolio_reports(client, done, owner, outsider):
    client.force_login(outsider)
    base = f"/api/v1/portfolios/runs/{done.pk}/reports/"
    assert client.post(base, {"kind": "pdf"}, content_type="application/json").status_code == 404
    client.force_login(owner)
    run = client.get(f"/api/v1/portfolios/runs/{done.pk}/").json()
    assert run["reports_url"].endswith(base)
    assert client.post(base, {"kind": "json"}, content_type="application/json").status_code == 400
    created = client.post(base, {"kind": "xlsx"}, content_type="application/json")
    assert created.status_code == 202 and created.json()["portfolio_run"] == done.pk
    report_build(report_id=created.json()["id"])
    listed = client.get(base).json()["results"]
    assert [(r["kind"], r["status"]) for r in listed] == [("xlsx", "ready")]
    download = client.get(listed[0]["download_url"])
    assert download.status_code == 200 and download.content[:2] == b"PK"
    client.force_login(outsider)
    assert client.get(listed[0]["url"]).status_code == 404
    assert client.get(listed[0]["download_url"]).status_code == 404


def test_an_unfinished_portfolio_run_has_no_report(portfolio, owner):
    run, _ = services.portfolio_run_submit(portfolio=portfolio, submitted_by=owner)
    with pytest.raises(ReportNotPossible, match="reports need a completed portfolio run"):
        report_request(portfolio_run=run, kind="pdf")


def test_a_portfolio_beyond_its_headroom_says_so_first(done):
    # Scale the stored result's year 2030 beyond the 0.5 % headroom and a member beyond 0.5 % curtailment.
    result = copy.deepcopy(done.result)
    region = result["regions"]["pjm-dominion"]
    last = region["yearly"][-1]
    for used in last["headroom_used"]:
        if used["rate_pct"] == 0.5:
            used["used_frac"] = 1.25
    member = next(iter(last["curtailment"]["members"]))
    last["curtailment"]["members"][member] |= {"must_curtail": True, "rate_frac": 0.02, "hours_per_year": 300.0}
    PortfolioRun.objects.filter(pk=done.pk).update(result=result)
    done.refresh_from_db()
    kinds = [c["kind"] for c in missed_constraints(result)]
    assert kinds == ["headroom_exceeded", "curtailment_over_rate"]
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(_file(done, "xlsx")))
    assert book.sheetnames[0] == "Constraints not met"
    assert _file(done, "csv").decode().startswith("# Completed — constraints not met: Curtailment-enabled headroom")


def test_it_lists_each_missed_constraint_once_per_region():
    # Hand-made result: 2027 uses 80 % of the 0.5 % headroom, 2028 125 %; B curtails 2 % in 2028;
    # the reserve margin goes from 21 % (target 20 %) to 19.5 % in 2028 only.
    def year(y, used, rate_b, after):
        return {
            "year": y,
            "aggregate_peak_mw": 100.0 * used,
            "headroom_used": [{"rate_pct": 0.5, "headroom_mw": 100.0, "used_frac": used}],
            "curtailment": {
                "members": {
                    "A": {"rate_frac": 0.0, "hours_per_year": 0.0},
                    "B": {"rate_frac": rate_b, "hours_per_year": 120.0},
                }
            },
            "reserve_margin": {"before_pct": 21.0, "after_pct": after, "target_pct": 20.0, "shortfall_mw": 50.0},
        }

    result = {
        "regions": {"r": {"region_name": "R", "yearly": [year(2027, 0.8, 0.001, 20.5), year(2028, 1.25, 0.02, 19.5)]}}
    }
    missed = {c["kind"]: c for c in missed_constraints(result)}
    assert set(missed) == {"headroom_exceeded", "curtailment_over_rate", "reserve_margin_below_target"}
    assert missed["headroom_exceeded"]["years"] == [2028] and missed["headroom_exceeded"]["value"] == 125.0
    assert (
        missed["curtailment_over_rate"]["years"] == [2028] and "B 2.00 %" in missed["curtailment_over_rate"]["message"]
    )
    assert missed["reserve_margin_below_target"]["value"] == 19.5
    # A system already below target before the portfolio is context, not the portfolio's miss.
    for row in result["regions"]["r"]["yearly"]:
        row["reserve_margin"]["before_pct"] = 14.8
    assert "reserve_margin_below_target" not in {c["kind"] for c in missed_constraints(result)}


@pytest.fixture
def beyond(definition, owner, organisation) -> PortfolioRun:
    """The fixture's members on an uploaded system load that runs at its own peak every hour (no room
    below its historical peaks): every MW is curtailed, far beyond the 0.5 % the headroom assumes."""
    from planner.scenarios import services as scenario_services

    content = ("system_load_mw\n" + "\n".join("20000.0" for _ in range(8760)) + "\n").encode()
    upload = scenario_services.upload_create(
        organisation=organisation, uploaded_by=owner, kind="system_load", name="flat at peak", content=content
    )
    data = {**definition, "system_load_upload": upload.pk, "system_load_region": "pjm-dominion"}
    portfolio = services.portfolio_create(owner=owner, organisation=organisation, data=data)
    run, _ = services.portfolio_run_submit(portfolio=portfolio, submitted_by=owner)
    job_execute(kind="portfolio_run", job_id=run.pk)
    run.refresh_from_db()
    return run


def test_a_run_beyond_its_headroom_is_completed_with_constraints_not_met_in_lists(client, beyond, teammate, owner):
    done = beyond
    assert done.status == JobStatus.CONSTRAINTS_NOT_MET
    assert done.constraints == done.result["constraints"] == missed_constraints(done.result) != []
    client.force_login(teammate)
    detail = client.get(reverse("portfolio-detail", args=[done.portfolio_id])).content.decode()
    assert 'data-constraint="curtailment_over_rate"' in detail and "Completed — constraints not met" in detail
    listed = client.get(reverse("portfolio-list")).content.decode()
    assert "Completed — constraints not met" in listed
    page = client.get(reverse("portfolio-run", args=[done.pk])).content.decode()
    assert page.index('id="constraints"') < page.index('id="member-sources"')
    client.force_login(owner)
    runs = client.get(f"/api/v1/portfolios/{done.portfolio_id}/runs/").json()["results"]
    assert runs[0]["status"] == "constraints_not_met" and runs[0]["constraints"] == done.result["constraints"]
    assert client.get(runs[0]["result_url"]).json()["constraints"] == done.result["constraints"]
