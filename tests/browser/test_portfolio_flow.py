"""A utility builds a portfolio from three scenarios in the browser, runs it, sees the charts drawn and
downloads the PDF report (the building state first, then the file)."""

from __future__ import annotations

import copy

import pytest
from django.conf import settings

from tests.browser.test_planner_flow import _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CHARTS = ("stack", "reserve", "bills", "headroom")


def test_it_builds_runs_and_charts_a_portfolio(
    request, browser, live_server, owner, organisation, small_inputs, screenshot_dir
):
    from planner.scenarios import services

    if not settings.CELERY_TASK_ALWAYS_EAGER:
        request.getfixturevalue("celery_worker")
    names = []
    for i in range(3):
        inputs = copy.deepcopy(small_inputs)
        inputs["name"] = f"Campus {i + 1}"
        services.scenario_create(owner=owner, organisation=organisation, inputs=inputs)
        names.append(inputs["name"])
    base = live_server.url
    context = browser.new_context(viewport={"width": 1366, "height": 1000})
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    _sign_in(page, base, "owner")

    page.goto(f"{base}/portfolios/")
    page.click("#new-portfolio")
    page.fill("#id_name", "Northern Virginia queue")
    page.fill("#id_start_year", "2026")
    page.fill("#id_end_year", "2032")
    for row, (name, year, ramp) in enumerate(
        zip(names, (2026, 2027, 2029), ("1", "0.25, 0.5, 1", "50%, 100%"), strict=True)
    ):
        page.get_by_label(f"Scenario of member {row + 1}").select_option(label=name)
        page.get_by_label(f"In-service year of member {row + 1}").fill(str(year))
        page.get_by_label(f"Ramp of member {row + 1}").fill(ramp)
    page.click("#save-portfolio")
    page.wait_for_selector("#member-table")
    assert page.locator("#member-table tbody tr").count() == 3

    page.click("#run-portfolio")
    for chart in CHARTS:
        page.wait_for_selector(f"#chart-{chart}-pjm-dominion .main-svg", timeout=180_000)
    assert page.locator("#member-sources tbody tr").count() == 3
    assert "computed in this job" in page.locator("#member-sources").inner_text()
    page.screenshot(path=str(screenshot_dir / "portfolio-result.png"), full_page=True)

    # The PDF: the button says it is being built (static/planner/reports.js), then the file downloads.
    page.evaluate(
        """() => { window.reportTexts = []; const box = document.getElementById('report-status');
        new MutationObserver(() => window.reportTexts.push(box.textContent))
          .observe(box, { childList: true, characterData: true, subtree: true }); }"""
    )
    with page.expect_download(timeout=180_000) as download:
        page.locator("a[data-report]", has_text="PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")
    assert any(t.startswith("Building the PDF report") for t in page.evaluate("window.reportTexts"))
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(download.value.path()).pages)
    assert "Northern Virginia queue" in text and "Year by year" in text and "Campus 3" in text
    assert not problems, problems
    context.close()
