"""The editor and run page in Chromium at a 1,400 px window: no sideways scroll, a cleared field's
error shown clear of the sticky save bar, and a report download that says it is being built."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.browser.test_planner_flow import _jobs, _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE = {"width": 1400, "height": 900}
OVERFLOW_JS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def _page(browser, live_server):
    page = browser.new_context(viewport=WIDE, accept_downloads=True).new_page()
    _sign_in(page, live_server.url, "owner")
    return page


def test_the_editor_does_not_scroll_sideways_at_1400_px(browser, live_server, owner):
    page = _page(browser, live_server)
    page.goto(f"{live_server.url}/scenarios/new/")
    page.wait_for_selector("#scenario-editor")
    assert page.evaluate(OVERFLOW_JS) <= 0
    # The 24-hour tables and the region figures opened: still no sideways scroll.
    page.locator("#scenario-editor details").evaluate_all("all => all.forEach((d) => { d.open = true; })")
    assert page.evaluate(OVERFLOW_JS) <= 0, "the page scrolls sideways at 1,400 px"


def test_a_cleared_field_shows_its_error_clear_of_the_save_bar(browser, live_server, owner):
    page = _page(browser, live_server)
    page.goto(f"{live_server.url}/scenarios/new/")
    page.get_by_label("Scenario name").fill("Cleared field")
    page.locator("#id_fleet__headroom_frac").fill("")  # the worked example had 0.2: no silent fallback
    page.get_by_role("button", name="Save scenario").click()
    page.wait_for_selector("#error-summary")
    summary = page.inner_text("#error-summary")
    assert "Spare capacity above the peak hour [fraction]: Enter a value" in summary
    page.locator("#error-summary a[href='#id_fleet__headroom_frac']").click()
    assert page.evaluate("document.activeElement.id") == "id_fleet__headroom_frac"
    error = page.locator("#id_fleet__headroom_frac_error")
    assert error.is_visible()
    message = error.bounding_box()
    bar = page.locator(".sticky-actions").bounding_box()
    assert message["y"] >= 0 and message["y"] + message["height"] <= bar["y"], (message, bar)


def test_a_report_download_says_it_is_being_built(request, browser, live_server, owner, organisation, small_inputs):
    from planner.scenarios import services
    from planner.scenarios.models import Run, RunStatus

    _jobs(request)
    scenario = services.scenario_create(owner=owner, organisation=organisation, inputs=small_inputs)
    run = Run.objects.create(
        scenario=scenario, scenario_version=1, inputs=scenario.inputs, input_hash="h", submitted_by=owner
    )
    services.run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    page = _page(browser, live_server)
    page.goto(f"{live_server.url}/runs/{run.pk}/")
    link = page.locator("a[data-report]", has_text="Excel")
    timeout_ms = 120_000 if not settings.CELERY_TASK_ALWAYS_EAGER else 60_000
    # Record every text the status line shows (the building state may last only a second).
    page.evaluate(
        """() => { window.reportTexts = []; const box = document.getElementById('report-status');
        new MutationObserver(() => window.reportTexts.push(box.textContent))
          .observe(box, { childList: true, characterData: true, subtree: true }); }"""
    )
    with page.expect_download(timeout=timeout_ms) as download:
        link.click()
    assert download.value.suggested_filename.endswith(".xlsx")
    texts = page.evaluate("window.reportTexts")
    assert any(t.startswith("Building the Excel") for t in texts), texts
    assert "Excel ready: downloading." in page.inner_text("#report-status")
